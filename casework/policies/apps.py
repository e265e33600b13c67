"""The policies app: immutable stored versions of the policy files."""

from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    """Stored policy versions, their admin and (later) the policy commands and pages."""

    name = "casework.policies"
    verbose_name = "Policies"
