"""Reads of the phone channel for the console: who is calling and what their plan's phone
line covers (``/console/calls/new/``, R43, R32, R46), and the billable calls to review (R47)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet

from casework.accounts.models import Contact, Organization
from casework.accounts.selectors import Terms, subscription_terms
from casework.cases.models import Case, Status
from casework.cases.selectors import case_queryset_for_user
from casework.channels.models import BillableReview, PhoneCall
from casework.channels.phone.channel import Caller, caller_match
from casework.policy import Policy

RECENT_REVIEWS = 25
SEARCH_RESULTS = 10
OPEN_CASES = 50

_OTHER_CALLS = {
    "billable": "other calls are flagged billable for a manager's review (R47)",
    "refused": "other calls are not included",
    "allowed": "other calls are included too",
}


def phone_cover(policy: Policy, plan_id: str) -> str:
    """What the plan's phone line covers, in a sentence for the engineer on the call (R45,
    R46; support's own calls never count, R48)."""
    plan = policy.plan(plan_id)
    channel = plan.channels.get("phone")
    if channel is None:
        return (
            f"The {plan.name} plan has no phone line; log the call all the same (a call "
            "support makes never counts against a plan, R48)."
        )
    if channel.priorities is None:
        return f"The {plan.name} plan's phone line covers every priority."
    return (
        f"The {plan.name} plan's phone line covers {', '.join(channel.priorities)} only "
        f"(R46); {_OTHER_CALLS[channel.other_calls]}."
    )


@dataclass(frozen=True, slots=True)
class CallerLookup:
    """Who is calling, as far as the console can tell: the organisation and contact (with
    ``how`` they were found), the terms they are under and what the phone line covers, the
    organisation's open cases and contacts to choose from; or else the contacts a search
    found (``candidates``) and, when nothing matched, what found nobody (``unmatched``)."""

    organization: Organization | None = None
    contact: Contact | None = None
    how: str = ""
    terms: Terms | None = None
    plan_name: str = ""
    cover: str = ""
    open_cases: tuple[Case, ...] = ()
    contacts: tuple[Contact, ...] = ()
    candidates: tuple[Contact, ...] = ()
    unmatched: str = ""


def contacts_search(query: str) -> list[Contact]:
    """Active contacts whose name, username or email address contains every word of
    ``query`` (case-insensitive), by organisation then name; at most ``SEARCH_RESULTS``."""
    contacts = Contact.objects.select_related("user", "organization").filter(user__is_active=True)
    for word in query.split()[:5]:
        contacts = contacts.filter(
            Q(user__first_name__icontains=word) | Q(user__last_name__icontains=word)
            | Q(user__email__icontains=word) | Q(user__username__icontains=word)
        )  # fmt: skip
    order = ("organization__name", "user__last_name", "user__first_name", "user__username")
    return list(contacts.order_by(*order)[:SEARCH_RESULTS])


def _found(
    *, number: str, dialled: str, organization: Organization | None, contact: Contact | None
) -> tuple[Caller | None, str]:
    """(the caller, how they were found): chosen by hand first, then the dedicated number
    dialled (R32), then the caller id."""
    if contact is not None:
        return Caller(contact.organization, contact), "chosen by hand"
    if organization is not None:
        return Caller(organization, None), "chosen by hand"
    caller = caller_match(number=number, dialled=dialled)
    if caller is None:
        return None, ""
    if dialled and caller.organization.dedicated_phone == dialled:
        return caller, f"called their dedicated number {dialled} (R32)"
    return caller, f"caller id {number}"


def caller_lookup(
    user: User, *, number: str, dialled: str, query: str,
    organization: Organization | None, contact: Contact | None, at: datetime,
) -> CallerLookup:  # fmt: skip
    """Who is calling (numbers E.164 or ""; ``organization`` and ``contact`` as chosen by
    hand), with everything the console's call form shows about them at ``at``; the open
    cases are those ``user`` may see."""
    caller, how = _found(number=number, dialled=dialled, organization=organization,
                         contact=contact)  # fmt: skip
    if caller is None:
        candidates = tuple(contacts_search(query)) if query.strip() else ()
        asked = " or ".join(filter(None, [number, dialled, query.strip() and f"“{query.strip()}”"]))
        unmatched = f"Nobody is known by {asked}." if asked and not candidates else ""
        return CallerLookup(candidates=candidates, unmatched=unmatched)
    org = caller.organization
    terms = subscription_terms(org.pk, at=at)
    cases = (
        case_queryset_for_user(user).filter(organization=org)
        .exclude(status__in=(Status.RESOLVED, Status.CLOSED))
        .order_by("-created_at", "-pk")[:OPEN_CASES]
    )  # fmt: skip
    contacts = Contact.objects.select_related("user").filter(organization=org,
                                                              user__is_active=True)  # fmt: skip
    return CallerLookup(
        organization=org, contact=caller.contact, how=how, terms=terms,
        plan_name=terms.policy.plan(terms.subscription.plan_id).name if terms else "",
        cover=phone_cover(terms.policy, terms.subscription.plan_id) if terms else "",
        open_cases=tuple(cases),
        contacts=tuple(contacts.order_by("user__last_name", "user__first_name", "user__username")),
    )  # fmt: skip


def _calls() -> QuerySet[PhoneCall]:
    return PhoneCall.objects.select_related("case__organization", "reviewed_by")


def billable_calls_pending() -> list[PhoneCall]:
    """Billable calls waiting for a manager, oldest first (R47)."""
    return list(_calls().filter(review=BillableReview.PENDING).order_by("started_at", "pk"))


def billable_calls_reviewed() -> list[PhoneCall]:
    """The latest reviewed billable calls, newest decision first."""
    reviewed = _calls().filter(review__in=(BillableReview.APPROVED, BillableReview.WAIVED))
    return list(reviewed.order_by("-reviewed_at", "-pk")[:RECENT_REVIEWS])


def billable_call_get(pk: int) -> PhoneCall | None:
    """One recorded call by id, or None."""
    return _calls().filter(pk=pk).first()
