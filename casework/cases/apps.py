"""The cases app: cases, their append-only history, messages, clocks and the SLA sweep."""

from django.apps import AppConfig


class CasesConfig(AppConfig):
    """Cases and their clocks."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "casework.cases"
    label = "cases"
