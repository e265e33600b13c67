"""Background tasks of the status app (``django.tasks``, run by `casework worker`)."""

from __future__ import annotations

from django.tasks import task

from casework.status.publish import publication_deliver


@task()
def status_publish(kind: str, pk: int) -> str:
    """Deliver one change of the status page to whoever is to hear of it."""
    return publication_deliver(kind=kind, pk=pk)
