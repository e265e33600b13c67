"""What changes between two versions of a policy: the targets, plans, priorities, calendars.

A support manager sees this before loading a new version (``/console/policies/upload/``):
for each plan, priority and metric the old and the new target in words, what was added or
removed, and how many targets stay the same. Pure, like the rest of the engine: two loaded
``Policy`` values in, a frozen ``PolicyDiff`` out.

Targets are compared through their description, which states every field that moves a due
time (the span, ETA counting, the tier elevated to, a calendar the target names itself) and
leaves out notes, so a reworded note is not reported as a changed target.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal

from casework.policy.durations import Span
from casework.policy.render import calendar_words
from casework.policy.schema import (
    METRICS,
    ElevationTarget,
    PeriodicTarget,
    Plan,
    Policy,
    PriorityTargets,
    Target,
)

ChangeKind = Literal["changed", "added", "removed"]

# Parts of a policy other than plans, priorities and calendars, reported as "also changed".
_SECTIONS = (
    "name",
    "summary",
    "timezone",
    "default_calendar",
    "tiers",
    "channels",
    "rules",
    "definitions",
)


@dataclass(frozen=True, slots=True)
class Change:
    """One value that differs: ``old`` or ``new`` is None when it was added or removed."""

    old: str | None
    new: str | None

    @property
    def kind(self) -> ChangeKind:
        """``changed``, ``added`` (no old value) or ``removed`` (no new value)."""
        if self.old is None:
            return "added"
        if self.new is None:
            return "removed"
        return "changed"


@dataclass(frozen=True, slots=True)
class TargetChange(Change):
    """A target of ``plan`` for ``priority`` and ``metric`` (one of ``METRICS``)."""

    plan: str
    priority: str
    metric: str


@dataclass(frozen=True, slots=True)
class CalendarChange(Change):
    """A calendar defined by the policy (``subject`` its id), or a plan's default calendar
    (``subject`` ``plan <id>``)."""

    subject: str


@dataclass(frozen=True, slots=True)
class PolicyDiff:
    """Everything that differs between ``old`` and ``new`` versions of one policy."""

    old_version: str
    new_version: str
    targets: tuple[TargetChange, ...]
    unchanged_targets: int
    plans_added: tuple[str, ...]
    plans_removed: tuple[str, ...]
    priorities_added: tuple[str, ...]
    priorities_removed: tuple[str, ...]
    priorities_redefined: tuple[str, ...]
    calendars: tuple[CalendarChange, ...]
    sections_changed: tuple[str, ...]

    @property
    def is_empty(self) -> bool:
        """True when nothing that ``policy_diff`` compares differs."""
        return not (
            self.targets
            or self.plans_added
            or self.plans_removed
            or self.priorities_added
            or self.priorities_removed
            or self.priorities_redefined
            or self.calendars
            or self.sections_changed
        )


def _span(span: Span | None, calendar: str | None) -> str:
    text = "no deadline (tracked only)" if span is None else f"within {span.words()}"
    return f"{text} on calendar {calendar}" if calendar else text


def _periodic(target: PeriodicTarget) -> str:
    text = f"every {target.every.words()}"
    if target.eta:
        text += ", or at the ETA given if sooner"
    return f"{text} on calendar {target.calendar}" if target.calendar else text


def _elevation(target: ElevationTarget) -> str:
    if target.within is None:
        return f"to {target.to} immediately"
    text = f"to {target.to} if no ETA or workaround within {target.within.words()}"
    return f"{text} on calendar {target.calendar}" if target.calendar else text


def target_words(metric: str, row: PriorityTargets) -> str | None:
    """The target for ``metric`` in ``row`` in words; None when the row has no such clock."""
    if metric == "periodic_update":
        return _periodic(row.periodic_update) if row.periodic_update else None
    if metric == "elevation":
        return _elevation(row.elevation) if row.elevation else None
    target: Target | None
    if metric.startswith("rca_"):
        target = getattr(row.rca, metric.removeprefix("rca_")) if row.rca else None
    else:
        target = getattr(row, metric)
    return _span(target.within, target.calendar) if target is not None else None


def _plan_targets(old: Plan, new: Plan) -> Iterator[tuple[str, str, str | None, str | None]]:
    """(priority, metric, old words, new words) for every priority either plan has."""
    priorities = [*old.targets, *(p for p in new.targets if p not in old.targets)]
    empty = PriorityTargets()
    for priority in priorities:
        old_row = old.targets.get(priority, empty)
        new_row = new.targets.get(priority, empty)
        for metric in METRICS:
            yield priority, metric, target_words(metric, old_row), target_words(metric, new_row)


def _target_changes(old: Policy, new: Policy) -> tuple[list[TargetChange], int]:
    changes: list[TargetChange] = []
    unchanged = 0
    for plan_id, old_plan in old.plans.items():
        new_plan = new.plans.get(plan_id)
        if new_plan is None:
            continue
        for priority, metric, before, after in _plan_targets(old_plan, new_plan):
            if before == after:
                unchanged += before is not None
            else:
                changes.append(TargetChange(before, after, plan_id, priority, metric))
    return changes, unchanged


def _calendar_changes(old: Policy, new: Policy) -> list[CalendarChange]:
    changes = []
    for cal_id in [*old.calendars, *(c for c in new.calendars if c not in old.calendars)]:
        before, after = old.calendars.get(cal_id), new.calendars.get(cal_id)
        if before != after:
            changes.append(
                CalendarChange(
                    calendar_words(before, old) if before else None,
                    calendar_words(after, new) if after else None,
                    cal_id,
                )
            )
    for plan_id, old_plan in old.plans.items():
        new_plan = new.plans.get(plan_id)
        if new_plan is not None and new_plan.calendar != old_plan.calendar:
            changes.append(CalendarChange(old_plan.calendar, new_plan.calendar, f"plan {plan_id}"))
    return changes


def _added_removed(
    old: Mapping[str, object], new: Mapping[str, object]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    return tuple(k for k in new if k not in old), tuple(k for k in old if k not in new)


def policy_diff(old: Policy, new: Policy) -> PolicyDiff:
    """What loading ``new`` over ``old`` (two versions of one policy) changes.

    Targets are compared for the plans both versions have; a plan only one of them has is
    listed as added or removed. ``unchanged_targets`` counts the targets present and equal in
    both."""
    targets, unchanged = _target_changes(old, new)
    plans_added, plans_removed = _added_removed(old.plans, new.plans)
    priorities_added, priorities_removed = _added_removed(old.priorities, new.priorities)
    # A priority kept under its id with another definition, label or environments (the
    # environments are what R50 limits P1 and P2 to).
    redefined = (p for p, v in old.priorities.items() if new.priorities.get(p, v) != v)
    return PolicyDiff(
        old_version=old.version,
        new_version=new.version,
        targets=tuple(targets),
        unchanged_targets=unchanged,
        plans_added=plans_added,
        plans_removed=plans_removed,
        priorities_added=priorities_added,
        priorities_removed=priorities_removed,
        priorities_redefined=tuple(redefined),
        calendars=tuple(_calendar_changes(old, new)),
        sections_changed=tuple(s for s in _SECTIONS if getattr(old, s) != getattr(new, s)),
    )
