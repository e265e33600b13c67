"""Stored intake input in the Django admin: read-only (it is evidence of what arrived); the
console's intake page (``/console/intake/``) is where it is retried or made into a case."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from casework.channels.models import RawInbound


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
