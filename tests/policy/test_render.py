"""The policy's view-model (``casework.policy.render``): what the public page says comes from
the same loaded policy that is enforced."""

from __future__ import annotations

from pathlib import Path

import pytest

from casework.policy import load_policy
from casework.policy.render import policy_view, render_markdown

PACKS = Path(__file__).resolve().parents[2] / "policy-packs"


@pytest.mark.rule("R29")
def test_the_page_states_the_maintenance_notice_and_windows_that_are_enforced() -> None:
    view = policy_view(load_policy(PACKS / "liveperson.yaml"))
    assert view.maintenance == [
        ("Notice", "announced up to 10 days ahead on the status page (R29)"),
        ("North America", "every Sun 03:00–07:00 (America/New_York)"),
        ("Europe", "every Sun 06:00–10:00 (Etc/GMT)"),
        ("Asia-Pacific", "every Sun 21:00–02:00 (Australia/Brisbane)"),
    ]


def test_a_policy_without_maintenance_rules_says_nothing_of_maintenance() -> None:
    policy = load_policy(PACKS / "liveops.yaml")
    assert policy_view(policy).maintenance == []
    assert "Scheduled maintenance" not in render_markdown(policy)
    assert "## Scheduled maintenance" in render_markdown(load_policy(PACKS / "liveperson.yaml"))
