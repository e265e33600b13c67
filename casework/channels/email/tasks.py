"""Background tasks of the email channel (``django.tasks``, run by `casework worker`)."""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from casework.channels.email.answers import access_answer_message
from casework.channels.models import RawInbound

logger = logging.getLogger(__name__)


@task()
def access_answer_send(raw_id: int, to: str, attempt: int = 1) -> str:
    """Send the access answer to held message ``raw_id``; on an SMTP or network failure try
    again later, up to ``CASEWORK_NOTIFY_MAX_ATTEMPTS`` times with a doubling delay from
    ``CASEWORK_NOTIFY_RETRY_SECONDS`` (as notifications do)."""
    raw = RawInbound.objects.get(pk=raw_id)
    try:
        access_answer_message(raw=raw, to=to).send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as error:
        if attempt >= settings.CASEWORK_NOTIFY_MAX_ATTEMPTS:
            logger.error("access answer %s to %s failed %d times: %s", raw_id, to, attempt, error)
            return "gave_up"
        logger.warning("access answer %s to %s, attempt %d: %s", raw_id, to, attempt, error)
        delay = timedelta(seconds=settings.CASEWORK_NOTIFY_RETRY_SECONDS * 2 ** (attempt - 1))
        access_answer_send.using(run_after=timezone.now() + delay).enqueue(raw_id, to, attempt + 1)
        return "failed"
    return "sent"
