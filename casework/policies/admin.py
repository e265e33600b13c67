"""Read-only admin for stored policy versions (load new ones with `casework policy load`)."""

from django.contrib import admin
from django.http import HttpRequest

from casework.policies.models import PolicyVersion


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin[PolicyVersion]):
    """Lists and shows versions; nobody adds, edits or deletes them here."""

    list_display = ("policy_id", "version", "label", "filename", "loaded_at", "loaded_by")
    list_filter = ("policy_id",)
    search_fields = ("policy_id", "label", "sha256", "filename")
    readonly_fields = (
        "policy_id",
        "version",
        "label",
        "sha256",
        "filename",
        "loaded_at",
        "loaded_by",
        "source",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        """Versions are created by loading a file, never typed in."""
        return False

    def has_change_permission(self, request: HttpRequest, obj: PolicyVersion | None = None) -> bool:
        """Stored versions are immutable."""
        return False

    def has_delete_permission(self, request: HttpRequest, obj: PolicyVersion | None = None) -> bool:
        """Cases refer to the version they were opened under; it must stay."""
        return False
