"""Clocks replayed from case events (SPEC §3 "Clock semantics") on the real policy packs.

Expected instants are worked out by hand in the comments. The last test is a Hypothesis
property: a clock's due time with random pauses equals the oracle's "N business minutes not
counting the pauses" (``tests/policy/oracle.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from casework.policy import ClockState, Event, Policy, compute_clocks, initial_tier, load_policy
from casework.policy.durations import Span
from casework.policy.schema import ACCOUNT_TIMEZONE
from tests.policy.oracle import Oracle, Pause

PACKS = Path(__file__).resolve().parents[2] / "policy-packs"
LIVEOPS = load_policy(PACKS / "liveops.yaml")
LIVEPERSON = load_policy(PACKS / "liveperson.yaml")
NEW_YORK = ZoneInfo("America/New_York")
T = datetime(2025, 6, 2, 10, tzinfo=UTC)  # a Monday


def h(hours: float) -> timedelta:
    """A number of hours."""
    return timedelta(hours=hours)


def clocks(
    policy: Policy,
    plan: str,
    events: list[Event],
    at: datetime,
    *,
    account_timezone: str | None = None,
) -> dict[str, ClockState]:
    """The case's clocks at ``at``, by key (``metric`` or ``periodic_update#N``)."""
    found = compute_clocks(policy, plan, events, at, account_timezone=account_timezone)
    return {clock.key: clock for clock in found}


def opened(priority: str, at: datetime = T) -> Event:
    """The case opens with ``priority``."""
    return Event("opened", at, priority=priority)


def status(at: datetime, name: str) -> Event:
    """The case moves to status ``name``."""
    return Event("status", at, status=name)


def reply(at: datetime, kind: str = "reply") -> Event:
    """A public response of ``kind``."""
    return Event("response", at, response=kind)


# -- pauses (G14, R17) -------------------------------------------------------------------------


@pytest.mark.rule("G14")
def test_pending_customer_pauses_first_response_and_moves_its_due_time() -> None:
    # P2 acknowledgement: 8h of wall time; 2h waiting on the customer do not count.
    events = [opened("P2"), status(T + h(1), "pending_customer"), status(T + h(3), "open")]
    clock = clocks(LIVEOPS, "standard", events, T + h(4))["first_response"]
    assert clock.state == "running"
    assert clock.due_at == T + h(10)
    assert clock.paused_seconds == 2 * 3600


@pytest.mark.rule("R17")
def test_waiting_on_requested_information_pauses_liveperson_response_and_updates() -> None:
    events = [opened("sev2"), status(T + h(1), "pending_customer"), status(T + h(2), "open")]
    found = clocks(LIVEPERSON, "standard", events, T + h(2))
    assert found["first_response"].due_at == T + h(4)  # 3h + 1h paused
    assert found["periodic_update#1"].paused_seconds == 3600


@pytest.mark.rule("G14")
def test_paused_clock_has_no_due_time_and_state_paused() -> None:
    events = [opened("P2"), status(T + h(1), "pending_customer")]
    found = clocks(LIVEOPS, "standard", events, T + h(30))
    for key in ("first_response", "periodic_update#1", "elevation"):
        assert found[key].state == "paused"
        assert found[key].due_at is None
        assert found[key].warn_at is None
    # A paused clock is never breached, however long the customer takes.
    assert found["first_response"].paused_seconds == 29 * 3600


@pytest.mark.rule("G14")
def test_a_status_that_does_not_wait_on_the_customer_does_not_pause() -> None:
    events = [opened("P2"), status(T + h(1), "pending_engineering")]
    clock = clocks(LIVEOPS, "standard", events, T + h(2))["first_response"]
    assert clock.state == "running"
    assert clock.due_at == T + h(8)


# -- periodic updates (R64, G7, G8) ------------------------------------------------------------


@pytest.mark.rule("R64", "G7")
def test_eta_makes_the_next_update_due_at_the_eta_when_sooner() -> None:
    events = [opened("P2"), Event("eta", T + h(1), eta=T + h(5))]
    clock = clocks(LIVEOPS, "standard", events, T + h(2))["periodic_update#1"]
    assert clock.due_at == T + h(5)  # not T + 48h
    assert clock.eta_bound


