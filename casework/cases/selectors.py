"""Reads of cases, always scoped to who is asking: the only door to customer cases.

A contact reaches its own organisation's cases (all of them, or only those it requested, as
the organisation's visibility setting says, R30); staff reach every case. Anything outside
that answers ``Case.DoesNotExist``, which the API turns into a 404, never a 403, so an
outsider cannot even learn that a case exists.
"""

from __future__ import annotations

import binascii
from base64 import urlsafe_b64decode, urlsafe_b64encode
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from casework.accounts.selectors import contact_sees_all_cases, user_organization
from casework.cases.clocks import case_clock_policy
from casework.cases.errors import CaseInputError, TransitionRefusedError
from casework.cases.history import engine_events
from casework.cases.models import Attachment, Case, CaseEvent, Clock, Message
from casework.cases.search import case_search
from casework.lib.clockview import METRIC_NAMES
from casework.policy import ClockState, Event, Policy, compute_clocks


def case_queryset_for_user(user: User) -> QuerySet[Case]:
    """Every case ``user`` may see."""
    organization = user_organization(user)
    cases = Case.objects.select_related("organization")
    if organization is None:
        return cases
    cases = cases.filter(organization=organization)
    if not contact_sees_all_cases(user.contact):
        cases = cases.filter(requester=user)
    return cases


def case_get_for_user(user: User, case_id: int) -> Case:
    """The case ``case_id`` if ``user`` may see it; ``Case.DoesNotExist`` otherwise."""
    return case_queryset_for_user(user).get(pk=case_id)


@dataclass(frozen=True, slots=True)
class CaseFilters:
    """List filters (all optional)."""

    status: str | None = None
    priority: str | None = None
    tier: str | None = None
    organization: int | None = None
    assignee: int | None = None
    breached: bool | None = None
    at_risk: bool | None = None
    q: str | None = None
    statuses: frozenset[str] | None = None  # any of these (the portal's open / closed)
    unassigned: bool | None = None
    plan: str | None = None
    product: int | None = None


_FILTER_LOOKUPS = (
    ("status", "status"),
    ("statuses", "status__in"),
    ("priority", "priority"),
    ("tier", "tier"),
    ("plan", "plan"),
)


def _encode_cursor(case: Case) -> str:
    due = case.next_due_at.isoformat() if case.next_due_at else "-"
    return urlsafe_b64encode(f"{due}|{case.pk}".encode()).decode().rstrip("=")


def _cursor_after(cases: QuerySet[Case], cursor: str) -> QuerySet[Case]:
    try:
        text = urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError) as error:
        raise ValueError("malformed cursor") from error
    due_text, _, id_text = text.partition("|")
    last_id = int(id_text)
    if due_text == "-":
        return cases.filter(next_due_at__isnull=True, pk__gt=last_id)
    due = datetime.fromisoformat(due_text)
    return cases.filter(
        Q(next_due_at__gt=due) | Q(next_due_at=due, pk__gt=last_id) | Q(next_due_at__isnull=True)
    )


def _at_risk(at: datetime) -> Exists:
    """A running clock past its warning instant and not yet due (so not yet breached)."""
    return Exists(
        Clock.objects.filter(case=OuterRef("pk"), state="running", warn_at__lte=at, due_at__gt=at)
    )


def _id_filters(cases: QuerySet[Case], filters: CaseFilters) -> QuerySet[Case]:
    """The filters by related row: organisation, product, assignee, or none assigned."""
    for field in ("organization", "product", "assignee"):
        value = getattr(filters, field)
        if value is not None:
            cases = cases.filter(**{f"{field}_id": value})
    if filters.unassigned is not None:
        cases = cases.filter(assignee__isnull=filters.unassigned)
    return cases


def case_list_for_user(
    user: User,
    *,
    filters: CaseFilters,
    cursor: str | None = None,
    limit: int = 50,
    at: datetime | None = None,
) -> tuple[list[Case], str | None]:
    """A page of the cases ``user`` may see, next due first (keyset pagination: the cost of
    a page does not grow with how far into the list it is). Returns (cases, next cursor).

    ``q`` searches subjects, descriptions and messages through the full-text index
    (``casework.cases.search``); contacts' searches leave internal notes out. ``at_risk``
    is judged at ``at`` (default: now).

    ``cursor`` must come from a previous page; a malformed one raises ``ValueError``."""
    cases = case_queryset_for_user(user)
    if filters.q is not None and filters.q.strip():
        cases = case_search(cases, filters.q, internal=user_organization(user) is None)
    if filters.at_risk is not None:
        risk = _at_risk(at or timezone.now())
        cases = cases.filter(risk if filters.at_risk else ~risk)
    for field, lookup in _FILTER_LOOKUPS:
        value = getattr(filters, field)
        if value is not None:
            cases = cases.filter(**{lookup: value})
    cases = _id_filters(cases, filters)
    if filters.breached is not None:
        breached = Q(clocks__state="breached")
        cases = cases.filter(breached).distinct() if filters.breached else cases.exclude(breached)
    if cursor:
        cases = _cursor_after(cases, cursor)
    page = list(
        cases.order_by(F("next_due_at").asc(nulls_last=True), "pk").prefetch_related("clocks")[
            : limit + 1
        ]
    )
    if len(page) <= limit:
        return page, None
    return page[:limit], _encode_cursor(page[limit - 1])


