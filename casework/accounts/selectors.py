"""Reads of accounts: subscriptions, onboarding, and the access helpers every app uses.

The access helpers :func:`user_organization` and :func:`user_role` are the one place that
says whose data a user may reach. The cases app's selectors (``case_get_for_user`` and the
list selectors) will filter by ``user_organization(user)``: a contact only ever sees rows of
its own organisation, and any other organisation's object answers 404, exactly as if it did
not exist (SPEC §4 "Authentication"; STYLE house rule 3). ``None`` means staff, who are not
limited to one organisation; what each staff role may *do* is decided by ``user_role``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from casework.accounts.models import (
    CONTACT,
    TOKEN_PREFIX,
    ApiToken,
    CaseVisibility,
    Contact,
    ContactRole,
    Organization,
    StaffProfile,
    StaffRole,
    Subscription,
    token_digest,
)
from casework.lib.prepared import Param, PreparedQuery
from casework.policies.models import PolicyVersion
from casework.policies.selectors import StoredPolicy, policy_get, policy_parsed
from casework.policy import Policy


class NoRoleError(PermissionDenied):
    """A user who is neither a contact nor staff: they may reach nothing."""


def subscription_current(organization: Organization, *, at: datetime) -> Subscription | None:
    """The subscription in effect at ``at``: started at or before it and not yet ended.

    Periods never overlap (``subscription_set`` ends the previous one), so only the latest
    one started by ``at`` can be in effect."""
    latest = (
        Subscription.objects.filter(organization_id=organization.pk, effective_from__lte=at)
        .order_by("-effective_from")
        .first()
    )
    if latest is None or (latest.effective_to is not None and latest.effective_to <= at):
        return None
    latest.organization = organization
    return latest


_MAX_VERSION = 2**31 - 1  # PositiveIntegerField's ceiling


@dataclass(frozen=True, slots=True)
class Terms:
    """What a case is opened under: the subscription in effect (with its organisation), the
    policy version it runs under (pinned, else the latest loaded) and that version's policy."""

    subscription: Subscription
    policy_version: int
    policy: Policy
    policy_pk: int
    policy_sha256: str


def _latest_subscription_with_version_in_force() -> models.QuerySet[Subscription]:
    """The latest subscription of ``org`` started by ``at``, with its organisation and the
    policy version in force: the pinned one when ``policy_version`` is set, else the latest;
    both are "the highest version between coalesce(pinned, 0) and coalesce(pinned, max)"."""
    in_force = PolicyVersion.objects.filter(
        policy_id=OuterRef("policy_id"),
        version__gte=Coalesce(OuterRef("policy_version"), Value(0)),
        version__lte=Coalesce(OuterRef("policy_version"), Value(_MAX_VERSION)),
    ).order_by("-version")
    return (
        Subscription.objects.select_related("organization")
        .filter(
            organization_id=Param("org", models.BigIntegerField()),
            effective_from__lte=Param("at", models.DateTimeField()),
        )
        .annotate(
            in_force_pk=Subquery(in_force.values("pk")[:1]),
            in_force_version=Subquery(in_force.values("version")[:1]),
            in_force_sha256=Subquery(in_force.values("sha256")[:1]),
        )
        .order_by("-effective_from")[:1]
    )


# Compiled once: building this query's SQL cost more than running it (docs/benchmarks.md).
_TERMS = PreparedQuery(_latest_subscription_with_version_in_force)


def subscription_terms(organization_id: int, *, at: datetime) -> Terms | None:
    """The :class:`Terms` in effect at ``at`` for an organisation, in one query; None when it
    has no subscription then (or no such organisation). Raises ``PolicyVersion.DoesNotExist``
    when the policy has no loaded version (only a hand-edited database gets there)."""
    latest = _TERMS.first(org=organization_id, at=at)
    if latest is None or (latest.effective_to is not None and latest.effective_to <= at):
        return None
    pk, version, sha256 = latest.in_force_pk, latest.in_force_version, latest.in_force_sha256  # type: ignore[attr-defined]
    if pk is None:
        raise PolicyVersion.DoesNotExist(f"policy {latest.policy_id!r} has no loaded version")
    return Terms(latest, version, policy_parsed(pk=pk, sha256=sha256), pk, sha256)


def subscription_policy(subscription: Subscription) -> StoredPolicy:
    """The stored policy a subscription runs under: its pinned version, or the latest.

    Raises ``PolicyVersion.DoesNotExist`` if that version is gone (versions are never
    deleted, so only a hand-edited database gets there)."""
    return policy_get(subscription.policy_id, version=subscription.policy_version)


def organization_get_by_name(name: str) -> Organization:
    """The organisation called ``name``; ``Organization.DoesNotExist`` if there is none."""
    return Organization.objects.get(name=name)


