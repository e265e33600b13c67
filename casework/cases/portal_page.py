"""What the customer portal's case page shows, read through the scoped selectors: the clocks
that concern the customer with their pauses, the public conversation, files and history in
words, and the actions the workflow allows them. No writes; no HTTP objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User

from casework.cases.models import Attachment, Case, CaseEvent, Clock, Message, Status
from casework.cases.selectors import case_events_for_user
from casework.cases.workflow import transition_refusal
from casework.lib.clockview import METRIC_NAMES

# The clocks a customer is promised something by (first response, updates, RCA); internal
# ones such as elevation and time to open stay in the console.
CUSTOMER_METRICS = ("first_response", "periodic_update", "rca_preliminary", "rca_final")

_PAUSED_BECAUSE = {
    Status.PENDING_CUSTOMER: "paused while waiting for your reply",
    Status.PENDING_THIRD_PARTY: "paused while waiting for a third party",
    Status.PENDING_ENGINEERING: "paused while waiting for engineering",
    Status.SERVICE_RESTORED: "paused: service is restored, waiting for your confirmation",
}


@dataclass(frozen=True, slots=True)
class Promise:
    """One customer clock: the sentence it reads as ("First response by …") and the row."""

    clock: Clock
    headline: str
    due_at: datetime | None
    pause_reason: str


@dataclass(frozen=True, slots=True)
class HistoryLine:
    """One public event in words."""

    at: datetime
    who: str
    text: str


def author_label(user: User | None, *, from_support: bool) -> str:
    """The author as the customer reads it: "Support" for staff, else the name."""
    if from_support or user is None:
        return "Support"
    return user.get_full_name() or user.username


def _is_staff(user: User | None) -> bool:
    return user is not None and not hasattr(user, "contact")


def _headline(clock: Clock, name: str, reason: str) -> str:
    if clock.state == "running":
        return f"{name} by"
    if clock.state == "paused":
        return f"{name}: {reason}"
    return name


def case_promises(case: Case) -> list[Promise]:
    """The clocks that concern the customer, in the order they fall due (of the periodic
    updates, only the latest), each with its pause reason when paused (from the status)."""
    order = {metric: index for index, metric in enumerate(CUSTOMER_METRICS)}
    latest: dict[str, Clock] = {}
    for clock in sorted(case.clocks.all(), key=lambda c: c.cycle):
        if clock.metric in order:
            latest[clock.metric] = clock
    promises = []
    for clock in sorted(latest.values(), key=lambda c: order[c.metric]):
        name = METRIC_NAMES.get(clock.metric, clock.metric)
        reason = ""
        if clock.state == "paused":
            reason = _PAUSED_BECAUSE.get(Status(case.status), "paused")
        promises.append(Promise(clock, _headline(clock, name, reason), clock.due_at, reason))
    return promises


def _status_label(value: object) -> str:
    return Status(value).label if value in Status.values else str(value)


def _event_text(event: CaseEvent) -> str:
    data: dict[str, Any] = event.data or {}
    match event.kind:
        case "opened":
            return "Case opened"
        case "message":
            return "Reply added"
        case "status":
            note = f" ({data['note']})" if data.get("note") else ""
            old, new = _status_label(data.get("old")), _status_label(data.get("new"))
            return f"Status changed from {old} to {new}{note}"
        case "priority":
            reason = f". Reason: {data['reason']}" if data.get("reason") else ""
            return f"Priority changed from {data.get('old')} to {data.get('new')}{reason}"
        case "attachment":
            return f"File attached: {data.get('filename', '')}"
        case "closable":
            return "The customer said the case can be closed"
        case "linked":
            return f"Linked to case {data.get('number', '')}: {data.get('reason', '')}"
        case "sla_stopped":
            return f"Closed as out of scope: {data.get('name', '')}"
        case "elevated":
            return f"Moved to {data.get('new', 'another tier')}"
    return event.kind.replace("_", " ").capitalize()


def case_history(user: User, case: Case) -> list[HistoryLine]:
    """The case's public history as the customer reads it (``case_events_for_user``)."""
    return [
        HistoryLine(
            at=event.at,
            who=author_label(event.actor, from_support=_is_staff(event.actor)),
            text=_event_text(event),
        )
        for event in case_events_for_user(user, case)
        if event.kind != "message"  # the conversation shows the messages themselves
    ]


def customer_actions(case: Case) -> dict[str, bool]:
    """Which of the customer's actions the workflow allows now (G15, R9)."""

    def allowed(new: str) -> bool:
        refusal = transition_refusal(
            case.status, new, by_customer=True, closable=case.closable, scope_exclusion=None
        )
        return refusal is None

    finished = case.status in {Status.RESOLVED, Status.CLOSED}
    return {
        "closable": not case.closable and not finished,
        "confirm": case.status == Status.SERVICE_RESTORED and allowed(Status.RESOLVED),
        "reopen": finished and allowed(Status.OPEN),
    }


def case_page_context(case: Case, user: User, *, at: datetime) -> dict[str, object]:
    """Everything the portal's case page shows of ``case`` to the contact ``user``."""
    conversation: list[Message] = list(
        case.messages.filter(public=True).select_related("author").order_by("created_at", "pk")
    )
    attachments: list[Attachment] = list(
        case.attachments.exclude(message__public=False).order_by("created_at", "pk")
    )
    return {
        "case": case,
        "promises": case_promises(case),
        "conversation": [
            (author_label(m.author, from_support=m.from_support), m) for m in conversation
        ],
        "attachments": attachments,
        "history": case_history(user, case),
        "actions": customer_actions(case),
        "at": at,
    }
