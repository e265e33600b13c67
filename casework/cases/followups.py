"""Periodic follow-ups of cases that wait on the customer, run by the worker at each sweep.

Each function takes the instant to act at, acts on every case that has come due by then,
once, and returns what it did. Each case is changed in its own transaction with its row
locked, and the condition is checked again under the lock, so two workers running at once do
not act twice. The requester is mailed (reminders, automatic resolution and closure) once
that transaction commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from casework.cases.changes import case_field_change
from casework.cases.clocks import case_clocks_refresh
from casework.cases.models import Case, CaseEvent, Status
from casework.cases.notifications import notify_recipients
from casework.cases.tasks import case_event_notify_on_commit
from casework.policies.selectors import policy_get


@dataclass(frozen=True, slots=True)
class FollowUp:
    """One thing done to a case: ``kind`` is ``auto_confirmed``, ``reminder`` or
    ``auto_closed``."""

    case_id: int
    case_number: str
    kind: str
    due_at: datetime
    detail: str
    to: str = ""


def entered_status_at(case: Case, status: str) -> datetime | None:
    """When the case last moved into ``status`` (None if it never did)."""
    event = (
        case.events.filter(kind="status", data__new=status)
        .order_by("-at", "-pk")
        .only("at")
        .first()
    )
    return event.at if event else None


def _customer_answered_since(case: Case, since: datetime) -> bool:
    return case.events.filter(
        kind="message", at__gte=since, data__from_support=False, data__public=True
    ).exists()


def case_auto_confirm_due(*, at: datetime, after: timedelta | None = None) -> list[FollowUp]:
    """R9 auto-confirmation: resolve every case that support marked *service restored* and
    whose customer has not answered within ``after`` (default: the
    ``CASEWORK_AUTO_CONFIRM_AFTER`` setting; ``None`` there turns this off)."""
    wait = after if after is not None else settings.CASEWORK_AUTO_CONFIRM_AFTER
    if wait is None:
        return []
    done = []
    for case_id in Case.objects.filter(status=Status.SERVICE_RESTORED).values_list("pk", flat=True):
        follow_up = _auto_confirm(case_id, at=at, wait=wait)
        if follow_up is not None:
            done.append(follow_up)
    return done


@transaction.atomic
def _auto_confirm(case_id: int, *, at: datetime, wait: timedelta) -> FollowUp | None:
    case = Case.objects.select_for_update().filter(pk=case_id).first()
    if case is None or case.status != Status.SERVICE_RESTORED:
        return None
    since = entered_status_at(case, Status.SERVICE_RESTORED)
    if since is None or since + wait > at or _customer_answered_since(case, since):
        return None
    due = since + wait
    note = (
        f"resolved automatically: service was restored on {since.isoformat()} and the "
        f"customer did not answer within {_days(wait)} (R9 auto-confirmation)"
    )
    told = notify_recipients(case, ["requester"])
    event = case_field_change(
        case, kind="status", field="status", new=Status.RESOLVED, at=at, note=note,
        auto_confirmed=True, recipients=told.addresses,
    )  # fmt: skip
    case_clocks_refresh(case, at=at)
    case_event_notify_on_commit(event)
    return FollowUp(case.pk, case.number, "auto_confirmed", due, note, _to(told.addresses))


def _to(addresses: dict[str, str]) -> str:
    return ", ".join(sorted(addresses.values()))


def _days(wait: timedelta) -> str:
    if wait % timedelta(days=1) == timedelta(0):
        days = wait // timedelta(days=1)
        return f"{days} day{'s' if days != 1 else ''}"
    hours = wait / timedelta(hours=1)
    return f"{hours:g} hours"


def case_pending_reminders_due(*, at: datetime) -> list[FollowUp]:
    """G14: remind the customer of every case waiting on them, at each of the policy's
    ``pending_customer.reminders`` delays after the case entered *pending customer*, once
    each per wait; close it when ``auto_close_after`` is set and has passed. Reminders are
    public history events; the returned values name whom the worker should mail."""
    done: list[FollowUp] = []
    waiting = Case.objects.filter(status=Status.PENDING_CUSTOMER).values_list("pk", flat=True)
    for case_id in waiting:
        done += _pending_follow_ups(case_id, at=at)
    return done


@transaction.atomic
def _pending_follow_ups(case_id: int, *, at: datetime) -> list[FollowUp]:
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("requester")
        .filter(pk=case_id)
        .first()
    )
    if case is None or case.status != Status.PENDING_CUSTOMER:
        return []
    since = entered_status_at(case, Status.PENDING_CUSTOMER)
    if since is None:
        return []
    rules = policy_get(case.policy_id, version=case.policy_version).policy.rules.pending_customer
    close_after = rules.auto_close_after.timedelta() if rules.auto_close_after else None
    close_at = since + close_after if close_after is not None else None
    told = notify_recipients(case, ["requester"])
    to = _to(told.addresses)
    sent = {
        event.data.get("number")
        for event in case.events.filter(kind="reminder", data__pending_since=since.isoformat())
    }
    done = []
    for number, delay in enumerate(rules.reminders, start=1):
        due = since + delay.timedelta()
        if due > at or number in sent or (close_at is not None and due >= close_at):
            continue
        detail = (
            f"reminder {number}: the case has been waiting on the customer since "
            f"{since.isoformat()} (G14)"
        )
        event = CaseEvent.objects.create(
            case=case,
            kind="reminder",
            at=at,
            data={
                "number": number,
                "after": delay.text(),
                "pending_since": since.isoformat(),
                "recipients": told.addresses,
                "note": detail,
            },
        )
        case_event_notify_on_commit(event)
        done.append(FollowUp(case.pk, case.number, "reminder", due, detail, to))
    if close_at is not None and close_after is not None and close_at <= at:
        note = (
            f"closed automatically: the case waited on the customer from {since.isoformat()} "
            f"for {_days(close_after)} without an answer (G14)"
        )
        event = case_field_change(
            case, kind="status", field="status", new=Status.CLOSED, at=at, note=note,
            auto_closed=True, recipients=told.addresses,
        )  # fmt: skip
        case_clocks_refresh(case, at=at)
        case_event_notify_on_commit(event)
        done.append(FollowUp(case.pk, case.number, "auto_closed", close_at, note, to))
    return done
