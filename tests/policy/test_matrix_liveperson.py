"""The LivePerson response matrix (POLICY-RULES §1.1), checked through the engine.

Severity 1 and 2 responses run on the wall clock; business-day targets count Monday to
Friday in the account's time zone (G2), one business day ending at the same local clock time
on the next business day (G3). Every due time is computed from a concrete instant.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from casework.policy import (
    ClockState,
    Event,
    compute_clocks,
    initial_tier,
    load_policy,
    opening_targets,
)
from casework.policy.clocks import TargetPreview

LIVEPERSON = load_policy(Path(__file__).resolve().parents[2] / "policy-packs" / "liveperson.yaml")
LONDON = ZoneInfo("Europe/London")
TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")
ACCOUNT = "Europe/London"
# Friday 10:00 in the account's zone, in a week without a DST change.
FRIDAY = datetime(2026, 6, 12, 10, 0, tzinfo=LONDON)
SEVERITIES = ("sev1", "sev2", "sev3")


def at(day: int, hour: int, minute: int = 0, month: int = 6, zone: ZoneInfo = LONDON) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=zone)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def preview(
    priority: str, opened: datetime = FRIDAY, account: str | None = ACCOUNT, plan: str = "standard"
) -> dict[str, TargetPreview]:
    targets = opening_targets(LIVEPERSON, plan, priority, opened, account_timezone=account)
    return {t.metric: t for t in targets}


def clocks(events: list[Event], now: datetime, account: str | None = ACCOUNT) -> list[ClockState]:
    return compute_clocks(LIVEPERSON, "standard", events, now, account_timezone=account)


def clock(found: list[ClockState], metric: str, cycle: int = 0) -> ClockState:
    (match,) = [c for c in found if c.metric == metric and c.cycle == cycle]
    return match


# ---------------------------------------------------------------- the matrix


@pytest.mark.rule("R19")
@pytest.mark.rule("R18")
@pytest.mark.parametrize(
    ("severity", "calendar", "due"),
    [
        ("sev1", "wall", at(12, 11)),  # 1 hour
        ("sev2", "wall", at(12, 13)),  # 3 hours
        pytest.param("sev3", "business-days", at(17, 10), marks=pytest.mark.rule("G3")),
    ],
)
def test_initial_response_is_due_at_the_published_time(
    severity: str, calendar: str, due: datetime
) -> None:
    target = preview(severity)["first_response"]
    assert (target.calendar, target.due_at) == (calendar, due)


@pytest.mark.rule("R20")
@pytest.mark.rule("R18")
@pytest.mark.parametrize(
    ("severity", "calendar", "due"),
    [
        ("sev1", "wall", at(12, 12)),  # every 2 hours
        pytest.param("sev2", "business-days", at(15, 10), marks=pytest.mark.rule("G3")),
        pytest.param("sev3", "business-days", at(17, 10), marks=pytest.mark.rule("G3")),
    ],
)
def test_the_first_periodic_update_is_due_at_the_published_cadence(
    severity: str, calendar: str, due: datetime
) -> None:
    target = preview(severity)["periodic_update"]
    assert (target.calendar, target.due_at) == (calendar, due)


@pytest.mark.rule("R20")
@pytest.mark.parametrize(
    ("severity", "update", "next_due"),
    [
        ("sev1", at(12, 11, 30), at(12, 13, 30)),
        pytest.param("sev2", at(12, 16), at(15, 16), marks=pytest.mark.rule("G3")),
        pytest.param("sev3", at(15, 9), at(18, 9), marks=pytest.mark.rule("G3")),
    ],
)
def test_each_public_update_restarts_the_cadence(
    severity: str, update: datetime, next_due: datetime
) -> None:
    events = [Event("opened", FRIDAY, priority=severity), Event("response", update)]
    found = clocks(events, update)
    assert clock(found, "periodic_update", cycle=1).state == "met"
    assert clock(found, "periodic_update", cycle=2).due_at == next_due


@pytest.mark.rule("G3")
@pytest.mark.rule("R19")
def test_a_sev3_opened_friday_at_10_responds_by_wednesday_at_10() -> None:
    assert preview("sev3")["first_response"].due_at == at(17, 10)
    assert at(17, 10).strftime("%A %H:%M") == "Wednesday 10:00"


@pytest.mark.rule("G3")
@pytest.mark.rule("G2")
def test_a_business_day_ends_at_the_same_local_time_across_a_dst_change() -> None:
    # Europe/London moves to BST on Sunday 29 March 2026.
    friday = at(27, 10, month=3)
    due = preview("sev3", friday)["first_response"].due_at
    assert due == at(1, 10, month=4)
    assert due.astimezone(LONDON).strftime("%a %H:%M %Z") == "Wed 10:00 BST"


@pytest.mark.rule("G3")
@pytest.mark.rule("R20")
def test_business_days_from_a_weekend_start_count_from_monday() -> None:
    saturday = at(13, 3)
    targets = preview("sev2", saturday)
    assert targets["first_response"].due_at == at(13, 6)  # wall clock, weekend or not
    assert targets["periodic_update"].due_at == at(16, 0)  # Monday 00:00 + 1 business day


@pytest.mark.rule("G2")
@pytest.mark.rule("R19")
def test_business_days_are_counted_in_the_accounts_time_zone() -> None:
    # Saturday 09:00 in Tokyo is still Friday 20:00 in New York (the pack's fallback zone).
    opened = at(13, 9, zone=TOKYO)
    in_tokyo = preview("sev3", opened, account="Asia/Tokyo")["first_response"].due_at
    assert in_tokyo == at(18, 0, zone=TOKYO)  # Monday 00:00 + 3 business days
    in_new_york = preview("sev3", opened, account=None)["first_response"].due_at
    assert LIVEPERSON.timezone == "America/New_York"
    assert in_new_york == at(17, 20, zone=NEW_YORK)  # Friday 20:00 + 3 business days
    assert in_tokyo != in_new_york


@pytest.mark.rule("R19")
@pytest.mark.rule("R1")
@pytest.mark.parametrize(("severity", "within"), [("sev1", 1), ("sev2", 3)])
def test_sev1_and_sev2_responses_run_on_the_wall_clock_at_the_weekend(
    severity: str, within: int
) -> None:
    sunday_night = at(14, 23, 30)
    assert preview(severity, sunday_night)["first_response"].due_at == sunday_night + hours(within)


# ---------------------------------------------------------------- root-cause analysis


@pytest.mark.rule("R21")
@pytest.mark.rule("G10")
@pytest.mark.rule("G3")
def test_a_sev1_preliminary_rca_is_due_3_business_days_after_service_is_restored() -> None:
    opened, restored = at(11, 9), at(12, 15)
    events = [Event("opened", opened, priority="sev1"), Event("service_restored", restored)]
    rca = clock(clocks(events, restored + hours(1)), "rca_preliminary")
    assert (rca.state, rca.calendar, rca.started_at) == ("running", "business-days", restored)
    assert rca.due_at == at(17, 15)  # Friday 15:00 → Wednesday 15:00

    published = at(16, 12)
    events.append(Event("rca_published", published, rca="preliminary"))
    rca = clock(clocks(events, at(18, 9)), "rca_preliminary")
    assert (rca.state, rca.met_at) == ("met", published)


@pytest.mark.rule("R21")
def test_a_late_preliminary_rca_is_a_breach() -> None:
    restored = at(12, 15)
    events = [Event("opened", at(11, 9), priority="sev1"), Event("service_restored", restored)]
    rca = clock(clocks(events, at(17, 15)), "rca_preliminary")
    assert (rca.state, rca.breached_at) == ("breached", at(17, 15))


@pytest.mark.rule("R22")
def test_a_sev1_final_rca_is_outstanding_without_a_deadline_until_published() -> None:
    restored = at(12, 15)
    events = [Event("opened", at(11, 9), priority="sev1"), Event("service_restored", restored)]
    final = clock(clocks(events, restored + timedelta(days=90)), "rca_final")
    assert (final.state, final.due_at, final.target) == ("running", None, None)

    published = at(1, 12, month=7)
    events.append(Event("rca_published", published, rca="final"))
    final = clock(clocks(events, published + hours(1)), "rca_final")
    assert (final.state, final.met_at) == ("met", published)


@pytest.mark.rule("R21")
@pytest.mark.parametrize("severity", ["sev2", "sev3"])
def test_sev2_and_sev3_have_no_rca_obligation(severity: str) -> None:
    events = [Event("opened", at(11, 9), priority=severity), Event("service_restored", at(12, 15))]
    found = clocks(events, at(30, 9))
    assert not [c for c in found if c.metric.startswith("rca")]
    assert LIVEPERSON.plans["standard"].targets[severity].rca is None


# ---------------------------------------------------------------- responses and pauses


@pytest.mark.rule("R23")
@pytest.mark.rule("R24")
@pytest.mark.rule("G4")
@pytest.mark.parametrize(
    ("kind", "counts"),
    [
        pytest.param("status_post", True, marks=pytest.mark.rule("R10")),
        ("phone_call", True),
        ("chat", True),
        ("reply", True),
        ("acknowledgement", False),
    ],
)
def test_what_counts_as_a_response(kind: str, counts: bool) -> None:
    answered = FRIDAY + hours(0.25)
    events = [Event("opened", FRIDAY, priority="sev1"), Event("response", answered, response=kind)]
    response = clock(clocks(events, FRIDAY + hours(0.5)), "first_response")
    assert (response.state, response.met_at) == (("met", answered) if counts else ("running", None))


@pytest.mark.rule("R17")
@pytest.mark.rule("G14")
def test_waiting_on_the_customer_moves_the_response_deadline_by_the_time_waited() -> None:
    events = [
        Event("opened", FRIDAY, priority="sev2"),
        Event("status", FRIDAY + hours(0.5), status="pending_customer"),
        Event("status", FRIDAY + hours(2.5), status="open"),
    ]
    response = clock(clocks(events, FRIDAY + hours(4)), "first_response")
    assert (response.state, response.due_at, response.paused_seconds) == (
        "running",
        FRIDAY + hours(5),
        2 * 3600,
    )


@pytest.mark.rule("R17")
@pytest.mark.rule("R15")
def test_time_spent_waiting_on_the_customer_never_breaches() -> None:
    events = [
        Event("opened", FRIDAY, priority="sev1"),
        Event("status", FRIDAY + hours(0.5), status="pending_customer"),
    ]
    found = clocks(events, FRIDAY + timedelta(days=10))
    response = clock(found, "first_response")
    assert (response.state, response.due_at) == ("paused", None)
    assert not [c for c in found if c.state == "breached"]


@pytest.mark.rule("R17")
def test_pending_customer_pauses_response_update_and_rca_clocks() -> None:
    (pause,) = LIVEPERSON.rules.pauses
    assert pause.status == "pending_customer"
    assert set(pause.clocks) >= {"first_response", "periodic_update", "rca_preliminary"}


@pytest.mark.rule("R17")
@pytest.mark.rule("R21")
def test_waiting_on_the_customer_after_restoration_pushes_the_rca_back() -> None:
    restored = at(12, 15)
    events = [
        Event("opened", at(11, 9), priority="sev1"),
        Event("service_restored", restored),
        Event("status", at(15, 15), status="pending_customer"),  # Monday 15:00
        Event("status", at(16, 15), status="open"),  # one business day later
    ]
    rca = clock(clocks(events, at(16, 16)), "rca_preliminary")
    assert rca.due_at == at(18, 15)


# ---------------------------------------------------------------- channels, roles, scope


@pytest.mark.rule("R1")
@pytest.mark.parametrize("plan", ["standard", "enhanced"])
def test_chat_messaging_and_email_are_offered_24x7(plan: str) -> None:
    offered = LIVEPERSON.plans[plan]
    assert {"chat", "messaging", "email"} <= set(offered.channels)
    assert all(LIVEPERSON.channels[c].customer_initiated for c in ("chat", "messaging", "email"))
    assert offered.calendar == "wall"
    assert LIVEPERSON.calendars["wall"].always


@pytest.mark.rule("R4")
def test_the_channel_catalogue_includes_community_and_customer_center() -> None:
    assert {"chat", "messaging", "community", "customer-center"} <= set(LIVEPERSON.channels)


@pytest.mark.rule("R7")
@pytest.mark.rule("R25")
def test_security_incidents_are_severity_1() -> None:
    definition = LIVEPERSON.priority("sev1").definition
    assert "Security incidents are included" in definition
    assert "DoS/DDoS attack" in definition
    assert "compromise of data" in definition
    assert "DoS/DDoS attack" in LIVEPERSON.definitions


@pytest.mark.rule("R25")
@pytest.mark.parametrize(
    ("severity", "phrase"),
    [
        ("sev1", "unavailable or severely degraded"),
        ("sev2", "available but degraded"),
        ("sev3", "affect some but not all users"),
    ],
)
def test_severity_definitions_follow_the_published_wording(severity: str, phrase: str) -> None:
    assert phrase in LIVEPERSON.priority(severity).definition


@pytest.mark.rule("R2")
@pytest.mark.rule("R12")
@pytest.mark.rule("R13")
@pytest.mark.rule("R14")
@pytest.mark.rule("R16")
@pytest.mark.parametrize(
    ("exclusion", "rule"),
    [
        pytest.param("third-party", "R2", marks=pytest.mark.rule("R3")),
        ("end-of-support", "R12"),
        ("customer-altered-code", "R13"),
        pytest.param("solution-not-implemented", "R14", marks=pytest.mark.rule("R15")),
        ("custom-applications", "R16"),
        ("customer-dashboards", "R16"),
    ],
)
def test_out_of_scope_requests_are_listed_with_their_rule(exclusion: str, rule: str) -> None:
    assert LIVEPERSON.rules.scope_exclusions[exclusion].rule == rule


@pytest.mark.rule("R10")
def test_the_pack_names_the_status_page() -> None:
    assert LIVEPERSON.status_page == "https://status.liveperson.com"
    assert "status_post" in LIVEPERSON.rules.responses


@pytest.mark.rule("R27")
@pytest.mark.rule("G28")
def test_only_managers_and_administrators_of_eligible_accounts_open_cases() -> None:
    opening = LIVEPERSON.rules.case_opening
    assert sorted(opening.contact_roles or []) == ["administrator", "manager"]
    assert opening.requires_entitlement
    assert "portal" not in LIVEPERSON.plans["standard"].channels
    assert "portal" in LIVEPERSON.plans["enhanced"].channels


@pytest.mark.rule("R26")
@pytest.mark.rule("G21")
@pytest.mark.parametrize("severity", SEVERITIES)
def test_the_enhanced_overlay_keeps_the_standard_figures_until_a_contract_sets_them(
    severity: str,
) -> None:
    assert preview(severity, plan="enhanced") == preview(severity, plan="standard")


@pytest.mark.rule("R6")
@pytest.mark.rule("R5")
def test_no_clock_runs_before_a_case_exists_with_a_severity() -> None:
    assert LIVEPERSON.rules.priority_required
    assert clocks([Event("notified", FRIDAY)], FRIDAY + hours(10)) == []
    found = clocks([Event("notified", FRIDAY), Event("opened", FRIDAY)], FRIDAY)
    assert {c.priority for c in found} == {LIVEPERSON.rules.default_priority}


@pytest.mark.rule("R39")
@pytest.mark.parametrize("severity", SEVERITIES)
def test_every_case_starts_at_level_1(severity: str) -> None:
    assert initial_tier(LIVEPERSON, "standard", severity) == "L1"