@pytest.mark.rule("R64", "G7")
def test_an_eta_later_than_the_cadence_does_not_delay_the_update() -> None:
    events = [opened("P1"), Event("eta", T + h(1), eta=T + h(6))]
    clock = clocks(LIVEOPS, "standard", events, T + h(2))["periodic_update#1"]
    assert clock.due_at == T + h(4)
    assert not clock.eta_bound


@pytest.mark.rule("R64", "G7")
def test_each_public_update_starts_the_next_update_cycle() -> None:
    events = [opened("P1"), reply(T + h(3))]
    found = clocks(LIVEOPS, "standard", events, T + h(5))
    assert found["periodic_update#1"].state == "met"
    assert found["periodic_update#1"].met_at == T + h(3)
    assert found["periodic_update#2"].started_at == T + h(3)
    assert found["periodic_update#2"].due_at == T + h(7)


@pytest.mark.rule("R64", "G8")
def test_service_restored_stops_periodic_updates() -> None:
    events = [opened("P1"), Event("service_restored", T + h(1)), reply(T + h(2))]
    found = clocks(LIVEOPS, "standard", events, T + h(10))
    updates = [clock for key, clock in found.items() if key.startswith("periodic_update")]
    assert [(c.state, c.met_at) for c in updates] == [("met", T + h(1))]
    # The case stays open: the reply after restoration answers the first response.
    assert found["first_response"].met_at == T + h(2)


# -- elevation (R61-R63, G9) -------------------------------------------------------------------


@pytest.mark.rule("R62", "G9")
def test_elevation_met_by_workaround_within_eight_hours() -> None:
    events = [opened("P2"), Event("workaround", T + h(7))]
    clock = clocks(LIVEOPS, "standard", events, T + h(9))["elevation"]
    assert clock.state == "met"
    assert clock.met_at == T + h(7)


@pytest.mark.rule("R62", "G9")
def test_elevation_met_by_an_eta() -> None:
    events = [opened("P2"), Event("eta", T + h(2), eta=T + h(30))]
    clock = clocks(LIVEOPS, "support-plus", events, T + h(9))["elevation"]
    assert (clock.state, clock.met_at) == ("met", T + h(2))


@pytest.mark.rule("R62")
def test_elevation_breaches_without_eta_or_workaround() -> None:
    clock = clocks(LIVEOPS, "standard", [opened("P2")], T + h(9))["elevation"]
    assert clock.state == "breached"
    assert clock.breached_at == T + h(8)
    assert clock.elevate_to == "L2"


@pytest.mark.rule("R62", "G14")
def test_waiting_on_the_customer_pauses_elevation() -> None:
    events = [opened("P2"), status(T + h(2), "pending_customer"), status(T + h(5), "open")]
    clock = clocks(LIVEOPS, "standard", events, T + h(9))["elevation"]
    assert clock.state == "running"
    assert clock.due_at == T + h(11)


@pytest.mark.rule("R61")
@pytest.mark.parametrize("plan", ["standard", "support-plus", "white-glove"])
def test_p1_starts_at_level_2(plan: str) -> None:
    assert initial_tier(LIVEOPS, plan, "P1") == "L2"
    assert initial_tier(LIVEOPS, plan, "P2") == "L1"
    assert initial_tier(LIVEOPS, plan, "P3") == "L1"
    # Immediate elevation is no clock.
    assert "elevation" not in clocks(LIVEOPS, plan, [opened("P1")], T + h(1))


@pytest.mark.rule("R63")
def test_p3_has_no_elevation_clock() -> None:
    assert "elevation" not in clocks(LIVEOPS, "standard", [opened("P3")], T + h(100))


# -- reclassification (G13, R53-R55) -----------------------------------------------------------


