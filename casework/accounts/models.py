"""Customers, people and API tokens.

Logins stay Django's ``auth.User``; what a user *is* hangs off it: a :class:`Contact` (a
customer's person, in one organisation) or a :class:`StaffProfile` (support staff, with a
role and a tier), never both. Reads go through ``selectors.py`` and writes through
``services.py``; the models hold tables, constraints and trivial properties only.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, time
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from casework.accounts.validators import (
    phone_normalise,
    validate_phone,
    validate_sla_overlay,
    validate_time_zone,
)


class CaseVisibility(models.TextChoices):
    """Which contacts see *all* of their organisation's cases (R30); the rest see their own.

    From narrowest to widest: the account's administrators; administrators and managers;
    every contact. ``casework.accounts.selectors.contact_sees_all_cases`` decides it.
    """

    ACCOUNT = "account", "Account administrators"
    MANAGERS_ONLY = "managers_only", "Administrators and managers"
    EVERYONE = "everyone", "All users"


class Organization(models.Model):
    """A customer: the organisation whose contacts open cases under its plan subscription.

    ``time_zone`` is the account's IANA zone, used where a policy counts business time in the
    account's zone (G2); ``case_visibility`` is the customer's R30 setting.
    """

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True)
    time_zone = models.CharField(
        max_length=64, default="UTC", validators=[validate_time_zone], help_text="IANA name."
    )
    hosting_region = models.CharField(
        max_length=64, blank=True, help_text="Where the customer's service is hosted (us, eu…)."
    )
    case_visibility = models.CharField(
        max_length=16, choices=CaseVisibility.choices, default=CaseVisibility.ACCOUNT
    )
    dedicated_phone = models.CharField(
        max_length=32, blank=True, validators=[validate_phone], db_index=True,
        help_text="R32: the White Glove number reserved for this customer (E.164, +…); a "
        "call to it is theirs whoever calls.",
    )  # fmt: skip
    # The account team: the people SLA warnings and breaches name as ``tam``, ``csm``,
    # ``account_team`` and ``executive_sponsor`` (R35, R57, R58); none by default.
    tam = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name="TAM", help_text="Technical account manager.",
    )  # fmt: skip
    csm = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+", verbose_name="CSM", help_text="Customer success manager.",
    )  # fmt: skip
    executive_sponsor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("name",)
        constraints = (
            models.CheckConstraint(
                condition=models.Q(case_visibility__in=CaseVisibility.values),
                name="accounts_organization_case_visibility_known",
            ),
        )

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Store the dedicated number normalised (E.164), so that dialled numbers match it."""
        self.dedicated_phone = phone_normalise(self.dedicated_phone) or self.dedicated_phone
        super().save(*args, **kwargs)


class Subscription(models.Model):
    """An organisation's plan over a period: policy, plan and, optionally, a pinned version.

    ``policy_version`` null means "the latest loaded version of the policy". Periods of one
    organisation do not overlap: :func:`casework.accounts.services.subscription_set` closes the
    open one (``effective_to`` null) when it starts the next, and a partial unique index allows
    one open subscription per organisation. ``sla_overlay`` is the enhanced-SLA overlay of R26,
    ``{priority: {metric: duration}}``; empty means the plan's figures apply unchanged (G21).
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="subscriptions"
    )
    policy_id = models.SlugField(max_length=64)
    plan_id = models.CharField(max_length=64)
    policy_version = models.PositiveIntegerField(
        null=True, blank=True, help_text="Pinned version number; empty follows the latest."
    )
    effective_from = models.DateTimeField()
    effective_to = models.DateTimeField(null=True, blank=True, help_text="Empty: still running.")
    sla_overlay = models.JSONField(
        default=dict,
        blank=True,
        validators=[validate_sla_overlay],
        help_text='Enhanced SLA (R26): {"P1": {"first_response": "15m"}}.',
    )

    class Meta:
        ordering = ("organization", "effective_from")
        constraints = (
            models.UniqueConstraint(
                fields=("organization",),
                condition=models.Q(effective_to__isnull=True),
                name="accounts_one_open_subscription_per_organization",
            ),
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True)
                | models.Q(effective_to__gt=models.F("effective_from")),
                name="accounts_subscription_ends_after_it_starts",
            ),
        )

    def __str__(self) -> str:
        pinned = f" v{self.policy_version}" if self.policy_version else ""
        return f"{self.organization}: {self.policy_id}{pinned} / {self.plan_id}"


class ServiceAccount(models.Model):
    """One of the customer's product accounts or sites, with its own time zone and region."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="service_accounts"
    )
    name = models.CharField(max_length=200)
    external_id = models.CharField(
        max_length=128, blank=True, help_text="The account or site id in the product."
    )
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    hosting_region = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ("organization", "name")
        constraints = (
            models.UniqueConstraint(
                fields=("organization", "name"), name="accounts_service_account_name_unique"
            ),
            models.UniqueConstraint(
                fields=("organization", "external_id"),
                condition=~models.Q(external_id=""),
                name="accounts_service_account_external_id_unique",
            ),
        )

    def __str__(self) -> str:
        return f"{self.organization} / {self.name}"


