"""Background tasks (``django.tasks``, run by the django-tasks-db worker: `casework worker`)."""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from casework.cases.models import CaseEvent
from casework.cases.notifications import notification_send


@task()
def case_event_notify(event_id: int, attempt: int = 1) -> str:
    """Mail an event's recipients; on failure, enqueue the next attempt later."""
    outcome = notification_send(event_id=event_id, attempt=attempt, at=timezone.now())
    if outcome.retry_at is not None:
        case_event_notify.using(run_after=outcome.retry_at).enqueue(event_id, attempt + 1)
    return outcome.status


def case_event_notify_on_commit(event: CaseEvent) -> None:
    """Mail ``event``'s recipients once the transaction that recorded it commits (a rolled-back
    change sends nothing); an event with no recipient sends nothing."""
    if event.data.get("recipients"):
        transaction.on_commit(partial(case_event_notify.enqueue, event.pk))
