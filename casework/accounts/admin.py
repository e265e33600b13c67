"""Admin for accounts. Tokens are read-only: they are made by `casework token create`, which
shows the token once; the admin shows only their prefix, never the hash."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from casework.accounts.models import (
    ApiToken,
    Contact,
    EmergencyContact,
    Organization,
    Product,
    ServiceAccount,
    StaffProfile,
    Subscription,
)
from casework.accounts.services import subscription_validate, token_revoke
from casework.api.errors import FieldError


class SubscriptionForm(forms.ModelForm[Subscription]):
    """Checks the policy, plan, pinned version and overlay as ``subscription_set`` does."""

    class Meta:
        model = Subscription
        fields = (
            "organization",
            "policy_id",
            "plan_id",
            "policy_version",
            "effective_from",
            "effective_to",
            "sla_overlay",
        )

    def clean(self) -> dict[str, Any]:
        """Refuse a policy or plan that is not loaded, or an overlay that does not fit (R26)."""
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            subscription_validate(
                policy_id=data["policy_id"],
                plan_id=data["plan_id"],
                policy_version=data.get("policy_version"),
                sla_overlay=data.get("sla_overlay") or {},
            )
        except FieldError as error:
            field = {"policy": "policy_id", "plan": "plan_id"}.get(error.field, error.field)
            self.add_error(field if field in self.fields else None, error.msg)
        return data


class SubscriptionInline(admin.TabularInline[Subscription, Organization]):
    """An organisation's plan periods, newest last."""

    model = Subscription
    form = SubscriptionForm
    extra = 0


class ServiceAccountInline(admin.TabularInline[ServiceAccount, Organization]):
    """The customer's product accounts and sites."""

    model = ServiceAccount
    extra = 0


class EmergencyContactInline(admin.TabularInline[EmergencyContact, Organization]):
    """Emergency addresses; at least one is needed to be onboarded (R28)."""

    model = EmergencyContact
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin[Organization]):
    """Customers with their subscriptions, service accounts and emergency contacts."""

    list_display = ("name", "slug", "time_zone", "hosting_region", "case_visibility")
    list_filter = ("case_visibility", "hosting_region")
    search_fields = ("name", "slug", "dedicated_phone")
    prepopulated_fields = {"slug": ("name",)}  # noqa: RUF012 - Django's documented form
    raw_id_fields = ("tam", "csm", "executive_sponsor")
    inlines = (SubscriptionInline, ServiceAccountInline, EmergencyContactInline)


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin[Subscription]):
    """Plan periods of every organisation."""

    form = SubscriptionForm
    list_display = ("organization", "policy_id", "plan_id", "policy_version", "effective_from")
    list_filter = ("policy_id", "plan_id")
    search_fields = ("organization__name",)


@admin.register(ServiceAccount)
class ServiceAccountAdmin(admin.ModelAdmin[ServiceAccount]):
    """Product accounts and sites of the customers."""

    list_display = ("name", "organization", "external_id", "time_zone", "hosting_region")
    search_fields = ("name", "external_id", "organization__name")


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin[Product]):
    """Products and their end-of-support dates (R12)."""

    list_display = ("name", "end_of_support")
    search_fields = ("name",)


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin[StaffProfile]):
    """Support staff: role and tier."""

    list_display = ("user", "role", "tier")
    list_filter = ("role", "tier")
    search_fields = ("user__username", "user__email")


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin[Contact]):
    """Customer contacts: their organisation and role in it (R27)."""

    list_display = ("user", "organization", "role", "phone")
    list_filter = ("role",)
    search_fields = ("user__username", "user__email", "organization__name", "phone")


@admin.register(EmergencyContact)
class EmergencyContactAdmin(admin.ModelAdmin[EmergencyContact]):
    """Emergency-contact addresses of every organisation (R28)."""

    list_display = ("email", "organization", "name", "is_distribution_list")
    search_fields = ("email", "organization__name")


@admin.action(description="Revoke the selected tokens", permissions=["revoke"])
def revoke_tokens(
    modeladmin: admin.ModelAdmin[ApiToken], request: HttpRequest, queryset: QuerySet[ApiToken]
) -> None:
    """Revoke each selected token through the service."""
    for token in queryset:
        token_revoke(token=token)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """Lists tokens by prefix; the only change allowed is revoking them."""

    list_display = ("prefix", "name", "user", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("prefix", "name", "user__username")
    fields = ("prefix", "name", "user", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    actions = (revoke_tokens,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Tokens are made by `casework token create`, the one place that shows them."""
        return False

    def has_change_permission(self, request: HttpRequest, obj: ApiToken | None = None) -> bool:
        """Read-only: revoke with the action instead."""
        return False

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        """Revoking is a change: it needs the change permission the form never uses."""
        return request.user.has_perm("accounts.change_apitoken")
