"""Case notifications: who an event is told to, and the mail that tells them.

Events that people are told of: SLA warnings and breaches (the sweep), reclassifications
(R53–R55: the requester is told, SPEC §3), reminders of a case waiting on the customer (G14),
and automatic resolution or closure (R9, G14). The policy names roles (``notify`` lists:
``requester``, ``assignee``, ``tier_lead``, ``support_manager``, ``tam``, ``csm``,
``account_team``, ``executive_sponsor``, or plain usernames); :func:`notify_recipients` turns
them into people with addresses inside the transaction that records the event, which keeps
them in ``data["recipients"]`` and the roles with nobody in ``data["unresolved"]``.
:func:`notification_send` (run by the ``case_event_notify`` task once that transaction has
committed) sends the mail through Django's email backend and appends the outcome of each
attempt to the case history.

The account team is the case's organisation's (``Organization.tam``, ``csm``,
``executive_sponsor``; ``account_team`` is the TAM and the CSM): an organisation without one
has nobody in that role, which the event records ("no recipient for tam").
"""

from __future__ import annotations

import logging
import re
import smtplib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import formatdate

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage
from django.db import transaction

from casework.accounts.models import StaffRole
from casework.cases.models import Case, CaseEvent

logger = logging.getLogger(__name__)

# Role names a policy's `notify` may use for support staff, and the staff roles they mean.
_STAFF_ROLES: dict[str, tuple[str, ...]] = {
    "support_manager": (StaffRole.MANAGER,),
    "manager": (StaffRole.MANAGER,),
}
# Role names for the organisation's account team, and its fields that hold them.
_ACCOUNT_TEAM: dict[str, tuple[str, ...]] = {
    "tam": ("tam",),
    "csm": ("csm",),
    "account_team": ("tam", "csm"),
    "executive_sponsor": ("executive_sponsor",),
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(slots=True)
class Recipients:
    """The people a notification goes to (username → address) and the roles with nobody."""

    addresses: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


def header_safe(text: str, *, limit: int = 200) -> str:
    """``text`` fit for a mail header: control characters (CR, LF…) become one space."""
    return _CONTROL.sub(" ", text).strip()[:limit]


def _role_users(case: Case, role: str) -> list[User]:
    if role == "assignee":
        return [case.assignee] if case.assignee is not None else []
    if role == "requester":
        requester = case.requester
        return [requester] if requester is not None and requester.is_active else []
    if role == "tier_lead":
        users = User.objects.filter(
            staff_profile__role=StaffRole.LEAD, staff_profile__tier=case.tier
        )
    elif role in _STAFF_ROLES:
        users = User.objects.filter(staff_profile__role__in=_STAFF_ROLES[role])
    elif role in _ACCOUNT_TEAM:
        organization = case.organization
        team = [getattr(organization, f"{name}_id") for name in _ACCOUNT_TEAM[role]]
        users = User.objects.filter(pk__in=[pk for pk in team if pk is not None])
    else:
        users = User.objects.filter(username=role)
    return list(users.filter(is_active=True).order_by("username"))


def _cache_scope(case: Case, role: str) -> str:
    """What else besides the role decides who holds it: the tier for a tier lead, the
    organisation for its account team, nothing for staff roles."""
    if role == "tier_lead":
        return case.tier
    if role in _ACCOUNT_TEAM:
        return f"org:{case.organization_id}"
    return ""


def notify_recipients(
    case: Case, roles: list[str], *, cache: dict[tuple[str, str], list[User]] | None = None
) -> Recipients:
    """Resolve the role names (or usernames) of a ``notify`` list to addresses.

    ``cache`` (one per sweep batch) keeps who holds each role, so many cases cost one query
    per role rather than one per case.
    """
    found = Recipients()
    for role in roles:
        if role in ("assignee", "requester") or cache is None:
            users = _role_users(case, role)
        else:
            key = (role, _cache_scope(case, role))
            if key not in cache:
                cache[key] = _role_users(case, role)
            users = cache[key]
        people = [user for user in users if user.email]
        if not people:
            found.missing.append(f"no recipient for {role}")
        for user in people:
            found.addresses.setdefault(user.username, user.email)
    return found


def _message_id(event: CaseEvent) -> str:
    """The same on every attempt, so a receiver can drop a duplicate of a retried send."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "casework.invalid"
    return f"<casework.{event.case.number}.{event.kind}.{event.pk}@{header_safe(domain)}>"


# On every mail casework sends; inbound mail carrying it is never acted on (a loop).
LOOP_HEADER = "X-Casework-Loop"


def _thread_headers(case: Case) -> dict[str, str]:
    """``In-Reply-To``/``References`` naming the customer's latest mail on the case, so their
    mail program threads support's answers under it."""
    from casework.channels.models import RawInbound  # intake sits on top of cases

    latest = (
        RawInbound.objects.filter(case=case, channel="email")
        .exclude(dedup_key="")
        .order_by("-received_at", "-id")
        .values_list("dedup_key", flat=True)
        .first()
    )
    return {"In-Reply-To": latest, "References": latest} if latest else {}


def case_reply_address(case: Case) -> str:
    """The case's own reply address: ``CASEWORK_EMAIL_REPLY_TO`` plus-addressed with its
    number (``support+cw-000042@example.com``), which the email parse reads back
    (``casework.channels.email.parse.case_address_number``); "" when the setting is empty."""
    local, _, domain = settings.CASEWORK_EMAIL_REPLY_TO.rpartition("@")
    return f"{local}+{case.number.lower()}@{domain}" if local and domain else ""


def notification_message(event: CaseEvent) -> EmailMessage:
    """The mail telling the addresses recorded on ``event`` what it says. Every one carries
    the loop header and, when ``CASEWORK_EMAIL_REPLY_TO`` is set, the case's reply address;
    automatic ones say so (RFC 3834 ``Auto-Submitted``), a person's reply does not, and is
    threaded on the customer's own mail."""
    case = event.case
    subject, lines = _content(event)
    headers = {
        "Message-ID": _message_id(event),
        "Date": formatdate(localtime=False),
        "X-Casework-Case": header_safe(case.number),
        LOOP_HEADER: "1",
    }
    if event.kind == "message":
        headers |= _thread_headers(case)
    else:
        headers["Auto-Submitted"] = "auto-generated"
    reply_to = case_reply_address(case)
    return EmailMessage(
        subject=header_safe(f"[{case.number}] {subject}", limit=300),
        body="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=sorted(dict(event.data.get("recipients", {})).values()),
        reply_to=[reply_to] if reply_to else [],
        headers=headers,
    )


def _content(event: CaseEvent) -> tuple[str, list[str]]:
    """(subject without the case number, body lines) for each kind of event people are told."""
    case, data = event.case, event.data
    title = f"Case {case.number}: {header_safe(case.subject)}"
    match event.kind:
        case "warning" | "breach":
            what = "SLA breach" if event.kind == "breach" else "SLA warning"
            clock, due = str(data.get("clock", "")), str(data.get("due_at", ""))
            metric, priority = data.get("metric", ""), data.get("priority", "")
            return f"{what}: {clock} due {due}", [
                f"{what} on case {case.number}: {header_safe(case.subject)}",
                "",
                f"Clock:    {clock} ({metric}, priority {priority})",
                f"Due at:   {due}",
                f"Tier:     {case.tier}",
                f"Status:   {case.status}",
                "",
                "Sent by casework's SLA sweep.",
            ]
        case "priority":
            lines = [
                title,
                "",
                f"Support changed the priority from {data.get('old')} to {data.get('new')}.",
                f"Reason: {data.get('reason', '')}",
            ]
            new_due = {k: v for k, v in dict(data.get("new_due", {})).items() if v}
            if new_due:
                lines += ["", "Due times now:"]
                lines += [f"  {clock}: {due}" for clock, due in sorted(new_due.items())]
            return f"Priority changed to {data.get('new')}", lines
        case "reminder":
            return "Waiting for your reply", [
                title,
                "",
                "We are waiting for information from you to go on with this case.",
                str(data.get("note", "")),
                "",
                "Reply to this case to continue; the clocks are paused while we wait.",
            ]
        case "message":
            reply = case.messages.filter(pk=data.get("message")).first()
            return f"Re: {header_safe(case.subject)}", [
                reply.body if reply is not None else "",
                "",
                f"-- Support, case {case.number}. Reply to this mail to answer; keep "
                f"[{case.number}] in the subject.",
            ]
        case "status":
            return f"Case {str(data.get('new', '')).replace('_', ' ')}", [
                title,
                "",
                str(data.get("note", "")),
            ]
    return event.kind, [title]


@dataclass(frozen=True, slots=True)
class SendOutcome:
    """What one attempt did; ``retry_at`` is set when another attempt should follow."""

    status: str  # sent | failed | gave_up
    attempt: int
    retry_at: datetime | None = None


def notification_send(*, event_id: int, attempt: int, at: datetime) -> SendOutcome:
    """Send the mail of a warning/breach event; append the attempt's outcome to the history.

    An SMTP or network failure is recorded (``notification`` event, ``status: failed``) and
    asks for a retry after ``CASEWORK_NOTIFY_RETRY_SECONDS`` times 2^(attempt-1), until
    ``CASEWORK_NOTIFY_MAX_ATTEMPTS`` attempts have failed (``status: gave_up``).
    """
    event = CaseEvent.objects.select_related("case").get(pk=event_id)
    message = notification_message(event)
    data = {"event": event.pk, "attempt": attempt, "to": message.to}
    data["message_id"] = message.extra_headers["Message-ID"]
    try:
        message.send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as error:
        logger.warning("notification %s attempt %s failed: %s", event.pk, attempt, error)
        last = attempt >= settings.CASEWORK_NOTIFY_MAX_ATTEMPTS
        delay = timedelta(seconds=settings.CASEWORK_NOTIFY_RETRY_SECONDS * 2 ** (attempt - 1))
        outcome = SendOutcome(
            "gave_up" if last else "failed", attempt, None if last else at + delay
        )
        data["error"] = f"{type(error).__name__}: {error}"[:500]
        if outcome.retry_at is not None:
            data["retry_at"] = outcome.retry_at.isoformat()
    else:
        outcome = SendOutcome("sent", attempt)
    with transaction.atomic():
        CaseEvent.objects.create(
            case=event.case,
            kind="notification",
            at=at,
            public=False,
            data={"status": outcome.status, **data},
        )
    return outcome
