"""The cases app: cases, their append-only history, messages, clocks and the SLA sweep."""

from typing import Any

from django.apps import AppConfig


class CasesConfig(AppConfig):
    """Cases and their clocks."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "casework.cases"
    label = "cases"

    def ready(self) -> None:
        """Keep the SQLite search triggers across table remakes (``casework.cases.search``)."""
        from django.db.models.signals import post_migrate

        post_migrate.connect(_search_index_ensure, sender=self)


def _search_index_ensure(using: str = "default", **kwargs: Any) -> None:
    from casework.cases.search import sqlite_index_ensure

    sqlite_index_ensure(using)
