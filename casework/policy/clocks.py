"""Clocks derived from a case's event history (SPEC §3 "Clock semantics").

``compute_clocks(policy, plan, events, at)`` replays the append-only history up to ``at`` and
returns every clock's state: its start, paused time, due time, warning time, and whether it is
running, paused, met, breached or cancelled. It is a pure function: the same history and
instant always give the same clocks, so the database only caches its answers (for sorting and
sweeping) and can rebuild them, and a candidate policy can be replayed over past cases.

Semantics, with the rule or gap each follows:

- ``time_to_open`` runs from the problem notification (a ``notified`` event: call received,
  alert fired) to the case's opening; a case with no notification meets it at opening (G6).
- ``first_response`` runs from opening to the first public response of a kind the policy
  counts (G4: replies, phone calls, chat, status posts where listed; not auto-acks).
- ``periodic_update`` runs in cycles: from opening, then from every counting response; an
  ETA given by support makes the cycle due at the ETA when that comes first (G7). It stops
  at service restored, resolution or closure (G8).
- ``elevation`` runs from opening and is satisfied by an ETA or a workaround; when it is due
  the case is elevated (R62). An immediate elevation (R61) is no clock: the case opens at
  that tier (see :func:`initial_tier`).
- ``resolution`` runs from opening to resolution, where the policy sets one (G22).
- ``rca_preliminary`` and ``rca_final`` run from service restoration (or resolution when
  there was no restoration) to the document's publication (G10, R21, R22); a final RCA with
  no deadline is tracked as outstanding until published.
- Statuses named in ``rules.pauses`` pause the clocks they list (R17, G14).
- A priority change recomputes the running clocks from their original start under the new
  targets; clocks already met or breached keep their outcome (G13). A recomputed due time
  that is already past moves to the change plus ``reclassification.grace``.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Literal

from casework.policy.calendar import (
    BusinessCalendar,
    Interval,
    add_with_pauses,
    compile_calendar,
)
from casework.policy.durations import Span
from casework.policy.schema import ACCOUNT_TIMEZONE, Metric, Policy, PriorityTargets

ClockStateName = Literal["running", "paused", "met", "breached", "cancelled"]
EventKind = Literal[
    "notified",
    "opened",
    "response",
    "eta",
    "workaround",
    "status",
    "priority",
    "elevated",
    "service_restored",
    "resolved",
    "closed",
    "reopened",
    "rca_published",
    "sla_stopped",
]
_OPEN_CLOCK_METRICS: tuple[Metric, ...] = (
    "first_response",
    "periodic_update",
    "elevation",
    "resolution",
)


@dataclass(frozen=True, slots=True)
class Event:
    """One entry of a case's history, as the engine needs it.

    ``priority`` for ``opened``/``priority``; ``status`` for ``status``; ``response`` (the
    kind: reply, phone_call, chat, status_post, acknowledgement) for ``response``; ``eta``
    for ``eta``; ``tier`` for ``elevated``; ``rca`` (preliminary/final) for
    ``rca_published``.
    """

    kind: EventKind
    at: datetime
    priority: str | None = None
    status: str | None = None
    response: str | None = None
    eta: datetime | None = None
    tier: str | None = None
    rca: Literal["preliminary", "final"] | None = None


@dataclass(frozen=True, slots=True)
class ClockState:
    """A clock at the instant it was computed for. Times are UTC."""

    metric: Metric
    state: ClockStateName
    priority: str
    calendar: str
    target: Span | None
    started_at: datetime
    due_at: datetime | None
    warn_at: datetime | None = None
    met_at: datetime | None = None
    breached_at: datetime | None = None
    cancelled_at: datetime | None = None
    paused_seconds: int = 0
    cycle: int = 0
    eta_bound: bool = False
    elevate_to: str | None = None
    note: str | None = None

    @property
    def key(self) -> str:
        """Stable identity of this clock within its case: ``metric`` or ``metric#cycle``."""
        return f"{self.metric}#{self.cycle}" if self.cycle else self.metric


@dataclass(frozen=True, slots=True)
class TargetPreview:
    """A clock that starts when a case opens, as ``policy preview`` shows it."""

    metric: Metric
    calendar: str
    target: Span
    due_at: datetime


