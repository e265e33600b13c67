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
from casework.cases.models import Attachment, Case, CaseEvent, Clock
from casework.cases.search import case_search


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


_FILTER_LOOKUPS = (
    ("status", "status"),
    ("statuses", "status__in"),
    ("priority", "priority"),
    ("tier", "tier"),
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
    if filters.organization is not None:
        cases = cases.filter(organization_id=filters.organization)
    if filters.assignee is not None:
        cases = cases.filter(assignee_id=filters.assignee)
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


def attachment_get_for_user(user: User, attachment_id: int) -> Attachment:
    """The attachment if ``user`` may see its case and, for a contact, its message (never one
    of an internal note); ``Attachment.DoesNotExist`` otherwise."""
    attachments = Attachment.objects.filter(pk=attachment_id, case__in=case_queryset_for_user(user))
    if user_organization(user) is not None:
        attachments = attachments.exclude(message__public=False)
    return attachments.get()