def case_events_for_user(user: User, case: Case) -> QuerySet[CaseEvent]:
    """The case's history as ``user`` may read it: contacts see the public events only."""
    events = case.events.select_related("actor").order_by("at", "pk")
    if user_organization(user) is not None:
        events = events.filter(public=True)
    return events


# -- the agent console ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DueChange:
    """One open clock's due time now (``old_due``) and after a reclassification (``new_due``);
    ``None`` where the clock has no due time, or does not exist, on that side."""

    key: str
    name: str
    old_due: datetime | None
    new_due: datetime | None


def case_reclassify_preview(case: Case, *, priority: str, at: datetime) -> list[DueChange]:
    """What reclassifying ``case`` to ``priority`` at ``at`` would do to each running or paused
    clock, computed as ``case_reclassify`` does it (every clock from its original start, G13,
    R53–R55) without writing anything.

    Validates as the service does, so the preview refuses what the confirmation would: raises
    ``CaseInputError`` on ``priority`` (unknown, or not for the case's environment, R50) and
    ``TransitionRefusedError`` when the case already has that priority."""
    policy = case_clock_policy(case)
    if priority not in policy.enabled_priorities():
        raise CaseInputError("priority", f"unknown priority {priority!r}")
    wanted = policy.priorities[priority]
    if case.environment not in wanted.environments:  # R50
        raise CaseInputError(
            "priority", f"{wanted.name} is only for {' and '.join(wanted.environments)}"
        )
    if priority == case.priority:
        raise TransitionRefusedError(f"the case is already {wanted.name}")
    before, after = case_clocks_reclassified(case, policy=policy, priority=priority, at=at)
    old = {c.key: c for c in before if c.state in _OPEN_CLOCK_STATES}
    new = {c.key: c for c in after if c.state in _OPEN_CLOCK_STATES}
    return [
        DueChange(
            key=key,
            name=METRIC_NAMES.get(key.partition("#")[0], key),
            old_due=old[key].due_at if key in old else None,
            new_due=new[key].due_at if key in new else None,
        )
        for key in sorted({*old, *new})
    ]


_OPEN_CLOCK_STATES = frozenset({"running", "paused"})


def case_clocks_reclassified(
    case: Case, *, policy: Policy, priority: str, at: datetime
) -> tuple[list[ClockState], list[ClockState]]:
    """The case's clocks at ``at`` as they are and as they would be with ``priority`` from
    ``at`` on (each clock from its original start, G13): what the preview shows and what
    ``case_reclassify`` records. ``policy``: the case's clock policy."""
    events = engine_events(case.events.order_by("at", "id"))
    zone = case.account_timezone or None
    before = compute_clocks(policy, case.plan, events, at, account_timezone=zone)
    changed = [*events, Event("priority", at, priority=priority)]
    after = compute_clocks(policy, case.plan, changed, at, account_timezone=zone)
    return before, after


def case_conversation(case: Case) -> QuerySet[Message]:
    """Every message of the case, oldest first, with its author and attachments (staff read
    internal notes too; the portal has its own, public, read)."""
    return (
        case.messages.select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    )


def case_loose_attachments(case: Case) -> QuerySet[Attachment]:
    """The case's attachments that belong to no message, oldest first."""
    return case.attachments.filter(message__isnull=True).order_by("created_at", "pk")


def attachment_get_for_user(user: User, attachment_id: int) -> Attachment:
    """The attachment if ``user`` may see its case (and, for a contact, its message: not an
    internal note's); ``Attachment.DoesNotExist`` otherwise."""
    attachments = Attachment.objects.filter(pk=attachment_id, case__in=case_queryset_for_user(user))
    if user_organization(user) is not None:
        attachments = attachments.exclude(message__public=False)
    return attachments.get()


def staff_assignees() -> QuerySet[User]:
    """Support staff a case can be assigned to, by username."""
    return User.objects.filter(staff_profile__isnull=False, is_active=True).order_by("username")


def case_get_for_console(user: User, case_id: int) -> Case:
    """The case for the console's case page, with its organisation's account team, product,
    assignee and requester in the same query; ``Case.DoesNotExist`` as
    :func:`case_get_for_user`. Its clocks are not prefetched: a service that refreshes them
    twice in one call (a call resolved on the phone) must read the rows it wrote."""
    return (
        case_queryset_for_user(user)
        .select_related(
            "organization__tam",
            "organization__csm",
            "organization__executive_sponsor",
            "product",
            "assignee",
            "requester",
        )
        .get(pk=case_id)
    )