@dataclass(slots=True)
class _History:
    """The facts of a case's history that the clocks read, gathered in one pass."""

    opened_at: datetime
    notified_at: datetime | None = None
    priorities: list[tuple[datetime, str]] = field(default_factory=list)
    responses: list[datetime] = field(default_factory=list)
    etas: list[tuple[datetime, datetime]] = field(default_factory=list)
    workarounds: list[datetime] = field(default_factory=list)
    elevations: list[tuple[datetime, str]] = field(default_factory=list)
    pauses: dict[str, list[Interval]] = field(default_factory=dict)
    restored_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    stopped_at: datetime | None = None
    rca: dict[str, datetime] = field(default_factory=dict)

    def priority_at(self, instant: datetime) -> str:
        index = bisect_right([t for t, _ in self.priorities], instant) - 1
        return self.priorities[max(index, 0)][1]

    def changes_after(self, instant: datetime) -> list[tuple[datetime, str]]:
        return [(t, p) for t, p in self.priorities if t > instant]


class _Context:
    """Resolves calendars and targets for one policy, plan and account zone."""

    def __init__(self, policy: Policy, plan_id: str, account_timezone: str | None) -> None:
        self.policy = policy
        self.plan = policy.plan(plan_id)
        self.account_timezone = account_timezone or policy.timezone
        self.grace = policy.rules.reclassification.grace.seconds
        self.threshold = policy.rules.warning_threshold
        self._calendars: dict[str, BusinessCalendar] = {}

    def calendar(self, calendar_id: str | None) -> tuple[str, BusinessCalendar]:
        cal_id = calendar_id or self.plan.calendar
        compiled = self._calendars.get(cal_id)
        if compiled is None:
            spec = self.policy.calendars[cal_id]
            zone = spec.timezone or self.policy.timezone
            if zone == ACCOUNT_TIMEZONE:
                zone = self.account_timezone
            compiled = self._calendars[cal_id] = compile_calendar(spec, zone)
        return cal_id, compiled

    def targets(self, priority: str) -> PriorityTargets:
        return self.plan.targets.get(priority) or PriorityTargets()


# A target as the clocks need it: span (None: no deadline), calendar id, extra.
_Target = tuple[Span | None, str | None]


def _target_of(row: PriorityTargets, metric: Metric) -> _Target | None:
    match metric:
        case "periodic_update":
            return (
                (row.periodic_update.every, row.periodic_update.calendar)
                if row.periodic_update
                else None
            )
        case "elevation":
            elevation = row.elevation
            if elevation is None or elevation.within is None:
                return None
            return (elevation.within, elevation.calendar)
        case "rca_preliminary" | "rca_final":
            kind = "preliminary" if metric == "rca_preliminary" else "final"
            target = getattr(row.rca, kind) if row.rca else None
            return (target.within, target.calendar) if target else None
        case _:
            plain = getattr(row, metric)
            return (plain.within, plain.calendar) if plain else None


def compute_clocks(
    policy: Policy,
    plan_id: str,
    events: list[Event],
    at: datetime,
    *,
    account_timezone: str | None = None,
) -> list[ClockState]:
    """Every clock of a case at ``at``: replay ``events`` (those after ``at`` are ignored).

    Returns clocks ordered by metric, periodic-update cycles oldest first. A history without
    an ``opened`` event has no clocks (R6: nothing is tracked before a case exists).
    """
    at = at.astimezone(UTC)
    history = _gather(policy, sorted((_in_utc(e) for e in events if e.at <= at), key=_when))
    if history is None:
        return []
    ctx = _Context(policy, plan_id, account_timezone)
    clocks: list[ClockState] = []
    start_tto = history.notified_at or history.opened_at
    clocks += _track(ctx, history, "time_to_open", start_tto, history.opened_at, None, at)
    stop = _first(history.stopped_at, history.closed_at, history.resolved_at)
    first = next((t for t in history.responses if t >= history.opened_at), None)
    clocks += _track(ctx, history, "first_response", history.opened_at, first, stop, at)
    clocks += _periodic(ctx, history, at)
    clocks += _elevation(ctx, history, at)
    resolution_stop = _first(history.stopped_at, history.closed_at)
    clocks += _track(
        ctx, history, "resolution", history.opened_at, history.resolved_at, resolution_stop, at
    )
    rca_start = history.restored_at or history.resolved_at
    if rca_start is not None:
        for metric, kind in (("rca_preliminary", "preliminary"), ("rca_final", "final")):
            met = history.rca.get(kind)
            clocks += _track(ctx, history, metric, rca_start, met, history.stopped_at, at)  # type: ignore[arg-type]
    return clocks


