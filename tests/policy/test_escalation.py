"""actions_due: warnings at 75 %, breaches, elevation as an action (R62), rule filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from casework.policy import Event, Policy, compute_clocks, load_policy
from casework.policy.escalation import actions_due

PACKS = Path(__file__).resolve().parents[2] / "policy-packs"
OPENED = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def liveops() -> Policy:
    return load_policy(PACKS / "liveops.yaml")


def due_at(policy: Policy, priority: str, events: list[Event], at: datetime) -> list[str]:
    opened = Event("opened", OPENED, priority=priority)
    clocks = compute_clocks(policy, "standard", [opened, *events], at)
    return [f"{a.kind}:{a.clock}" for a in actions_due(policy, clocks, at)]


def test_nothing_is_due_before_the_warning_threshold(liveops: Policy) -> None:
    assert due_at(liveops, "P2", [], OPENED + timedelta(hours=5, minutes=59)) == []


@pytest.mark.rule("R60")
def test_first_response_warns_at_75_percent_of_its_target(liveops: Policy) -> None:
    # P2 Standard: 8 h acknowledgement → warning at 6 h, together with the elevation clock.
    assert due_at(liveops, "P2", [], OPENED + timedelta(hours=6)) == [
        "warning:elevation",
        "warning:first_response",
    ]


@pytest.mark.rule("R62")
def test_elevation_breach_elevates_to_level_2(liveops: Policy) -> None:
    at = OPENED + timedelta(hours=8)
    clocks = compute_clocks(liveops, "standard", [Event("opened", OPENED, priority="P2")], at)
    breaches = [a for a in actions_due(liveops, clocks, at) if a.kind == "breach"]
    elevation = next(a for a in breaches if a.metric == "elevation")
    assert elevation.elevate == "L2"
    assert elevation.due_at == at
    first = next(a for a in breaches if a.metric == "first_response")
    assert first.elevate is None
    assert "support_manager" in first.notify
    assert "executive_sponsor" in first.notify  # P2 is in the escalation-plan step (R35)


@pytest.mark.rule("R62")
def test_an_eta_before_the_warning_means_no_elevation_warning(liveops: Policy) -> None:
    eta = Event("eta", OPENED + timedelta(hours=1), eta=OPENED + timedelta(hours=20))
    reply = Event("response", OPENED + timedelta(hours=1), response="reply")
    assert due_at(liveops, "P2", [reply, eta], OPENED + timedelta(hours=9)) == []


@pytest.mark.rule("R58")
def test_the_tam_is_warned_of_p1_clocks_only(liveops: Policy) -> None:
    at = OPENED + timedelta(hours=1, minutes=30)
    clocks = compute_clocks(liveops, "standard", [Event("opened", OPENED, priority="P1")], at)
    warning = next(a for a in actions_due(liveops, clocks, at) if a.metric == "first_response")
    assert warning.notify == ("assignee", "tier_lead", "tam")
    at3 = OPENED + timedelta(hours=18)
    clocks3 = compute_clocks(liveops, "standard", [Event("opened", OPENED, priority="P3")], at3)
    assert all("tam" not in a.notify for a in actions_due(liveops, clocks3, at3))


def test_a_met_clock_that_warned_keeps_its_warning_but_never_breaches(liveops: Policy) -> None:
    reply = Event("response", OPENED + timedelta(hours=7), response="reply")
    due = due_at(liveops, "P2", [reply], OPENED + timedelta(hours=30))
    assert "warning:first_response" in due
    assert "breach:first_response" not in due
