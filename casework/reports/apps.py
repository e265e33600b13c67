"""The reports app: read-only views over cases and policies (no models of its own)."""

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """SLA reports for the console: the at-risk board and the policy versions in use."""

    name = "casework.reports"
    verbose_name = "Reports"