def _in_utc(event: Event) -> Event:
    """The event with its instants in UTC, so every time a clock reports is UTC."""
    eta = event.eta.astimezone(UTC) if event.eta is not None else None
    return replace(event, at=event.at.astimezone(UTC), eta=eta)


def _when(event: Event) -> datetime:
    return event.at


def _first(*instants: datetime | None) -> datetime | None:
    present = [t for t in instants if t is not None]
    return min(present) if present else None


# Events whose first occurrence is all the clocks need.
_FIRST_INSTANT = {
    "notified": "notified_at",
    "service_restored": "restored_at",
    "resolved": "resolved_at",
    "closed": "closed_at",
    "sla_stopped": "stopped_at",
}


def _gather(policy: Policy, events: list[Event]) -> _History | None:
    opened = next((e for e in events if e.kind == "opened"), None)
    if opened is None:
        return None
    history = _History(opened_at=opened.at)
    history.priorities.append((opened.at, opened.priority or policy.rules.default_priority))
    counted = set(policy.rules.responses)
    pausing = {pause.status: set(pause.clocks) for pause in policy.rules.pauses}
    open_pause: tuple[datetime, str] | None = None
    for event in events:
        if event.kind in _FIRST_INSTANT:
            attr = _FIRST_INSTANT[event.kind]
            if getattr(history, attr) is None:
                setattr(history, attr, event.at)
        elif event.kind == "status":
            if open_pause is not None:
                _close_pause(history, pausing, open_pause, event.at)
                open_pause = None
            if event.status in pausing:
                open_pause = (event.at, event.status)
        else:
            _record(history, event, counted)
    if open_pause is not None:
        _close_pause(history, pausing, open_pause, None)
    return history


def _record(history: _History, event: Event, counted: AbstractSet[str]) -> None:
    match event.kind:
        case "priority" if event.priority:
            history.priorities.append((event.at, event.priority))
        case "response" if (event.response or "reply") in counted:
            history.responses.append(event.at)
        case "eta" if event.eta is not None:
            history.etas.append((event.at, event.eta))
        case "workaround":
            history.workarounds.append(event.at)
        case "elevated" if event.tier:
            history.elevations.append((event.at, event.tier))
        case "reopened":
            history.resolved_at = history.closed_at = None
        case "rca_published" if event.rca:
            history.rca.setdefault(event.rca, event.at)


def _close_pause(
    history: _History,
    pausing: dict[str, set[Metric]],
    pause: tuple[datetime, str],
    end: datetime | None,
) -> None:
    start, status = pause
    if end is not None and end <= start:
        return
    for metric in pausing[status]:
        history.pauses.setdefault(metric, []).append(Interval(start, end))


@dataclass(frozen=True, slots=True)
class _Resolved:
    """A clock's target after following priority changes."""

    calendar: str
    span: Span | None
    due: datetime | None
    warn: datetime | None
    priority: str
    cancelled_at: datetime | None = None


def _due(
    ctx: _Context,
    history: _History,
    metric: Metric,
    start: datetime,
    at: datetime,
    stop: datetime | None,
    pauses: list[Interval],
) -> _Resolved | None:
    """Follow priority changes from ``start``; None when no priority in effect gives this
    metric a target."""
    priority = history.priority_at(start)
    current = _target_of(ctx.targets(priority), metric)
    resolved = _resolve_target(ctx, current, start, pauses, priority) if current else None
    for changed_at, new_priority in history.changes_after(start):
        if changed_at > at or (stop is not None and stop <= changed_at):
            break
        if resolved is not None and resolved.due is not None and resolved.due <= changed_at:
            break  # already breached under the old priority: the outcome stays (G13)
        new = _target_of(ctx.targets(new_priority), metric)
        if new is None:
            if resolved is not None:  # the new priority has no such clock
                return replace(resolved, cancelled_at=changed_at)
            continue
        resolved = _resolve_target(ctx, new, start, pauses, new_priority)
        if resolved.due is not None and resolved.due < changed_at:
            due = changed_at + timedelta(seconds=ctx.grace)
            warn = min(resolved.warn, due) if resolved.warn else None
            resolved = replace(resolved, due=due, warn=warn)
    return resolved