@pytest.mark.rule("G13", "R55")
def test_upgrade_recomputes_running_clocks_from_original_start() -> None:
    events = [opened("P3"), Event("priority", T + h(2), priority="P2")]
    found = clocks(LIVEOPS, "standard", events, T + h(3))
    assert found["first_response"].priority == "P2"
    assert found["first_response"].due_at == T + h(8)  # from the opening, not T + 2h + 8h
    assert found["elevation"].due_at == T + h(8)  # P2 has an elevation clock, P3 had none


@pytest.mark.rule("G13")
def test_upgrade_with_due_already_past_gets_grace() -> None:
    # P3 -> P2 ten hours in: the P2 acknowledgement (8h) is already past, so it is due
    # 15 minutes after the change.
    events = [opened("P3"), Event("priority", T + h(10), priority="P2")]
    assert clocks(LIVEOPS, "standard", events, T + h(10.1))["first_response"].state == "running"
    clock = clocks(LIVEOPS, "standard", events, T + h(10.5))["first_response"]
    assert clock.due_at == T + h(10.25)
    assert (clock.state, clock.breached_at) == ("breached", T + h(10.25))


@pytest.mark.rule("G13")
def test_downgrade_cancels_pending_breach() -> None:
    events = [opened("P2"), Event("priority", T + h(6), priority="P3")]
    found = clocks(LIVEOPS, "standard", events, T + h(9))
    assert found["first_response"].state == "running"  # not breached at T + 8h
    assert found["first_response"].due_at == T + h(24)
    assert (found["elevation"].state, found["elevation"].cancelled_at) == ("cancelled", T + h(6))


@pytest.mark.rule("G13")
def test_breached_clock_keeps_outcome_after_downgrade() -> None:
    events = [opened("P2"), Event("priority", T + h(9), priority="P3")]
    clock = clocks(LIVEOPS, "standard", events, T + h(10))["first_response"]
    assert (clock.state, clock.breached_at, clock.priority) == ("breached", T + h(8), "P2")


@pytest.mark.rule("G13")
def test_met_clock_keeps_outcome_after_reclassification() -> None:
    # The workaround met the P2 elevation clock; the later downgrade (P3 has no elevation
    # clock) must not turn that into "cancelled".
    events = [
        opened("P2"),
        Event("workaround", T + h(1)),
        Event("priority", T + h(2), priority="P3"),
    ]
    found = clocks(LIVEOPS, "standard", events, T + h(3))
    assert (found["elevation"].state, found["elevation"].met_at) == ("met", T + h(1))
    # Time to open was met at opening under P2, and stays measured against P2.
    assert (found["time_to_open"].priority, found["time_to_open"].due_at) == ("P2", T + h(8))

    # Answered within the P3 target, then upgraded to P1: still met, against P3's 24h.
    events = [opened("P3"), reply(T + h(5)), Event("priority", T + h(6), priority="P1")]
    clock = clocks(LIVEOPS, "standard", events, T + h(7))["first_response"]
    assert (clock.state, clock.met_at) == ("met", T + h(5))
    assert (clock.priority, clock.due_at) == ("P3", T + h(24))


# -- RCA (R21, R22, G10) -----------------------------------------------------------------------


@pytest.mark.rule("R21", "G10")
def test_rca_preliminary_due_three_business_days_after_restoration() -> None:
    restored = datetime(2025, 11, 7, 15, tzinfo=NEW_YORK)  # a Friday
    events = [opened("sev1", restored - h(5)), Event("service_restored", restored)]
    clock = clocks(LIVEPERSON, "standard", events, restored + h(1))["rca_preliminary"]
    assert clock.started_at == restored
    assert clock.calendar == "business-days"
    assert clock.due_at == datetime(2025, 11, 12, 15, tzinfo=NEW_YORK)  # Wednesday 15:00
    published = [*events, Event("rca_published", restored + h(30), rca="preliminary")]
    later = clocks(LIVEPERSON, "standard", published, restored + h(40))["rca_preliminary"]
    assert (later.state, later.met_at) == ("met", restored + h(30))


