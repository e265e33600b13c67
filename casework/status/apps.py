"""The status app: the Service Status Dashboard (R8, R10, R23, R29) — components, incidents,
maintenance, subscriptions to them and the links between incidents and customer cases."""

from django.apps import AppConfig


class StatusConfig(AppConfig):
    """Components and their groups, incidents with their timelines, maintenance windows."""

    name = "casework.status"
    label = "status"
    verbose_name = "Service status"

    def ready(self) -> None:
        """Suggest incident links for each new case (``casework.cases.signals``)."""
        from casework.cases.models import Case
        from casework.cases.signals import case_opened
        from casework.status.receivers import case_opened_suggest

        case_opened.connect(case_opened_suggest, sender=Case, dispatch_uid="status-suggest")