def _resolve_target(
    ctx: _Context, target: _Target, start: datetime, pauses: list[Interval], priority: str
) -> _Resolved:
    span, calendar_id = target
    cal_id, calendar = ctx.calendar(calendar_id)
    due, warn = _due_and_warn(ctx, calendar, start, span, pauses)
    return _Resolved(cal_id, span, due, warn, priority)


def _due_and_warn(
    ctx: _Context,
    calendar: BusinessCalendar,
    start: datetime,
    span: Span | None,
    pauses: list[Interval],
) -> tuple[datetime | None, datetime | None]:
    if span is None:
        return None, None
    due = add_with_pauses(calendar, start, span, pauses)
    if span.is_zero:
        return due, None
    warn = add_with_pauses(calendar, start, span, pauses, fraction=ctx.threshold)
    return due, warn


def _track(
    ctx: _Context,
    history: _History,
    metric: Metric,
    start: datetime,
    met: datetime | None,
    stop: datetime | None,
    at: datetime,
    *,
    cycle: int = 0,
    eta: datetime | None = None,
) -> list[ClockState]:
    """One clock from ``start``: met at ``met``, cancelled at ``stop``, judged at ``at``."""
    end = _first(met, stop, at) or at
    # Only pauses that began while the clock was still open move its due time.
    # A pause that begins at the very instant asked about counts: the clock is paused now.
    pauses = [
        p
        for p in history.pauses.get(metric, [])
        if p.start < end or (p.start == at and met is None and stop is None)
    ]
    # A clock already met when the priority changes keeps its outcome and its target (G13):
    # priority changes are followed only while the clock is still open.
    resolved = _due(ctx, history, metric, start, at, _first(met, stop), pauses)
    if resolved is None:
        return []
    due, warn = resolved.due, resolved.warn
    if resolved.cancelled_at is not None:
        return [
            ClockState(metric, "cancelled", resolved.priority, resolved.calendar, resolved.span,
                       start, None, cancelled_at=resolved.cancelled_at, cycle=cycle)
        ]  # fmt: skip
    eta_bound = False
    if eta is not None and eta > start and (due is None or eta < due):
        due, eta_bound = eta, True
        warn = min(warn, eta) if warn else None
    base = ClockState(metric, "running", resolved.priority, resolved.calendar, resolved.span,
                      start, due, warn_at=warn, paused_seconds=_paused_seconds(pauses, start, end),
                      cycle=cycle, eta_bound=eta_bound)  # fmt: skip
    return [_judge(base, met, stop, at, pauses)]


def _judge(
    clock: ClockState,
    met: datetime | None,
    stop: datetime | None,
    at: datetime,
    pauses: list[Interval],
) -> ClockState:
    """The clock's state at ``at`` given when it was met and when it was stopped."""
    due = clock.due_at
    if met is not None:
        if due is not None and met > due:
            return replace(clock, state="breached", breached_at=due, met_at=met)
        return replace(clock, state="met", met_at=met)
    if due is not None and due <= at and (stop is None or due <= stop):
        return replace(clock, state="breached", breached_at=due)
    if stop is not None:
        return replace(clock, state="cancelled", cancelled_at=stop)
    if pauses and pauses[-1].end is None and pauses[-1].start <= at:
        return replace(clock, state="paused", due_at=None)
    return clock


def _paused_seconds(pauses: list[Interval], start: datetime, end: datetime) -> int:
    total = timedelta()
    for pause in pauses:
        lo = max(pause.start, start)
        hi = min(pause.end or end, end)
        if hi > lo:
            total += hi - lo
    return int(total.total_seconds())


