"""Enhanced-SLA overlays (R26): an account's figures replace its plan's, nothing else moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from casework.policy import Event, UnknownIdError, compute_clocks, load_policy
from casework.policy.overlay import apply_overlay

LIVEOPS = load_policy(Path(__file__).resolve().parents[2] / "policy-packs" / "liveops.yaml")
OPENED = datetime(2026, 11, 18, 17, 0, tzinfo=UTC)


def due(policy: object, priority: str) -> dict[str, datetime | None]:
    clocks = compute_clocks(policy, "standard", [Event("opened", OPENED, priority=priority)],  # type: ignore[arg-type]
                            OPENED)  # fmt: skip
    return {c.key: c.due_at for c in clocks}


@pytest.mark.rule("R26", "R60", "R64", "R62")
def test_overlay_figures_replace_the_plans_and_keep_the_rest() -> None:
    enhanced = apply_overlay(LIVEOPS, "standard", {
        "P2": {"first_response": "2h", "periodic_update": "12h", "elevation": "4h"},
    })  # fmt: skip
    assert due(LIVEOPS, "P2")["first_response"] == OPENED + timedelta(hours=8)
    assert due(enhanced, "P2")["first_response"] == OPENED + timedelta(hours=2)
    assert due(enhanced, "P2")["periodic_update#1"] == OPENED + timedelta(hours=12)
    assert due(enhanced, "P2")["elevation"] == OPENED + timedelta(hours=4)
    target = enhanced.plan("standard").targets["P2"]
    assert target.periodic_update is not None
    assert target.periodic_update.eta
    assert target.elevation is not None
    assert target.elevation.to == "L2"
    assert due(enhanced, "P3") == due(LIVEOPS, "P3")  # other priorities untouched
    assert LIVEOPS.plan("standard").targets["P2"].first_response.within.seconds == 8 * 3600  # type: ignore[union-attr]


@pytest.mark.rule("R26", "G22")
def test_an_overlay_may_add_a_target_the_plan_does_not_track() -> None:
    enhanced = apply_overlay(LIVEOPS, "standard", {"P1": {"resolution": "24h"}})
    assert "resolution" not in due(LIVEOPS, "P1")
    assert due(enhanced, "P1")["resolution"] == OPENED + timedelta(hours=24)


@pytest.mark.rule("R26", "R63")
def test_an_elevation_figure_needs_a_tier_the_plan_names() -> None:
    with pytest.raises(ValueError, match=r"sla_overlay\.P3\.elevation: the plan names no tier"):
        apply_overlay(LIVEOPS, "standard", {"P3": {"elevation": "8h"}})


def test_unknown_plans_and_priorities_are_named() -> None:
    with pytest.raises(UnknownIdError, match="unknown plan 'gold'"):
        apply_overlay(LIVEOPS, "gold", {})
    with pytest.raises(UnknownIdError, match="unknown priority 'P9'"):
        apply_overlay(LIVEOPS, "standard", {"P9": {"first_response": "1h"}})
