"""What is due on a case's clocks at an instant: warnings, breaches and elevations, as values.

The pure half of the SLA sweep. Given the clocks from :func:`casework.policy.compute_clocks`
and an instant, it lists each warning and breach whose moment has come, with the actions the
policy's ``rules.on_warning`` / ``rules.on_breach`` attach to it. The glue carries them out
and records each ``(case, clock key, kind)`` so that it fires exactly once, however often and
however late the sweep runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from casework.policy.clocks import ClockState
from casework.policy.schema import Action, Policy


@dataclass(frozen=True, slots=True)
class DueAction:
    """A warning or breach that has come due, with what to do about it."""

    kind: Literal["warning", "breach"]
    clock: str  # the clock's key: metric, or metric#cycle for periodic updates
    metric: str
    priority: str
    due_at: datetime  # when it came due (the warning instant or the breach instant)
    notify: tuple[str, ...] = ()
    elevate: str | None = None
    page: tuple[str, ...] = ()


def actions_due(policy: Policy, clocks: list[ClockState], at: datetime) -> list[DueAction]:
    """Every warning and breach due by ``at``, oldest first.

    A warning is due once the warning instant has passed while the clock was still open (a
    clock met before its warning never warns). A breach is due once the clock is breached. An
    elevation clock's breach always elevates to its tier (R62), whatever the rules add.
    """
    due: list[DueAction] = []
    for clock in clocks:
        warned = clock.warn_at
        if warned is not None and warned <= at and _open_at(clock, warned):
            due.append(_action(policy.rules.on_warning, "warning", clock, warned))
        if clock.state == "breached" and clock.breached_at is not None:
            due.append(_action(policy.rules.on_breach, "breach", clock, clock.breached_at))
    return sorted(due, key=lambda action: (action.due_at, action.clock, action.kind))


def _open_at(clock: ClockState, instant: datetime) -> bool:
    for ended in (clock.met_at, clock.cancelled_at):
        if ended is not None and ended <= instant:
            return False
    return True


def _action(
    rules: list[Action], kind: Literal["warning", "breach"], clock: ClockState, when: datetime
) -> DueAction:
    notify: list[str] = []
    pages: list[str] = []
    elevate = clock.elevate_to if kind == "breach" and clock.metric == "elevation" else None
    for rule in rules:
        if rule.metrics is not None and clock.metric not in rule.metrics:
            continue
        if rule.priorities is not None and clock.priority not in rule.priorities:
            continue
        notify += [role for role in rule.notify if role not in notify]
        if rule.page and rule.page not in pages:
            pages.append(rule.page)
        elevate = elevate or rule.elevate
    return DueAction(
        kind=kind,
        clock=clock.key,
        metric=clock.metric,
        priority=clock.priority,
        due_at=when,
        notify=tuple(notify),
        elevate=elevate,
        page=tuple(pages),
    )