@pytest.mark.rule("R21", "G2", "G3")
def test_rca_business_days_follow_the_account_time_zone() -> None:
    # Friday 20:00 UTC is already Saturday 05:00 in Tokyo: counting starts Monday 00:00 JST,
    # and three business days later is Thursday 00:00 JST (Wednesday 15:00 UTC).
    restored = datetime(2025, 11, 7, 20, tzinfo=UTC)
    events = [opened("sev1", restored - h(5)), Event("service_restored", restored)]
    clock = clocks(LIVEPERSON, "standard", events, restored + h(1), account_timezone="Asia/Tokyo")[
        "rca_preliminary"
    ]
    assert clock.due_at == datetime(2025, 11, 13, tzinfo=ZoneInfo("Asia/Tokyo"))


@pytest.mark.rule("R22")
def test_final_rca_outstanding_until_published() -> None:
    restored = T + h(3)
    events = [opened("sev1"), Event("service_restored", restored)]
    clock = clocks(LIVEPERSON, "standard", events, T + h(24 * 60))["rca_final"]
    assert (clock.state, clock.due_at, clock.started_at) == ("running", None, restored)
    events.append(Event("rca_published", T + h(24 * 40), rca="final"))
    clock = clocks(LIVEPERSON, "standard", events, T + h(24 * 60))["rca_final"]
    assert (clock.state, clock.met_at) == ("met", T + h(24 * 40))


# -- what counts as a response (G4, R23, R24) --------------------------------------------------


@pytest.mark.rule("G4", "R60")
def test_auto_acknowledgement_does_not_count_as_response() -> None:
    events = [opened("P2"), reply(T + h(0.01), "acknowledgement")]
    clock = clocks(LIVEOPS, "standard", events, T + h(9))["first_response"]
    assert (clock.state, clock.met_at, clock.breached_at) == ("breached", None, T + h(8))


@pytest.mark.rule("R23", "G4")
def test_status_post_counts_as_response_for_liveperson() -> None:
    events = [opened("sev2"), reply(T + h(1), "status_post")]
    found = clocks(LIVEPERSON, "standard", events, T + h(2))
    assert (found["first_response"].state, found["first_response"].met_at) == ("met", T + h(1))
    assert found["periodic_update#1"].met_at == T + h(1)  # and as a periodic update
    # LiveOps has no status page: a status post answers nothing there.
    events = [opened("P2"), reply(T + h(1), "status_post")]
    assert clocks(LIVEOPS, "standard", events, T + h(2))["first_response"].state == "running"


@pytest.mark.rule("R24")
def test_phone_call_counts_as_response_for_liveperson() -> None:
    events = [opened("sev1"), reply(T + h(0.5), "phone_call")]
    clock = clocks(LIVEPERSON, "standard", events, T + h(2))["first_response"]
    assert (clock.state, clock.met_at) == ("met", T + h(0.5))


# -- time to open (R59, G6) --------------------------------------------------------------------


@pytest.mark.rule("R59", "G6")
def test_time_to_open_runs_from_the_notification() -> None:
    events = [Event("notified", T - h(0.5)), opened("P1")]
    clock = clocks(LIVEOPS, "standard", events, T + h(1))["time_to_open"]
    assert (clock.started_at, clock.due_at) == (T - h(0.5), T + h(1.5))
    assert (clock.state, clock.met_at) == ("met", T)


@pytest.mark.rule("R59", "G6")
def test_time_to_open_breaches_when_the_case_opens_late() -> None:
    # Support Plus P1: within 60 minutes of the notification.
    events = [Event("notified", T - h(3)), opened("P1")]
    clock = clocks(LIVEOPS, "support-plus", events, T + h(1))["time_to_open"]
    assert (clock.state, clock.breached_at, clock.met_at) == ("breached", T - h(2), T)


@pytest.mark.rule("R59", "G6")
def test_a_case_opened_in_the_portal_meets_time_to_open_at_once() -> None:
    clock = clocks(LIVEOPS, "standard", [opened("P3")], T + h(1))["time_to_open"]
    assert (clock.started_at, clock.state, clock.met_at) == (T, "met", T)


# -- warnings, stopping, replay ----------------------------------------------------------------


