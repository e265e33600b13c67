"""Background tasks shared by every app: one automatic mail, retried until it goes."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.tasks import task
from django.utils import timezone

logger = logging.getLogger(__name__)


@task()
def mail_send(
    to: str, subject: str, body: str, attempt: int = 1, headers: dict[str, str] | None = None
) -> str:
    """Send one automatic mail (sign-in links, status notices…) with ``headers`` added; on
    failure try again later, up to ``CASEWORK_NOTIFY_MAX_ATTEMPTS`` times with a doubling
    delay."""
    message = EmailMessage(subject=subject, body=body, to=[to])
    message.extra_headers["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies
    message.extra_headers.update(headers or {})
    try:
        message.send()
    except OSError as error:
        if attempt >= settings.CASEWORK_NOTIFY_MAX_ATTEMPTS:
            logger.error("mail to %s failed %d times: %s", to, attempt, error)
            return "failed"
        delay = settings.CASEWORK_NOTIFY_RETRY_SECONDS * 2 ** (attempt - 1)
        run_after = timezone.now() + timedelta(seconds=delay)
        mail_send.using(run_after=run_after).enqueue(to, subject, body, attempt + 1, headers)
        return "retrying"
    return "sent"
