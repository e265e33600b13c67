"""The category → tier routing table derived from the tiers' topics (R38–R41)."""

from __future__ import annotations

from pathlib import Path

import pytest

from casework.policy import load_policy
from casework.policy.routing import route_by_category, routing_table

PACKS = Path(__file__).resolve().parents[2] / "policy-packs"
LIVEOPS = load_policy(PACKS / "liveops.yaml")


@pytest.mark.rule("R41")
def test_the_liveops_table_sends_configuration_to_level_2_and_carrier_routing_to_level_3() -> None:
    table = routing_table(LIVEOPS)
    assert table["configuration"] == "L2"
    assert table["integration"] == "L2"
    assert table["carrier routing"] == "L3"
    assert table["custom configuration"] == "L3"
    assert table["how-to"] == "L1"


@pytest.mark.rule("R39", "R40")
def test_a_level_2_topic_moves_a_new_case_from_level_1_with_the_reason() -> None:
    routing = route_by_category(LIVEOPS, "  Integration ", "L1")
    assert routing.tier == "L2"
    assert routing.reason is not None
    assert "'Integration' is a Level 2 topic" in routing.reason


@pytest.mark.rule("R39")
def test_an_unknown_or_level_1_category_stays_at_level_1() -> None:
    assert route_by_category(LIVEOPS, "billing", "L1").tier == "L1"
    assert route_by_category(LIVEOPS, "how-to", "L1").reason is None
    assert route_by_category(LIVEOPS, "", "L1").tier == "L1"


@pytest.mark.rule("R61", "R41")
def test_routing_never_lowers_a_p1_from_level_2_but_raises_it_to_level_3() -> None:
    assert route_by_category(LIVEOPS, "how-to", "L2").tier == "L2"
    assert route_by_category(LIVEOPS, "configuration", "L2").reason is None
    assert route_by_category(LIVEOPS, "telco routing", "L2").tier == "L3"