def test_warning_at_75_percent_of_the_target() -> None:
    found = clocks(LIVEOPS, "standard", [opened("P2")], T + h(1))
    assert found["first_response"].warn_at == T + h(6)  # 75 % of 8h
    assert found["periodic_update#1"].warn_at == T + h(36)  # 75 % of 48h
    plus = clocks(LIVEOPS, "support-plus", [opened("P1")], T + h(0.1))
    assert plus["first_response"].warn_at == T + timedelta(minutes=45)  # 75 % of 1h


def test_warning_on_business_days_is_75_percent_of_the_business_time() -> None:
    # Sev3 response: 3 business days from Friday 10:00 is Wednesday 10:00, 72 business hours
    # (Mon-Fri, 24h a day); 75 % is 54h: Friday 14h, Monday 24h, Tuesday 16h.
    friday = datetime(2025, 11, 7, 10, tzinfo=NEW_YORK)
    clock = clocks(LIVEPERSON, "standard", [opened("sev3", friday)], friday + h(1))[
        "first_response"
    ]
    assert clock.due_at == datetime(2025, 11, 12, 10, tzinfo=NEW_YORK)
    assert clock.warn_at == datetime(2025, 11, 11, 16, tzinfo=NEW_YORK)


@pytest.mark.rule("R2", "R49")
def test_sla_stopped_cancels_every_running_clock() -> None:
    # Out of scope (R2) or converted to a feature request (R49): no SLA timers run on.
    events = [opened("P2"), Event("sla_stopped", T + h(1))]
    found = clocks(LIVEOPS, "standard", events, T + h(100))
    for key in ("first_response", "periodic_update#1", "elevation"):
        assert (found[key].state, found[key].cancelled_at) == ("cancelled", T + h(1)), key
    assert found["time_to_open"].state == "met"  # it was met when the case opened


@pytest.mark.rule("R6")
def test_a_history_without_an_opening_has_no_clocks() -> None:
    assert compute_clocks(LIVEOPS, "standard", [Event("notified", T)], T + h(5)) == []


def test_events_after_at_are_ignored() -> None:
    past = [opened("P2"), status(T + h(1), "pending_customer"), status(T + h(2), "open")]
    future = [reply(T + h(5)), Event("workaround", T + h(6)), Event("sla_stopped", T + h(7))]
    at = T + h(3)
    assert clocks(LIVEOPS, "standard", past + future, at) == clocks(LIVEOPS, "standard", past, at)
    assert clocks(LIVEOPS, "standard", past + future, at)["first_response"].state == "running"


def test_clock_replay_is_deterministic() -> None:
    events = [
        Event("notified", T - h(1)),
        opened("P2"),
        reply(T + h(1)),
        Event("eta", T + h(2), eta=T + h(20)),
        status(T + h(3), "pending_customer"),
        status(T + h(4), "open"),
        Event("priority", T + h(5), priority="P1"),
        reply(T + h(6)),
        Event("service_restored", T + h(8)),
    ]
    at = T + h(12)
    first = compute_clocks(LIVEOPS, "white-glove", events, at)
    assert compute_clocks(LIVEOPS, "white-glove", list(events), at) == first
    # The history is replayed in time order, whatever order the events come in.
    assert compute_clocks(LIVEOPS, "white-glove", events[::-1], at) == first
    assert compute_clocks(LIVEOPS, "white-glove", events[4:] + events[:4], at) == first


# -- property: pauses against the oracle -------------------------------------------------------


def _liveops_on_help_desk_hours() -> Policy:
    """LiveOps with the G20 switch thrown: Standard counts only help-desk hours (Sunday 13:00 to
    Friday 17:00 Pacific, minus US federal holidays)."""
    plan = LIVEOPS.plans["standard"].model_copy(update={"calendar": "help-desk"})
    return LIVEOPS.model_copy(update={"plans": {**LIVEOPS.plans, "standard": plan}})


