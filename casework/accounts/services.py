"""Writes of accounts: organisations and their subscription, people, API tokens.

Several callers share these (the CLI, the admin, the API to come), so the services validate
what they are given and raise ``casework.api.errors.FieldError`` naming the field: the API
answers it as a 422, the commands print its message. Each service is atomic.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from casework.accounts.models import (
    CONTACT,
    TIERED_ROLES,
    TOKEN_PREFIX,
    TOKEN_PREFIX_LENGTH,
    USER_ROLES,
    ApiToken,
    CaseVisibility,
    Contact,
    ContactRole,
    EmergencyContact,
    LoginLink,
    Organization,
    Product,
    ServiceAccount,
    StaffProfile,
    StaffRole,
    Subscription,
    Tier,
    token_digest,
)
from casework.accounts.selectors import token_find, user_has_role
from casework.accounts.validators import phone_normalise, sla_overlay_problem
from casework.api.errors import FieldError
from casework.policies.models import PolicyVersion
from casework.policies.selectors import StoredPolicy, policy_get, policy_ids
from casework.policy import UnknownIdError
from casework.policy.overlay import apply_overlay

# last_used_at is written at most this often per token, so a busy client costs no write per
# request (and on SQLite no write lock per request).
TOKEN_LAST_USED_EVERY = timedelta(minutes=1)


def _full_clean(obj: models.Model, *, exclude: list[str] | None = None, field: str) -> None:
    """Run the model's validators; the first problem becomes a FieldError.

    ``field`` names the input blamed for errors that belong to no single field (constraints).
    """
    try:
        obj.full_clean(exclude=exclude)
    except ValidationError as error:
        name, messages = next(iter(error.message_dict.items()))
        raise FieldError(field if name == NON_FIELD_ERRORS else name, messages[0]) from None


def subscription_validate(
    *,
    policy_id: str,
    plan_id: str,
    policy_version: int | None = None,
    sla_overlay: dict[str, Any] | None = None,
) -> StoredPolicy:
    """Check that the policy (at ``policy_version``) and its plan exist and the overlay fits.

    Returns the stored policy. Raises ``FieldError`` on ``policy``, ``policy_version``,
    ``plan`` or ``sla_overlay.<priority>.<metric>``, naming the choices where there are some.
    """
    try:
        stored = policy_get(policy_id, version=policy_version)
    except PolicyVersion.DoesNotExist:
        loaded = policy_ids()
        if policy_id in loaded:
            raise FieldError(
                "policy_version", f"policy {policy_id!r} has no version {policy_version}"
            ) from None
        choices = f"expected one of: {', '.join(loaded)}" if loaded else "no policy is loaded"
        raise FieldError("policy", f"unknown policy {policy_id!r}; {choices}") from None
    try:
        stored.policy.plan(plan_id)
    except UnknownIdError as error:
        raise FieldError("plan", str(error)) from None
    _check_overlay(sla_overlay or {}, stored, plan_id)
    return stored


def _check_overlay(overlay: dict[str, Any], stored: StoredPolicy, plan_id: str) -> None:
    # R26: an enhanced-SLA overlay may only name the policy's priorities and known metrics,
    # and the plan must be able to take each figure (an elevation needs a tier to go to).
    problem = sla_overlay_problem(overlay)
    if problem is not None:
        raise FieldError(*problem)
    for priority in overlay:
        try:
            stored.policy.priority(priority)
        except UnknownIdError as error:
            raise FieldError(f"sla_overlay.{priority}", str(error)) from None
    try:
        apply_overlay(stored.policy, plan_id, overlay)
    except ValueError as error:
        field, _, message = str(error).partition(": ")
        raise FieldError(field, message) from None


@transaction.atomic
def subscription_set(
    *,
    organization: Organization,
    policy_id: str,
    plan_id: str,
    effective_from: datetime,
    policy_version: int | None = None,
    sla_overlay: dict[str, Any] | None = None,
) -> Subscription:
    """Put ``organization`` on ``plan_id`` of ``policy_id`` from ``effective_from`` on.

    Validates as :func:`subscription_validate` does. The subscription running until then is
    closed at ``effective_from``; a start not after the latest subscription's start is
    refused (``effective_from``), so periods never overlap. ``policy_version`` pins a
    version; None follows the latest. ``sla_overlay`` is the R26 enhanced SLA.
    """
    subscription_validate(
        policy_id=policy_id,
        plan_id=plan_id,
        policy_version=policy_version,
        sla_overlay=sla_overlay,
    )
    # Lock the organisation so two concurrent switches cannot both close the same period.
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    latest = organization.subscriptions.order_by("-effective_from").first()
    if latest is not None:
        if effective_from <= latest.effective_from:
            raise FieldError(
                "effective_from",
                f"must be after the start of the latest subscription "
                f"({latest.effective_from.isoformat()})",
            )
        if latest.effective_to is None or latest.effective_to > effective_from:
            latest.effective_to = effective_from
            latest.save(update_fields=["effective_to"])
    return Subscription.objects.create(
        organization=organization,
        policy_id=policy_id,
        plan_id=plan_id,
        policy_version=policy_version,
        effective_from=effective_from,
        sla_overlay=sla_overlay or {},
    )


def _unique_slug(name: str) -> str:
    base = slugify(name)[:190] or "organization"
    slug, n = base, 1
    while Organization.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def organization_create(
    *,
    name: str,
    policy_id: str,
    plan_id: str,
    time_zone: str = "UTC",
    hosting_region: str = "",
    case_visibility: str = CaseVisibility.ACCOUNT,
    effective_from: datetime | None = None,
) -> Organization:
    """Create a customer organisation subscribed to ``plan_id`` of ``policy_id``.

    The subscription starts at ``effective_from`` (default: now) and follows the policy's
    latest version. Raises ``FieldError`` on ``name`` (empty or taken), ``time_zone``,
    ``case_visibility``, ``policy`` or ``plan``; nothing is stored then.
    """
    name = name.strip()
    organization = Organization(
        name=name,
        slug=_unique_slug(name),
        time_zone=time_zone,
        hosting_region=hosting_region,
        case_visibility=case_visibility,
    )
    _full_clean(organization, field="name")
    organization.save()
    subscription_set(
        organization=organization,
        policy_id=policy_id,
        plan_id=plan_id,
        effective_from=effective_from or timezone.now(),
    )
    return organization


@transaction.atomic
def service_account_create(
    *,
    organization: Organization,
    name: str,
    external_id: str = "",
    time_zone: str | None = None,
    hosting_region: str | None = None,
) -> ServiceAccount:
    """Add a product account or site to ``organization``.

    Its time zone and hosting region default to the organisation's. Raises ``FieldError``
    on ``name`` or ``external_id`` (taken in this organisation) or ``time_zone``.
    """
    account = ServiceAccount(
        organization=organization,
        name=name.strip(),
        external_id=external_id.strip(),
        time_zone=time_zone or organization.time_zone,
        hosting_region=organization.hosting_region if hosting_region is None else hosting_region,
    )
    _full_clean(account, field="external_id")
    account.save()
    return account


@transaction.atomic
def product_create(*, name: str, end_of_support: date | None = None) -> Product:
    """Add a product, with its end-of-support date if it has one (R12).

    Raises ``FieldError`` on ``name`` (empty or taken).
    """
    product = Product(name=name.strip(), end_of_support=end_of_support)
    _full_clean(product, field="name")
    product.save()
    return product


@transaction.atomic
def emergency_contact_create(
    *, organization: Organization, email: str, name: str = "", is_distribution_list: bool = False
) -> EmergencyContact:
    """Add an emergency-contact address to ``organization`` (R28; a list is recommended).

    Raises ``FieldError`` on ``email`` when it is malformed or already listed.
    """
    contact = EmergencyContact(
        organization=organization,
        email=email.strip(),
        name=name.strip(),
        is_distribution_list=is_distribution_list,
    )
    _full_clean(contact, field="email")
    contact.save()
    return contact


def _check_user_role(
    *, role: str, organization: Organization | None, tier: str | None, contact_role: str
) -> None:
    if role not in USER_ROLES:
        raise FieldError("role", f"unknown role {role!r}; expected one of: {', '.join(USER_ROLES)}")
    if role == CONTACT:
        if organization is None:
            raise FieldError("organization", "a contact needs the organization it belongs to")
        if tier is not None:
            raise FieldError("tier", "only staff have a tier; a contact has none")
        if contact_role not in ContactRole.values:
            choices = ", ".join(ContactRole.values)
            raise FieldError("contact_role", f"unknown contact role {contact_role!r}; {choices}")
        return
    if organization is not None:
        raise FieldError("organization", f"{role} is a staff role; only contacts have one")
    if tier is not None and tier not in Tier.values:
        choices = ", ".join(Tier.values)
        raise FieldError("tier", f"unknown tier {tier!r}; expected one of: {choices}")


@transaction.atomic
def user_create(
    *,
    username: str,
    email: str,
    role: str,
    organization: Organization | None = None,
    tier: str | None = None,
    contact_role: str = ContactRole.USER,
    password: str | None = None,
    phone: str = "",
) -> User:
    """Create a login with its role: a contact of ``organization``, or staff.

    ``role`` is ``contact`` or a staff role (``engineer``, ``lead``, ``manager``, ``tam``,
    ``csm``, ``noc``, ``pm``, ``admin``). Contacts need an organisation and get
    ``is_staff=False``; staff have none, get ``is_staff=True`` (the admin site), and
    ``admin`` is a superuser. Engineers and leads start at tier L1 unless ``tier`` says
    otherwise. Without a ``password`` the login cannot sign in with one (tokens only).
    Raises ``FieldError`` on ``role``, ``organization``, ``tier``, ``contact_role``,
    ``username`` (malformed or taken), ``email`` or ``phone`` (a contact's caller id,
    E.164 once normalised, matched by phone intake, R43).
    """
    _check_user_role(role=role, organization=organization, tier=tier, contact_role=contact_role)
    number = phone_normalise(phone) if phone else ""
    if number is None:
        raise FieldError("phone", f"{phone!r} is not an international (E.164) number such as +1…")
    if number and organization is None:
        raise FieldError("phone", "only contacts have a caller id")
    user = User(
        username=username,
        email=email.strip(),
        is_staff=role != CONTACT,
        is_superuser=role == StaffRole.ADMIN,
    )
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    _full_clean(user, exclude=["password"], field="username")
    if not user.email:
        raise FieldError("email", "an email address is required")
    user.save()
    if organization is not None:  # a contact: _check_user_role allows no other case
        Contact.objects.create(
            user=user, organization=organization, role=contact_role, phone=number
        )
    else:
        if tier is None and role in TIERED_ROLES:
            tier = Tier.L1
        StaffProfile.objects.create(user=user, role=role, tier=tier)
    return user


@transaction.atomic
def token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Make an API token for ``user``; returns the row and the token, shown this once.

    The token is ``cw_`` and 43 URL-safe characters (256 random bits); only its SHA-256 and
    its first 8 characters are stored.
    """
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip() or "token",
        prefix=plaintext[:TOKEN_PREFIX_LENGTH],
        token_hash=token_digest(plaintext),
    )
    return token, plaintext