class Product(models.Model):
    """A product or feature support covers, until its end-of-support date (R12)."""

    name = models.CharField(max_length=200, unique=True)
    end_of_support = models.DateField(
        null=True, blank=True, help_text="From this day (UTC) on, cases about it are out of scope."
    )

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    def is_end_of_support(self, at: datetime) -> bool:
        """True from 00:00 UTC on the end-of-support date on (R12); never without a date."""
        if self.end_of_support is None:
            return False
        return at >= datetime.combine(self.end_of_support, time.min, tzinfo=UTC)


class StaffRole(models.TextChoices):
    """What a member of staff does (SPEC §1)."""

    ENGINEER = "engineer", "Support engineer"
    LEAD = "lead", "Tier lead"
    MANAGER = "manager", "Support manager"
    TAM = "tam", "Technical account manager"
    CSM = "csm", "Customer success manager"
    NOC = "noc", "NOC operator"
    PM = "pm", "Product manager"
    ADMIN = "admin", "Administrator"


class Tier(models.TextChoices):
    """Support levels; the policy's tiers name them the same way."""

    L1 = "L1", "Level 1"
    L2 = "L2", "Level 2"
    L3 = "L3", "Level 3"


# Every role a user can be given (`casework user create --role`): a contact or a staff role.
CONTACT = "contact"
USER_ROLES: tuple[str, ...] = (CONTACT, *StaffRole.values)
# Staff roles that work queues start at Level 1 unless told otherwise.
TIERED_ROLES = frozenset({StaffRole.ENGINEER.value, StaffRole.LEAD.value})


class StaffProfile(models.Model):
    """A member of support staff: their role and, for those who work queues, their tier."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile"
    )
    role = models.CharField(max_length=16, choices=StaffRole.choices)
    # NULL, not "", is "no tier": the API and the check constraint read it as None.
    tier = models.CharField(  # noqa: DJ001
        max_length=2, choices=Tier.choices, null=True, blank=True
    )
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="The zone the console shows times in for this person (IANA name).",
    )

    class Meta:
        ordering = ("user__username",)
        constraints = (
            models.CheckConstraint(
                condition=models.Q(role__in=StaffRole.values), name="accounts_staff_role_known"
            ),
            models.CheckConstraint(
                condition=models.Q(tier__isnull=True) | models.Q(tier__in=Tier.values),
                name="accounts_staff_tier_known",
            ),
        )

    def __str__(self) -> str:
        tier = f" {self.tier}" if self.tier else ""
        return f"{self.user} ({self.role}{tier})"


class ContactRole(models.TextChoices):
    """A contact's role in their organisation.

    LivePerson lets only "Agent Manager" and "Administrator" users open tickets (R27); its
    pack says so with ``rules.case_opening.contact_roles: [administrator, manager]``, which
    must name roles from this list.
    """

    ADMINISTRATOR = "administrator", "Administrator"
    MANAGER = "manager", "Manager (Agent Manager)"
    USER = "user", "User"


class Contact(models.Model):
    """A customer's person: belongs to one organisation and sees only its data."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="contacts"
    )
    role = models.CharField(max_length=16, choices=ContactRole.choices, default=ContactRole.USER)
    phone = models.CharField(
        max_length=32, blank=True, validators=[validate_phone], db_index=True,
        help_text="E.164 (+…): calls from this number are this contact's (R43).",
    )  # fmt: skip

    class Meta:
        ordering = ("organization", "user__username")
        constraints = (
            models.CheckConstraint(
                condition=models.Q(role__in=ContactRole.values), name="accounts_contact_role_known"
            ),
        )

    def __str__(self) -> str:
        return f"{self.user} ({self.organization}, {self.role})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Store the phone number normalised (E.164), so that caller ids match it."""
        self.phone = phone_normalise(self.phone) or self.phone
        super().save(*args, **kwargs)


class EmergencyContact(models.Model):
    """An address to reach the customer in an emergency; one is needed to be onboarded (R28).

    A distribution list is recommended over a person's address (R28), hence the flag.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="emergency_contacts"
    )
    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True)
    is_distribution_list = models.BooleanField(default=False)

    class Meta:
        ordering = ("organization", "email")
        constraints = (
            models.UniqueConstraint(
                fields=("organization", "email"), name="accounts_emergency_contact_unique"
            ),
        )

    def __str__(self) -> str:
        return f"{self.organization}: {self.email}"


# Every token starts with this, so a leaked one is recognisable (secret scanners, logs).
TOKEN_PREFIX = "cw_"  # noqa: S105 - a public marker, not a secret
# What ApiToken.prefix keeps of a token: "cw_" and 5 random characters.
TOKEN_PREFIX_LENGTH = 8


def token_digest(plaintext: str) -> str:
    """The stored form of a token: its SHA-256, hex.

    A plain (unsalted, fast) hash suffices because tokens are 256 random bits, not passwords:
    there is nothing to guess from a hash, and equal tokens never occur.
    """
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the token is shown once.

    ``prefix`` (the token's first 8 characters, ``cw_`` and 5 random ones) lets people tell
    their tokens apart; it is not secret and not unique. Lookups go by ``token_hash``.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8)
    token_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256, hex.")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("user", "-created_at")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name}, {self.user})"

    @property
    def is_revoked(self) -> bool:
        """True once the token has been revoked; it never works again."""
        return self.revoked_at is not None


class LoginLink(models.Model):
    """A one-time sign-in link mailed to a contact: only the SHA-256 of its token is kept.

    It works once (``used_at``), until ``expires_at``, and only for an active user."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_links"
    )
    token_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256, hex.")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user} until {self.expires_at.isoformat()}"