def _periodic(ctx: _Context, history: _History, at: datetime) -> list[ClockState]:
    """Periodic updates: one cycle from opening and one from each counting response (G7, G8)."""
    stop = _first(history.restored_at, history.resolved_at, history.closed_at, history.stopped_at)
    starts = [history.opened_at]
    starts += [t for t in history.responses if t > history.opened_at and (stop is None or t < stop)]
    starts = sorted(set(starts))
    clocks: list[ClockState] = []
    for index, start in enumerate(starts):
        next_start = starts[index + 1] if index + 1 < len(starts) else None
        row = ctx.targets(history.priority_at(start))
        eta = (
            _eta_for(history, start, next_start)
            if row.periodic_update is not None and row.periodic_update.eta
            else None
        )
        cycle_stop = stop if next_start is None else None
        clocks += _track(ctx, history, "periodic_update", start, next_start, cycle_stop, at,
                         cycle=index + 1, eta=eta)  # fmt: skip
    if stop is None or stop == history.stopped_at:
        return clocks  # an SLA stop (out of scope, feature request) cancels the cycle
    return [
        c if c.state != "cancelled" or c.cancelled_at != stop or c.due_at is None else _stopped(c)
        for c in clocks
    ]


def _stopped(clock: ClockState) -> ClockState:
    """A cycle ended by service restoration, resolution or closure before it was due counts
    as met."""
    return replace(clock, state="met", met_at=clock.cancelled_at, cancelled_at=None)


def _eta_for(history: _History, start: datetime, until: datetime | None) -> datetime | None:
    """The latest ETA given before the cycle ended (at ``until``) that is still ahead of the
    cycle's start: an ETA outlives the update it came with until it is replaced (G7)."""
    given = [eta for given_at, eta in history.etas if until is None or given_at < until]
    return given[-1] if given and given[-1] > start else None


def _elevation(ctx: _Context, history: _History, at: datetime) -> list[ClockState]:
    """Elevation when no ETA or workaround is recorded in time (R62, G9)."""
    start = history.opened_at
    satisfied = _first(
        next((t for t, _ in history.etas if t >= start), None),
        next((t for t in history.workarounds if t >= start), None),
    )
    clocks = _track(ctx, history, "elevation", start, satisfied, _elevation_stop(ctx, history), at)
    return [replace(clock, elevate_to=_elevation_tier(ctx, clock.priority)) for clock in clocks]


def _elevation_tier(ctx: _Context, priority: str) -> str | None:
    row = ctx.targets(priority)
    return row.elevation.to if row.elevation else None


def _elevation_stop(ctx: _Context, history: _History) -> datetime | None:
    """Elevated by hand to the target tier or above, or the case stopped: the clock ends."""
    tiers = list(ctx.policy.tiers)
    stops = [history.stopped_at, history.closed_at, history.resolved_at]
    for elevated_at, tier in history.elevations:
        target = _elevation_tier(ctx, history.priority_at(elevated_at))
        if target in tiers and tier in tiers and tiers.index(tier) >= tiers.index(target):
            stops.append(elevated_at)
            break
    return _first(*stops)


def initial_tier(policy: Policy, plan_id: str, priority_id: str) -> str:
    """The tier a new case starts at: Level 1 (R39), or the tier of an immediate elevation
    (R61: a P1 goes to Level 2 as soon as it is created)."""
    row = policy.plan(plan_id).targets.get(priority_id) or PriorityTargets()
    if row.elevation is not None and row.elevation.within is None:
        return row.elevation.to
    return next(iter(policy.tiers))


def opening_targets(
    policy: Policy,
    plan_id: str,
    priority_id: str,
    opened_at: datetime,
    *,
    account_timezone: str | None = None,
) -> list[TargetPreview]:
    """The clocks that start when a case opens, with their due times (``policy preview``).

    Raises ``UnknownIdError`` for an unknown plan or priority."""
    policy.plan(plan_id)
    policy.priority(priority_id)
    opened = Event("opened", opened_at, priority=priority_id)
    clocks = compute_clocks(policy, plan_id, [opened], opened_at, account_timezone=account_timezone)
    return [
        TargetPreview(c.metric, c.calendar, c.target, c.due_at)
        for c in clocks
        if c.metric in _OPEN_CLOCK_METRICS and c.target is not None and c.due_at is not None
    ]