HELP_DESK_LIVEOPS = _liveops_on_help_desk_hours()
CASES = [
    (HELP_DESK_LIVEOPS, "P1"),
    (HELP_DESK_LIVEOPS, "P2"),
    (HELP_DESK_LIVEOPS, "P3"),
    (LIVEPERSON, "sev2"),
    (LIVEPERSON, "sev3"),
]
ACCOUNT_ZONES = ("America/New_York", "Europe/London", "Australia/Sydney", "Asia/Tokyo")
FIRST_MINUTE = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp()) // 60
LAST_MINUTE = int(datetime(2027, 12, 1, tzinfo=UTC).timestamp()) // 60
STATUSES = ("pending_customer", "open", "pending_engineering")


@dataclass(frozen=True)
class History:
    """An opened case whose status changes at whole minutes."""

    policy: Policy = field(repr=False)
    priority: str
    opened_at: datetime
    statuses: tuple[tuple[datetime, str], ...]
    account_timezone: str

    def events(self) -> list[Event]:
        """The case's events."""
        return [opened(self.priority, self.opened_at)] + [status(t, s) for t, s in self.statuses]

    def pauses(self) -> list[Pause]:
        """Waiting on the customer: from each pending_customer status to the next status."""
        found = []
        for index, (start, name) in enumerate(self.statuses):
            if name == "pending_customer":
                following = self.statuses[index + 1 : index + 2]
                found.append(Pause(start, following[0][0] if following else None))
        return found


@st.composite
def histories(draw: st.DrawFn) -> History:
    """A case opened at a random minute (or hour) of 2024-2027 with 0-6 status changes in the
    following 3 weeks."""
    policy, priority = draw(st.sampled_from(CASES))
    opened_at = datetime.fromtimestamp(draw(st.integers(FIRST_MINUTE, LAST_MINUTE)) * 60, UTC)
    if draw(st.booleans()):  # on the hour: local midnights, where business days end and begin
        opened_at = opened_at.replace(minute=0)
    offsets = sorted(draw(st.lists(st.integers(1, 21 * 24 * 60), max_size=6, unique=True)))
    names = [draw(st.sampled_from(STATUSES)) for _ in offsets]
    statuses = tuple(
        (opened_at + timedelta(minutes=m), n) for m, n in zip(offsets, names, strict=True)
    )
    return History(policy, priority, opened_at, statuses, draw(st.sampled_from(ACCOUNT_ZONES)))


def _oracle_for(history: History, calendar_id: str) -> Oracle:
    spec = history.policy.calendars[calendar_id]
    zone = spec.timezone or history.policy.timezone
    if zone == ACCOUNT_TIMEZONE:
        zone = history.account_timezone
    return Oracle.from_spec(spec, zone)


def _budget(oracle: Oracle, start: datetime, span: Span) -> int:
    """Seconds of business time in ``span`` from ``start`` (business days per G3)."""
    if span.business_days:
        due = oracle.add_business_days(start, span.business_days)
        return int(oracle.elapsed(start, due).total_seconds())
    return span.seconds


def _expected_due(
    oracle: Oracle, start: datetime, span: Span, pauses: list[Pause]
) -> datetime | None:
    """The oracle's due time: ``span`` of business time not counting ``pauses``. A business-day
    span is the G3 due time itself unless a pause takes business time before it (or an open
    pause begins before it): Monday 00:00 stays Monday 00:00, not the equal Friday 24:00."""
    if span.business_days:
        due = oracle.add_business_days(start, span.business_days)
        untouched = all(
            pause.start >= due
            if pause.end is None
            else oracle.elapsed(max(pause.start, start), min(pause.end, due)) == timedelta()
            for pause in pauses
        )
        if untouched:
            return due
    return oracle.add_excluding(start, _budget(oracle, start, span), pauses)


