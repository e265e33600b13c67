"""The LiveOps response matrices (POLICY-RULES §1.3–§1.7), checked through the engine.

Every figure is checked as a due time computed by ``opening_targets`` or ``compute_clocks``
from a concrete instant, not by reading the YAML back. LiveOps clocks run on the wall clock
(R66), so the due times below are plain elapsed hours, weekends and DST changes included.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import pytest

from casework.policy import (
    ClockState,
    Event,
    UnknownIdError,
    compute_clocks,
    initial_tier,
    load_policy,
    opening_targets,
)
from casework.policy.clocks import TargetPreview

LIVEOPS = load_policy(Path(__file__).resolve().parents[2] / "policy-packs" / "liveops.yaml")
PACIFIC = ZoneInfo("America/Los_Angeles")
# A Wednesday morning in a week without a DST change.
OPENED = datetime(2026, 6, 10, 9, 0, tzinfo=PACIFIC)
PLANS = ("standard", "support-plus", "white-glove")
# White Glove's own priority plan (R33), with the reseller's unverified figures (G19).
WHITE_GLOVE_MATRIX = [pytest.mark.rule("R33"), pytest.mark.rule("G19")]


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def preview(plan: str, priority: str, opened: datetime = OPENED) -> dict[str, TargetPreview]:
    return {t.metric: t for t in opening_targets(LIVEOPS, plan, priority, opened)}


def clocks(plan: str, events: list[Event], at: datetime) -> list[ClockState]:
    return compute_clocks(LIVEOPS, plan, events, at)


def clock(found: list[ClockState], metric: str, cycle: int = 0) -> ClockState:
    (match,) = [c for c in found if c.metric == metric and c.cycle == cycle]
    return match


# ---------------------------------------------------------------- the matrices


@pytest.mark.rule("R59")
@pytest.mark.rule("G6")
@pytest.mark.parametrize(
    ("plan", "priority", "within"),
    [
        ("standard", "P1", 2),
        ("standard", "P2", 8),
        ("standard", "P3", 24),
        ("support-plus", "P1", 1),
        ("support-plus", "P2", 4),
        ("support-plus", "P3", 8),
        pytest.param("white-glove", "P1", 1, marks=pytest.mark.rule("G19")),
        pytest.param("white-glove", "P2", 4, marks=pytest.mark.rule("G19")),
        pytest.param("white-glove", "P3", 8, marks=pytest.mark.rule("G19")),
    ],
)
def test_time_to_open_runs_from_the_problem_notification(
    plan: str, priority: str, within: int
) -> None:
    notified = OPENED - hours(within)
    in_time = [
        Event("notified", notified),
        Event("opened", OPENED - hours(0.25), priority=priority),
    ]
    tto = clock(clocks(plan, in_time, OPENED), "time_to_open")
    assert (tto.state, tto.started_at, tto.due_at) == ("met", notified, OPENED)

    late = [Event("notified", notified), Event("opened", OPENED + hours(0.25), priority=priority)]
    tto = clock(clocks(plan, late, OPENED + hours(1)), "time_to_open")
    assert (tto.state, tto.breached_at) == ("breached", OPENED)


@pytest.mark.rule("G6")
def test_a_case_opened_in_the_portal_meets_time_to_open_at_creation() -> None:
    found = clocks("standard", [Event("opened", OPENED, priority="P2")], OPENED)
    tto = clock(found, "time_to_open")
    assert (tto.state, tto.met_at, tto.due_at) == ("met", OPENED, OPENED + hours(8))


@pytest.mark.rule("R60")
@pytest.mark.rule("R42")
@pytest.mark.parametrize(
    ("plan", "priority", "within"),
    [
        pytest.param("standard", "P1", 2, marks=pytest.mark.rule("G5")),
        ("standard", "P2", 8),
        ("standard", "P3", 24),
        ("support-plus", "P1", 1),
        ("support-plus", "P2", 4),
        ("support-plus", "P3", 8),
        pytest.param("white-glove", "P1", 0.5, marks=WHITE_GLOVE_MATRIX),
        pytest.param("white-glove", "P2", 2, marks=WHITE_GLOVE_MATRIX),
        pytest.param("white-glove", "P3", 4, marks=WHITE_GLOVE_MATRIX),
    ],
)
def test_acknowledgement_is_due_the_published_time_after_opening(
    plan: str, priority: str, within: float
) -> None:
    target = preview(plan, priority)["first_response"]
    assert target.calendar == "wall"
    assert target.due_at == OPENED + hours(within)


@pytest.mark.rule("R64")
@pytest.mark.rule("G7")
@pytest.mark.parametrize(
    ("plan", "priority", "every"),
    [
        ("standard", "P1", 4),
        ("standard", "P2", 48),
        ("standard", "P3", 120),
        ("support-plus", "P1", 4),
        ("support-plus", "P2", 48),
        ("support-plus", "P3", 120),
        pytest.param("white-glove", "P1", 4, marks=pytest.mark.rule("G19")),
        pytest.param("white-glove", "P2", 4, marks=pytest.mark.rule("G19")),
        pytest.param("white-glove", "P3", 120, marks=pytest.mark.rule("G19")),
    ],
)
def test_updates_are_due_every_n_hours_from_the_last_public_update(
    plan: str, priority: str, every: int
) -> None:
    assert preview(plan, priority)["periodic_update"].due_at == OPENED + hours(every)
    reply = OPENED + hours(0.5)
    events = [Event("opened", OPENED, priority=priority), Event("response", reply)]
    found = clocks(plan, events, reply)
    assert clock(found, "periodic_update", cycle=1).state == "met"
    assert clock(found, "periodic_update", cycle=2).due_at == reply + hours(every)


@pytest.mark.rule("R64")
@pytest.mark.rule("G7")
def test_an_eta_sooner_than_the_cadence_makes_the_next_update_due_at_the_eta() -> None:
    reply, eta = OPENED + hours(0.5), OPENED + hours(2.5)
    events = [
        Event("opened", OPENED, priority="P1"),
        Event("response", reply),
        Event("eta", OPENED + hours(1), eta=eta),
    ]
    update = clock(clocks("standard", events, OPENED + hours(1.5)), "periodic_update", cycle=2)
    assert (update.due_at, update.eta_bound) == (eta, True)


@pytest.mark.rule("R64")
@pytest.mark.rule("G7")
def test_an_eta_later_than_the_cadence_leaves_the_cadence_in_force() -> None:
    reply = OPENED + hours(0.5)
    events = [
        Event("opened", OPENED, priority="P1"),
        Event("response", reply),
        Event("eta", OPENED + hours(1), eta=OPENED + hours(10)),
    ]
    update = clock(clocks("standard", events, OPENED + hours(1.5)), "periodic_update", cycle=2)
    assert (update.due_at, update.eta_bound) == (reply + hours(4), False)


@pytest.mark.rule("R64")
@pytest.mark.rule("G8")
def test_p1_updates_stop_once_service_is_restored() -> None:
    reply, restored = OPENED + hours(0.5), OPENED + hours(3)
    events = [
        Event("opened", OPENED, priority="P1"),
        Event("response", reply),
        Event("service_restored", restored),
    ]
    found = clocks("standard", events, OPENED + hours(48))
    updates = [c for c in found if c.metric == "periodic_update"]
    assert [(c.cycle, c.state) for c in updates] == [(1, "met"), (2, "met")]
    assert clock(found, "periodic_update", cycle=2).met_at == restored
    assert not any(c.state == "breached" for c in found)


# ---------------------------------------------------------------- elevation and tiers


@pytest.mark.rule("R61")
@pytest.mark.parametrize("plan", PLANS)
def test_a_p1_case_starts_at_level_2(plan: str) -> None:
    assert initial_tier(LIVEOPS, plan, "P1") == "L2"
    assert "elevation" not in preview(plan, "P1")  # immediate: no clock to wait for


@pytest.mark.rule("R62")
@pytest.mark.rule("R39")
@pytest.mark.parametrize("plan", PLANS)
def test_a_p2_case_without_eta_or_workaround_is_elevated_to_level_2_after_8_hours(
    plan: str,
) -> None:
    assert initial_tier(LIVEOPS, plan, "P2") == "L1"
    assert preview(plan, "P2")["elevation"].due_at == OPENED + hours(8)
    before = clock(
        clocks(plan, [Event("opened", OPENED, priority="P2")], OPENED + hours(7)), "elevation"
    )
    assert (before.state, before.elevate_to) == ("running", "L2")
    after = clock(
        clocks(plan, [Event("opened", OPENED, priority="P2")], OPENED + hours(8)), "elevation"
    )
    assert (after.state, after.breached_at) == ("breached", OPENED + hours(8))
    assert after.elevate_to == "L2"


@pytest.mark.rule("R62")
@pytest.mark.rule("G9")
@pytest.mark.parametrize("kind", ["eta", "workaround"])
def test_an_eta_or_a_workaround_within_8_hours_keeps_a_p2_at_level_1(
    kind: Literal["eta", "workaround"],
) -> None:
    recorded = OPENED + hours(7)
    event = Event(kind, recorded, eta=OPENED + hours(30) if kind == "eta" else None)
    found = clocks("standard", [Event("opened", OPENED, priority="P2"), event], OPENED + hours(9))
    elevation = clock(found, "elevation")
    assert (elevation.state, elevation.met_at) == ("met", recorded)


@pytest.mark.rule("G9")
@pytest.mark.rule("G14")
def test_the_elevation_clock_pauses_while_the_case_waits_on_the_customer() -> None:
    events = [
        Event("opened", OPENED, priority="P2"),
        Event("status", OPENED + hours(1), status="pending_customer"),
        Event("status", OPENED + hours(3), status="open"),
    ]
    elevation = clock(clocks("standard", events, OPENED + hours(4)), "elevation")
    assert elevation.due_at == OPENED + hours(10)


@pytest.mark.rule("R63")
@pytest.mark.parametrize("plan", PLANS)
def test_a_p3_case_is_never_elevated_by_a_timer(plan: str) -> None:
    assert initial_tier(LIVEOPS, plan, "P3") == "L1"
    assert "elevation" not in preview(plan, "P3")
    found = clocks(plan, [Event("opened", OPENED, priority="P3")], OPENED + hours(500))
    assert not [c for c in found if c.metric == "elevation"]


# ---------------------------------------------------------------- 24x7 wall clock


@pytest.mark.rule("R66")
@pytest.mark.parametrize("plan", PLANS)
def test_every_plan_counts_on_the_24x7_wall_clock(plan: str) -> None:
    assert LIVEOPS.plans[plan].calendar == "wall"
    assert LIVEOPS.calendars["wall"].always
    for priority in ("P1", "P2", "P3"):
        assert {t.calendar for t in preview(plan, priority).values()} == {"wall"}


@pytest.mark.rule("R66")
@pytest.mark.rule("G20")
def test_a_case_opened_on_saturday_night_is_due_on_sunday_night() -> None:
    saturday = datetime(2026, 6, 13, 23, 0, tzinfo=PACIFIC)
    p3 = preview("standard", "P3", saturday)
    assert p3["first_response"].due_at == datetime(2026, 6, 14, 23, 0, tzinfo=PACIFIC)
    assert p3["periodic_update"].due_at == datetime(2026, 6, 18, 23, 0, tzinfo=PACIFIC)
    sunday_night = datetime(2026, 6, 14, 3, 0, tzinfo=PACIFIC)
    p1 = preview("support-plus", "P1", sunday_night)
    assert p1["first_response"].due_at == datetime(2026, 6, 14, 4, 0, tzinfo=PACIFIC)


@pytest.mark.rule("R66")
def test_wall_clock_hours_are_elapsed_hours_across_the_spring_dst_change() -> None:
    # 2026-03-08 02:00 PST → 03:00 PDT: 24 elapsed hours end at midnight local time.
    saturday = datetime(2026, 3, 7, 23, 0, tzinfo=PACIFIC)
    p3 = preview("standard", "P3", saturday)
    assert p3["first_response"].due_at == datetime(2026, 3, 9, 0, 0, tzinfo=PACIFIC)
    assert p3["first_response"].due_at - saturday == hours(24)


@pytest.mark.rule("R69")
@pytest.mark.rule("G20")
def test_the_help_desk_calendar_is_sunday_13_to_friday_17_pacific_and_off_by_default() -> None:
    desk = LIVEOPS.calendars["help-desk"]
    assert desk.timezone == "America/Los_Angeles"
    assert desk.hours == {
        "sun": [(13 * 60, 24 * 60)],
        "mon": [(0, 24 * 60)],
        "tue": [(0, 24 * 60)],
        "wed": [(0, 24 * 60)],
        "thu": [(0, 24 * 60)],
        "fri": [(0, 17 * 60)],
    }
    assert all(plan.calendar != "help-desk" for plan in LIVEOPS.plans.values())


# ---------------------------------------------------------------- channels per plan


@pytest.mark.rule("R46")
@pytest.mark.rule("R45")
def test_standard_customers_may_phone_only_for_p1() -> None:
    phone = LIVEOPS.plans["standard"].channels["phone"]
    assert phone.priorities == ["P1"]


@pytest.mark.rule("R47")
@pytest.mark.rule("G16")
def test_a_standard_customer_calling_for_anything_else_is_flagged_billable() -> None:
    assert LIVEOPS.plans["standard"].channels["phone"].other_calls == "billable"


@pytest.mark.rule("R45")
@pytest.mark.rule("G17")
def test_standard_has_no_on_demand_case_reviews_and_the_other_plans_do() -> None:
    assert not LIVEOPS.plans["standard"].case_reviews.on_demand
    assert LIVEOPS.plans["support-plus"].case_reviews.on_demand
    assert LIVEOPS.plans["white-glove"].case_reviews.on_demand


@pytest.mark.rule("G18")
def test_support_plus_may_phone_for_every_priority() -> None:
    assert LIVEOPS.plans["support-plus"].channels["phone"].priorities is None


@pytest.mark.rule("R65")
@pytest.mark.parametrize("plan", PLANS)
def test_every_plan_offers_email_and_case_notes(plan: str) -> None:
    channels = LIVEOPS.plans[plan].channels
    assert "portal" in channels
    assert "email" in channels
    assert channels["email"].priorities is None


@pytest.mark.rule("R48")
def test_chat_and_screen_share_are_support_initiated_only() -> None:
    assert not LIVEOPS.channels["chat"].customer_initiated
    assert all("chat" not in plan.channels for plan in LIVEOPS.plans.values())


# ---------------------------------------------------------------- White Glove


@pytest.mark.rule("R32")
def test_white_glove_has_a_dedicated_phone_number() -> None:
    assert "dedicated-phone" in LIVEOPS.plans["white-glove"].channels
    assert "dedicated-phone" not in LIVEOPS.plans["support-plus"].channels
    assert "dedicated-phone" not in LIVEOPS.plans["standard"].channels


@pytest.mark.rule("R34")
@pytest.mark.rule("R35")
@pytest.mark.rule("R32")
def test_white_glove_requires_a_tam_a_sponsor_an_escalation_plan_and_its_phone_line() -> None:
    requires = LIVEOPS.plans["white-glove"].requires
    assert requires.tam
    assert requires.executive_sponsor
    assert requires.escalation_plan
    assert requires.dedicated_phone
    for plan in ("standard", "support-plus"):
        assert not any(LIVEOPS.plans[plan].requires.model_dump().values())


@pytest.mark.rule("R33")
@pytest.mark.rule("G19")
def test_white_glove_has_its_own_matrix_marked_unverified() -> None:
    assert LIVEOPS.plans["white-glove"].unverified
    assert not LIVEOPS.plans["support-plus"].unverified
    assert not LIVEOPS.plans["standard"].unverified
    for priority in ("P1", "P2", "P3"):
        ours = preview("white-glove", priority)["first_response"].due_at
        theirs = preview("support-plus", priority)["first_response"].due_at
        assert ours < theirs


@pytest.mark.rule("R37")
@pytest.mark.rule("G17")
def test_a_case_review_session_is_capped_at_60_minutes() -> None:
    assert LIVEOPS.rules.case_review.max_minutes == 60


# ---------------------------------------------------------------- priorities


@pytest.mark.rule("R56")
@pytest.mark.parametrize("plan", PLANS)
def test_a_case_opened_without_a_priority_is_p3(plan: str) -> None:
    assert LIVEOPS.rules.default_priority == "P3"
    found = clocks(plan, [Event("opened", OPENED)], OPENED)
    assert {c.priority for c in found} == {"P3"}
    expected = preview(plan, "P3")["first_response"].due_at
    assert clock(found, "first_response").due_at == expected


@pytest.mark.rule("R50")
@pytest.mark.parametrize("priority", ["P1", "P2"])
def test_p1_and_p2_are_for_production_only(priority: str) -> None:
    assert LIVEOPS.priority(priority).environments == ["production"]


@pytest.mark.rule("R51")
def test_p3_accepts_every_environment() -> None:
    assert LIVEOPS.priority("P3").environments == ["production", "staging", "development"]
    assert "feature requests" in LIVEOPS.priority("P3").definition
    assert "development issues" in LIVEOPS.priority("P3").definition


@pytest.mark.rule("R67")
@pytest.mark.rule("G24")
def test_p4_is_disabled_by_default() -> None:
    assert LIVEOPS.enabled_priorities() == ["P1", "P2", "P3"]
    assert not LIVEOPS.priorities["P4"].enabled
    with pytest.raises(UnknownIdError, match="unknown priority 'P4'; expected one of: P1, P2, P3"):
        LIVEOPS.priority("P4")
    with pytest.raises(UnknownIdError):
        opening_targets(LIVEOPS, "standard", "P4", OPENED)


@pytest.mark.rule("R68")
@pytest.mark.parametrize(
    ("priority", "case_type"),
    [
        ("P1", "Outage/Service Unavailable"),
        ("P2", "Incident/Service Interruption"),
        ("P3", "Service Request/Problem"),
    ],
)
def test_case_types_map_to_priorities(priority: str, case_type: str) -> None:
    assert LIVEOPS.priority(priority).case_types == [case_type]


@pytest.mark.rule("R52")
@pytest.mark.rule("R53")
def test_customers_set_the_priority_and_staff_reclassify_with_a_reason() -> None:
    assert "contact" in LIVEOPS.rules.set_priority
    reclassification = LIVEOPS.rules.reclassification
    assert "contact" not in reclassification.by
    assert "engineer" in reclassification.by
    assert reclassification.reason_required


@pytest.mark.rule("R55")
@pytest.mark.rule("G13")
def test_raising_a_p3_to_p1_recomputes_the_acknowledgement_from_opening() -> None:
    events = [
        Event("opened", OPENED, priority="P3"),
        Event("priority", OPENED + hours(1), priority="P1"),
    ]
    ack = clock(clocks("standard", events, OPENED + hours(1.5)), "first_response")
    assert (ack.priority, ack.due_at) == ("P1", OPENED + hours(2))


@pytest.mark.rule("R65")
@pytest.mark.rule("G4")
@pytest.mark.parametrize(
    ("kind", "counts"),
    [("reply", True), ("phone_call", True), ("chat", True), ("acknowledgement", False)],
)
def test_a_human_reply_or_call_acknowledges_and_an_auto_acknowledgement_does_not(
    kind: str, counts: bool
) -> None:
    answered = OPENED + hours(0.1)
    events = [Event("opened", OPENED, priority="P2"), Event("response", answered, response=kind)]
    ack = clock(clocks("standard", events, OPENED + hours(1)), "first_response")
    assert (ack.state, ack.met_at) == (("met", answered) if counts else ("running", None))


@pytest.mark.rule("G14")
def test_waiting_on_the_customer_pauses_the_acknowledgement_clock() -> None:
    events = [
        Event("opened", OPENED, priority="P2"),
        Event("status", OPENED + hours(1), status="pending_customer"),
    ]
    paused = clock(clocks("standard", events, OPENED + hours(12)), "first_response")
    assert (paused.state, paused.due_at) == ("paused", None)
    events.append(Event("status", OPENED + hours(3), status="open"))
    resumed = clock(clocks("standard", events, OPENED + hours(4)), "first_response")
    assert (resumed.state, resumed.due_at, resumed.paused_seconds) == (
        "running",
        OPENED + hours(10),
        2 * 3600,
    )


@pytest.mark.rule("R58")
def test_the_tam_hears_of_every_p1_at_risk() -> None:
    assert any(
        "tam" in action.notify and action.priorities == ["P1"]
        for action in LIVEOPS.rules.on_warning
    )
