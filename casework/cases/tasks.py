"""Background tasks (``django.tasks``, run by the django-tasks-db worker: `casework worker`)."""

from __future__ import annotations

from django.tasks import task
from django.utils import timezone

from casework.cases.notifications import notification_send


@task()
def clock_action_notify(event_id: int, attempt: int = 1) -> str:
    """Mail a warning/breach event's recipients; on failure, enqueue the next attempt later."""
    outcome = notification_send(event_id=event_id, attempt=attempt, at=timezone.now())
    if outcome.retry_at is not None:
        clock_action_notify.using(run_after=outcome.retry_at).enqueue(event_id, attempt + 1)
    return outcome.status
