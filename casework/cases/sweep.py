"""The SLA sweep: act on every warning and breach that has come due, exactly once each.

Exactly once, however many workers sweep at the same moment: a worker takes a case only by
locking its row (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL; on SQLite, transactions
are IMMEDIATE, so writers already queue), and each action is recorded as a ``ClockAction``
row whose unique (case, clock, kind) key is checked inside that lock. A second sweep at the
same instant finds nothing left to do.

Each action also resolves who is told (``notifications.notify_recipients``), raises an in-app
``alert`` event for them and, once the transaction commits, enqueues the mail
(``tasks.case_event_notify``): a rolled-back sweep sends nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db import connection, transaction

from casework.cases.changes import case_field_change
from casework.cases.clocks import case_clock_policy, case_clock_states, case_clocks_refresh
from casework.cases.models import Case, CaseEvent, Clock, ClockAction
from casework.cases.notifications import Recipients, notify_recipients
from casework.cases.tasks import case_event_notify_on_commit
from casework.policy.escalation import DueAction, actions_due


@dataclass(frozen=True, slots=True)
class SweepLine:
    """One action taken, for the command's output."""

    case_number: str
    action: DueAction

    def __str__(self) -> str:
        a = self.action
        what = f"{a.kind} {a.clock} ({a.priority}) due {a.due_at.isoformat()}"
        extra = []
        if a.notify:
            extra.append("notify " + ", ".join(a.notify))
        if a.elevate:
            extra.append(f"elevate to {a.elevate}")
        if a.page:
            extra.append("page " + ", ".join(a.page))
        return f"{self.case_number}: {what}" + (f" → {'; '.join(extra)}" if extra else "")


def clock_sweep(*, at: datetime, batch: int = 200) -> list[SweepLine]:
    """Act on everything due by ``at``; returns what was done (empty when nothing was due)."""
    done: list[SweepLine] = []
    seen: set[int] = set()
    while True:
        candidates, taken = _sweep_batch(at=at, batch=batch, skip=seen)
        if not candidates:
            return done
        # A case locked elsewhere (another worker acting on it) is passed by; the next tick
        # sees it again if it is still due.
        seen.update(candidates)
        for _, lines in taken:
            done += lines


def _due_case_ids(at: datetime, batch: int, skip: set[int]) -> list[int]:
    ids = (
        Clock.objects.filter(next_action_at__lte=at)
        .exclude(case_id__in=skip)
        .order_by("next_action_at")
        .values_list("case_id", flat=True)[: batch * 4]
    )
    return list(dict.fromkeys(ids))[:batch]


@transaction.atomic
def _sweep_batch(
    *, at: datetime, batch: int, skip: set[int]
) -> tuple[list[int], list[tuple[int, list[SweepLine]]]]:
    """(the due case ids looked at, the ones this worker locked and acted on)."""
    ids = _due_case_ids(at, batch, skip)
    if not ids:
        return [], []
    cases = Case.objects.filter(pk__in=ids).order_by("pk")
    if connection.features.has_select_for_update_skip_locked:
        cases = cases.select_for_update(skip_locked=True, of=("self",))
    people: dict[tuple[str, str], list[User]] = {}  # who holds each role, for this batch
    return ids, [(case.pk, _act_on_case(case, at, people)) for case in cases]


def _act_on_case(
    case: Case, at: datetime, people: dict[tuple[str, str], list[User]]
) -> list[SweepLine]:
    # One lookup serves the actions, the states and the refresh: an enhanced SLA (R26) changes
    # only the targets, not the rules or tiers the actions read.
    policy = case_clock_policy(case)
    fired = set(case.clock_actions.values_list("clock_key", "kind"))
    lines = []
    for action in actions_due(policy, case_clock_states(case, at=at, policy=policy), at):
        if (action.clock, action.kind) in fired:
            continue
        ClockAction.objects.create(
            case=case, clock_key=action.clock, kind=action.kind, due_at=action.due_at, fired_at=at
        )
        recipients = notify_recipients(case, list(action.notify), cache=people)
        event = CaseEvent.objects.create(
            case=case,
            kind=action.kind,
            at=at,
            public=False,
            data={
                "clock": action.clock,
                "metric": action.metric,
                "priority": action.priority,
                "due_at": action.due_at.isoformat(),
                "notify": list(action.notify),
                "recipients": recipients.addresses,
                "unresolved": recipients.missing,
                "page": list(action.page),
                "elevate": action.elevate,
            },
        )
        _alert(case, event, at, recipients)
        if action.elevate and _tier_rank(policy.tiers, action.elevate) > _tier_rank(
            policy.tiers, case.tier
        ):
            # R62: the elevation clock elevates; it is an action, not only a breach.
            case_field_change(
                case, kind="elevated", field="tier", new=action.elevate, at=at, public=False,
                reason=f"{action.clock} due",
            )  # fmt: skip
        lines.append(SweepLine(case.number, action))
    case_clocks_refresh(case, at=at, policy=policy)
    return lines


def _alert(case: Case, event: CaseEvent, at: datetime, recipients: Recipients) -> None:
    """The in-app alert, and the mail to the recipients once this transaction commits."""
    if not recipients.addresses:
        return
    CaseEvent.objects.create(
        case=case,
        kind="alert",
        at=at,
        public=False,
        data={"event": event.pk, "users": sorted(recipients.addresses)},
    )
    case_event_notify_on_commit(event)


def _tier_rank(tiers: Mapping[str, object], tier: str) -> int:
    order = list(tiers)
    return order.index(tier) if tier in order else -1