@transaction.atomic
def token_revoke(*, token: ApiToken, at: datetime | None = None) -> ApiToken:
    """Revoke ``token`` from ``at`` (default: now); it never authenticates again.

    Revoking a revoked token keeps its first revocation time.
    """
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=at or timezone.now()
    )
    token.refresh_from_db(fields=["revoked_at"])
    return token


def token_authenticate(plaintext: str, *, at: datetime | None = None) -> User | None:
    """The active user a bearer token belongs to, or None.

    None for an unknown or revoked token, an inactive user, or a user with no role (neither
    contact nor staff). Records the use in ``last_used_at`` at most once a minute
    (:data:`TOKEN_LAST_USED_EVERY`) with one conditional UPDATE, deliberately outside a
    transaction: on SQLite an atomic block takes the write lock at BEGIN, on every request.
    """
    token = token_find(plaintext)
    if token is None or token.is_revoked:
        return None
    user = token.user
    if not user.is_active or not user_has_role(user):
        return None
    now = at or timezone.now()
    stale = now - TOKEN_LAST_USED_EVERY
    if token.last_used_at is None or token.last_used_at <= stale:
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale)
        ).update(last_used_at=now)
    return user


def login_link_create(*, user: User, at: datetime) -> str:
    """Make a one-time sign-in link token for ``user``, valid ``CASEWORK_LOGIN_LINK_SECONDS``
    from ``at``; returns the token (only its SHA-256 is stored). Earlier unused links of the
    user stop working: only the newest mailed link signs in."""
    plaintext = secrets.token_urlsafe(32)
    LoginLink.objects.filter(user=user, used_at__isnull=True).update(used_at=at)
    LoginLink.objects.create(
        user=user,
        token_hash=token_digest(plaintext),
        created_at=at,
        expires_at=at + timedelta(seconds=settings.CASEWORK_LOGIN_LINK_SECONDS),
    )
    return plaintext


def login_link_use(plaintext: str, *, at: datetime) -> User | None:
    """The active user a still-valid link token signs in, using the link up; None for an
    unknown, used or expired token (one conditional UPDATE: two clicks sign in once)."""
    digest = token_digest(plaintext)
    used = LoginLink.objects.filter(
        token_hash=digest, used_at__isnull=True, expires_at__gt=at, user__is_active=True
    ).update(used_at=at)
    if not used:
        return None
    return LoginLink.objects.select_related("user").get(token_hash=digest).user
