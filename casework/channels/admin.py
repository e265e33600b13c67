"""Intake in the Django admin. Stored input is read-only (it is evidence of what arrived);
the console's intake page (``/console/intake/``) is where it is retried or made into a case.
IMAP mailboxes are configured here, with how their last polls went."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from casework.channels.email.imap import mailbox_poll
from casework.channels.models import Mailbox, RawInbound


@admin.register(RawInbound)
class RawInboundAdmin(admin.ModelAdmin[RawInbound]):
    """Every stored input, filterable by channel and status; nothing here changes one."""

    list_display = ("received_at", "channel", "source", "status", "reason", "case")
    list_filter = ("channel", "status")
    search_fields = ("source", "reason", "dedup_key")
    exclude = ("payload",)
    readonly_fields = (
        "channel", "source", "received_at", "dedup_key", "size", "sha256", "status",
        "reason", "attempts", "case", "processed_at",
    )  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Input arrives through the channels only."""
        return False

    def has_delete_permission(self, request: HttpRequest, obj: RawInbound | None = None) -> bool:
        """Never lost: not even by hand."""
        return False


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin[Mailbox]):
    """IMAP mailboxes casework polls: their settings, and how their last polls went (the
    error of a failing one, and whether the administrators were alerted)."""

    list_display = (
        "name", "username", "host", "folder", "after_fetch", "enabled", "last_polled_at",
        "consecutive_failures", "last_error",
    )  # fmt: skip
    list_filter = ("enabled", "tls", "after_fetch")
    search_fields = ("name", "host", "username")
    readonly_fields = (
        "password_set", "last_polled_at", "last_error", "consecutive_failures", "alerted_at",
        "polling_until",
    )  # fmt: skip
    fieldsets = (
        (None, {"fields": ("name", "enabled")}),
        ("Server", {"fields": ("host", "port", "tls", "username", "password_env",
                               "password_set")}),
        ("Mail", {"fields": ("folder", "after_fetch", "move_to")}),
        ("Last polls", {"fields": ("last_polled_at", "last_error", "consecutive_failures",
                                   "alerted_at", "polling_until")}),
    )  # fmt: skip
    actions = ("poll_now",)

    @admin.display(description="password variable set", boolean=True)
    def password_set(self, obj: Mailbox) -> bool:
        """Whether casework's environment has the variable the mailbox names."""
        return obj.password_env in settings.CASEWORK_IMAP_PASSWORDS

    @admin.action(description="Poll the selected mailboxes now")
    def poll_now(self, request: HttpRequest, queryset: QuerySet[Mailbox]) -> None:
        """Poll each once, as `casework imap poll --mailbox NAME` does, and say how it went."""
        for mailbox in queryset.order_by("name"):
            result = mailbox_poll(mailbox=mailbox)
            level = messages.ERROR if result.error else messages.INFO
            self.message_user(request, result.summary(), level)
