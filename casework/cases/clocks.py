"""Stored clocks: replay a case's history through the engine and keep the answer in ``Clock``.

``case_clocks_refresh`` is the one place that writes ``Clock`` rows and ``Case.next_due_at``;
it runs in the same transaction as every change to a case, and ``casework sla rebuild`` runs
it over every case. Nothing here decides a due time: ``casework.policy.compute_clocks`` does.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from casework.cases.history import engine_events
from casework.cases.models import Case, CaseEvent, Clock
from casework.policies.selectors import policy_get, policy_with_overlay
from casework.policy import ClockState, Policy, compute_clocks

_OPEN_STATES = frozenset({"running", "paused"})
# Statuses in which an unanswered breach no longer puts a case first in the queues.
_FINISHED_STATUSES = frozenset({"service_restored", "resolved", "closed"})


def case_clock_states(
    case: Case, *, at: datetime, policy: Policy | None = None
) -> list[ClockState]:
    """The case's clocks at ``at``, computed from its history under its pinned policy
    (``policy``: :func:`case_clock_policy` of the case, when the caller has it already)."""
    policy = policy or case_clock_policy(case)
    return _states(policy, case, case.events.order_by("at", "id"), at)


def case_clock_policy(case: Case) -> Policy:
    """The policy the case's clocks run under: its pinned version, with the enhanced-SLA
    overlay it was opened with (R26)."""
    stored = policy_get(case.policy_id, version=case.policy_version)
    return policy_with_overlay(
        pk=stored.row.pk, sha256=stored.row.sha256, plan_id=case.plan, overlay=case.sla_overlay
    )


def _states(
    policy: Policy, case: Case, events: Iterable[CaseEvent], at: datetime
) -> list[ClockState]:
    return compute_clocks(
        policy, case.plan, engine_events(events), at, account_timezone=case.account_timezone or None
    )


def case_clocks_first(
    case: Case, *, policy: Policy, events: list[CaseEvent], at: datetime
) -> list[Clock]:
    """The clocks of a case being opened, from its first events (not yet saved); sets
    ``case.next_due_at``. The caller saves the case, its events, then these rows: a new case
    has no stored clocks or actions to compare with, so nothing is read back."""
    rows = [
        Clock(case=case, key=state.key, **_values(state, set()))
        for state in _states(policy, case, events, at)
    ]
    rows.sort(key=lambda row: (row.metric, row.cycle))  # Clock.Meta.ordering within a case
    case.next_due_at = _next_due(rows, case.status)
    return rows


def case_clocks_refresh(case: Case, *, at: datetime, policy: Policy | None = None) -> list[Clock]:
    """Recompute the case's clocks at ``at`` and store them; returns the stored rows.

    Call inside the transaction that changed the case. ``next_action_at`` is when the sweep
    must look again: the warning instant, then the due time, of each open clock. ``policy``
    is :func:`case_clock_policy` of the case, when the caller has it already.
    """
    states = case_clock_states(case, at=at, policy=policy)
    fired = set(case.clock_actions.values_list("clock_key", "kind"))
    existing = {clock.key: clock for clock in case.clocks.all()}
    rows: list[Clock] = []
    for state in states:
        row = existing.pop(state.key, None)
        if row is None:
            row = Clock(case=case, key=state.key)
        values = _values(state, fired)
        changed = row._state.adding or any(getattr(row, f) != v for f, v in values.items())
        for field, value in values.items():
            setattr(row, field, value)
        if changed:
            row.save()
        rows.append(row)
    if existing:
        Clock.objects.filter(pk__in=[row.pk for row in existing.values()]).delete()
    next_due = _next_due(rows, case.status)
    if case.next_due_at != next_due:
        case.next_due_at = next_due
        Case.objects.filter(pk=case.pk).update(next_due_at=next_due)
    # The case's cached clocks (prefetched, or left by case_open) are now these rows: a
    # stale cache would make the next refresh of the same object insert a row twice.
    rows.sort(key=lambda row: (row.metric, row.cycle))
    clocks_prefetched(case, rows)
    return rows


def clocks_prefetched(case: Case, rows: list[Clock]) -> None:
    """Make ``case.clocks.all()`` answer ``rows`` without a query, as ``prefetch_related``
    would have left it."""
    # What django.db.models.query.prefetch_one_level stores for a reverse foreign key.
    queryset = case.clocks.get_queryset()
    queryset._result_cache = rows
    queryset._prefetch_done = True  # type: ignore[attr-defined]
    case._prefetched_objects_cache = {"clocks": queryset}  # type: ignore[attr-defined]


def _next_due(rows: list[Clock], status: str) -> datetime | None:
    """What the queues sort by: the earliest due time of an open clock, or of a breached one
    still unanswered while the case is being worked on (it is the most overdue of all, so it
    comes first rather than last)."""
    working = status not in _FINISHED_STATUSES
    due = [
        r.due_at
        for r in rows
        if r.due_at is not None
        and (r.state in _OPEN_STATES or (working and r.state == "breached" and r.met_at is None))
    ]
    return min(due) if due else None


def _values(state: ClockState, fired: set[tuple[str, str]]) -> dict[str, object]:
    # The sweep looks at a clock again at its warning, then at its breach, until each has
    # been acted upon (a breached clock's row is no longer open, but its breach may not have
    # been acted upon yet).
    upcoming = []
    if state.warn_at is not None and (state.key, "warning") not in fired:
        ended = [t for t in (state.met_at, state.cancelled_at) if t is not None]
        if not ended or min(ended) > state.warn_at:
            upcoming.append(state.warn_at)
    if state.breached_at is not None and (state.key, "breach") not in fired:
        upcoming.append(state.breached_at)
    elif state.state in _OPEN_STATES and state.due_at is not None:
        upcoming.append(state.due_at)
    return {
        "metric": state.metric,
        "cycle": state.cycle,
        "state": state.state,
        "priority": state.priority,
        "calendar": state.calendar,
        "target": state.target.text() if state.target else "",
        "started_at": state.started_at,
        "due_at": state.due_at,
        "warn_at": state.warn_at,
        "met_at": state.met_at,
        "breached_at": state.breached_at,
        "cancelled_at": state.cancelled_at,
        "paused_seconds": state.paused_seconds,
        "elevate_to": state.elevate_to or "",
        "next_action_at": min(upcoming) if upcoming else None,
    }