def organization_onboarding_problems(
    organization: Organization, *, at: datetime | None = None
) -> list[str]:
    """Why ``organization`` is not fully onboarded at ``at`` (default: now); empty when it is.

    R28: at least one emergency-contact email. And a plan subscription in effect, since
    without one no case has targets.
    """
    at = at or timezone.now()
    problems = []
    if subscription_current(organization, at=at) is None:
        problems.append("no plan subscription is in effect")
    if not organization.emergency_contacts.exists():
        problems.append("no emergency contact email (R28: at least one is required)")
    return problems


def _contact(user: User) -> Contact | None:
    try:
        return user.contact
    except Contact.DoesNotExist:
        return None


def _staff_profile(user: User) -> StaffProfile | None:
    try:
        return user.staff_profile
    except StaffProfile.DoesNotExist:
        return None


def user_role(user: User) -> str:
    """``"contact"`` for a customer contact, else the staff role (``engineer``, ``admin``…).

    A superuser without a staff profile (made by ``createsuperuser``) counts as ``admin``.
    Anyone else has no role and raises :class:`NoRoleError`.
    """
    if _contact(user) is not None:
        return CONTACT
    profile = _staff_profile(user)
    if profile is not None:
        return profile.role
    if user.is_superuser:
        return StaffRole.ADMIN.value
    raise NoRoleError(f"user {user.username!r} is neither a contact nor staff")


def user_has_role(user: User) -> bool:
    """True when :func:`user_role` has an answer for ``user``."""
    try:
        user_role(user)
    except NoRoleError:
        return False
    return True


def user_organization(user: User) -> Organization | None:
    """The organisation a contact belongs to, or None for staff (not limited to one).

    Scoped selectors filter by it, so a contact reaches only its organisation's data and gets
    a 404 for anyone else's. A user who is neither raises :class:`NoRoleError` rather than
    answer None, which would read as "staff".
    """
    contact = _contact(user)
    if contact is not None:
        return contact.organization
    user_role(user)  # raises NoRoleError for a user with no role at all
    return None


def contact_sees_all_cases(contact: Contact) -> bool:
    """True when ``contact`` sees all of the organisation's cases, not only its own (R30).

    The organisation's ``case_visibility`` widens from its administrators (``account``) to
    administrators and managers (``managers_only``) to every contact (``everyone``).
    """
    match contact.organization.case_visibility:
        case CaseVisibility.EVERYONE:
            return True
        case CaseVisibility.MANAGERS_ONLY:
            return contact.role in {ContactRole.ADMINISTRATOR, ContactRole.MANAGER}
        case _:
            return contact.role == ContactRole.ADMINISTRATOR


def contact_role_may_open_cases(contact: Contact, *, policy: Policy) -> bool:
    """True when the policy lets a contact with this role open cases (R27, G28).

    ``rules.case_opening.contact_roles`` null means any contact. The plan entitlement that
    the LivePerson pack also asks for is :func:`plan_entitles_case_opening`.
    """
    roles = policy.rules.case_opening.contact_roles
    return roles is None or contact.role in roles


def plan_entitles_case_opening(*, policy: Policy, plan_id: str) -> bool:
    """True unless the policy lets only entitled plans open tickets and this plan is not one
    (R27: a LivePerson account needs a Customer Success package, whose plan includes the
    ticket channel, ``portal``)."""
    if not policy.rules.case_opening.requires_entitlement:
        return True
    plan = policy.plans.get(plan_id)
    return plan is not None and "portal" in plan.channels


# One query answers everything token_authenticate asks: the user and what role it has. It runs
# on every API request, and building its SQL (five joined models) cost more than running it, so
# it is compiled once (docs/benchmarks.md). The hash is unique: no ORDER BY needed.
_TOKEN = PreparedQuery(
    lambda: ApiToken.objects.select_related(
        "user__contact__organization", "user__staff_profile"
    ).filter(token_hash=Param("digest", models.CharField()))
)


def token_find(plaintext: str) -> ApiToken | None:
    """The token whose SHA-256 matches ``plaintext``, with its user and role; else None.

    The lookup compares hashes through the unique index, never the secret itself, so its
    timing says nothing about how much of a guess was right. Revoked tokens are returned
    too: deciding what they may do is the caller's business.
    """
    plaintext = plaintext.strip()
    if not plaintext.startswith(TOKEN_PREFIX):
        return None
    return _TOKEN.first(digest=token_digest(plaintext))


def user_get_by_username(username: str) -> User:
    """The user ``username``; ``User.DoesNotExist`` if there is none."""
    return User.objects.get(username=username)


def token_list_for_user(user: User) -> list[ApiToken]:
    """The user's tokens, newest first, revoked ones included."""
    return list(user.api_tokens.order_by("-created_at"))