# Wednesday 00:00 in London + 3 business days (24h each) ends where Friday's hours end,
# which is also Monday 00:00; a weekend-only pause must not move it, a weekday one must.
WEDNESDAY = datetime(2027, 12, 1, tzinfo=UTC)
BOUNDARY = [
    History(LIVEPERSON, "sev3", WEDNESDAY, (), "Europe/London"),
    History(LIVEPERSON, "sev3", WEDNESDAY,
            ((WEDNESDAY + h(82), "pending_customer"), (WEDNESDAY + h(100), "open")),
            "Europe/London"),
    History(LIVEPERSON, "sev3", WEDNESDAY,
            ((WEDNESDAY + h(20), "pending_customer"), (WEDNESDAY + h(22), "open")),
            "Europe/London"),
    History(LIVEPERSON, "sev3", WEDNESDAY, ((WEDNESDAY + h(73), "pending_customer"),),
            "Europe/London"),
]  # fmt: skip


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(history=BOUNDARY[0])
@example(history=BOUNDARY[1])
@example(history=BOUNDARY[2])
@example(history=BOUNDARY[3])
@given(history=histories())
def test_clocks_with_random_pauses_match_the_oracle(history: History) -> None:
    at = history.opened_at + timedelta(days=60)
    found = clocks(
        history.policy,
        "standard",
        history.events(),
        at,
        account_timezone=history.account_timezone,
    )
    row = history.policy.plan("standard").targets[history.priority]
    assert row.first_response is not None
    assert row.first_response.within is not None
    assert row.periodic_update is not None
    targets = {
        "first_response": (row.first_response.within, row.first_response.calendar),
        "periodic_update#1": (row.periodic_update.every, row.periodic_update.calendar),
    }
    if row.elevation is not None and row.elevation.within is not None:
        targets["elevation"] = (row.elevation.within, row.elevation.calendar)
    pauses = history.pauses()
    for key, (span, calendar_id) in targets.items():
        oracle = _oracle_for(history, calendar_id or history.policy.plan("standard").calendar)
        budget = _budget(oracle, history.opened_at, span)
        due = _expected_due(oracle, history.opened_at, span, pauses)
        clock = found[key]
        assert clock.due_at == due, key
        if due is None:
            assert clock.state == "paused", key
        else:
            assert clock.state == ("breached" if due <= at else "running"), key
            assert history.policy.rules.warning_threshold == 0.75
            warn = oracle.add_excluding(history.opened_at, budget * 3 // 4, pauses)
            assert clock.warn_at == warn, key


def test_every_clock_time_is_reported_in_utc() -> None:
    policy = load_policy(PACKS / "liveops.yaml")
    pacific = ZoneInfo("America/Los_Angeles")
    opened = datetime(2026, 11, 20, 9, 0, tzinfo=pacific)
    events = [
        Event("opened", opened, priority="P2"),
        Event("response", opened + timedelta(hours=1), response="reply"),
        Event("eta", opened + timedelta(hours=1), eta=opened + timedelta(hours=5)),
    ]
    clocks = compute_clocks(policy, "standard", events, opened + timedelta(hours=2))
    for clock in clocks:
        for instant in (clock.started_at, clock.due_at, clock.warn_at, clock.met_at):
            assert instant is None or instant.utcoffset() == timedelta(0), clock
    first = next(c for c in clocks if c.metric == "first_response")
    assert first.met_at == datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


@pytest.mark.rule("G7")
def test_an_eta_given_at_the_very_instant_of_evaluation_counts() -> None:
    policy = load_policy(PACKS / "liveops.yaml")
    opened = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
    reply_at = opened + timedelta(hours=1)
    events = [
        Event("opened", opened, priority="P2"),
        Event("response", reply_at, response="reply"),
        Event("eta", reply_at, eta=opened + timedelta(hours=3)),
    ]
    clocks = compute_clocks(policy, "standard", events, reply_at)
    cycle = next(c for c in clocks if c.key == "periodic_update#2")
    assert cycle.due_at == opened + timedelta(hours=3)
    assert cycle.eta_bound


@pytest.mark.rule("R17")
def test_a_clock_is_paused_at_the_instant_its_pause_begins() -> None:
    policy = load_policy(PACKS / "liveops.yaml")
    opened = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
    pause_at = opened + timedelta(hours=1)
    events = [
        Event("opened", opened, priority="P2"),
        Event("status", pause_at, status="pending_customer"),
    ]
    clocks = compute_clocks(policy, "standard", events, pause_at)
    first = next(c for c in clocks if c.metric == "first_response")
    assert first.state == "paused"
    assert first.due_at is None
