"""The project package is also a Django app, so project-wide commands (demo, serve) live here."""

from django.apps import AppConfig


class CaseworkConfig(AppConfig):
    """Holds the project-level management commands; it has no models."""

    name = "casework"
    verbose_name = "casework"
