"""Background tasks of the status app (``django.tasks``, run by `casework worker`)."""

from __future__ import annotations

from django.tasks import task
from django.utils import timezone

from casework.status.publish import publication_deliver, webhook_post


@task()
def status_publish(kind: str, pk: int) -> str:
    """Deliver one change of the status page to whoever is to hear of it."""
    return publication_deliver(kind=kind, pk=pk)


@task()
def status_webhook_post(delivery_id: int, body: str) -> str:
    """One attempt at one webhook delivery; a failure enqueues the next attempt."""
    return webhook_post(delivery_id=delivery_id, body=body, at=timezone.now())
