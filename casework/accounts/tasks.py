"""Background tasks of accounts: sign-in mail (one-time links, password resets)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.tasks import task
from django.utils import timezone

logger = logging.getLogger(__name__)


@task()
def signin_mail_send(to: str, subject: str, body: str, attempt: int = 1) -> str:
    """Send one sign-in mail; on failure try again later, up to
    ``CASEWORK_NOTIFY_MAX_ATTEMPTS`` times with a doubling delay."""
    message = EmailMessage(subject=subject, body=body, to=[to])
    message.extra_headers["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies
    try:
        message.send()
    except OSError as error:
        if attempt >= settings.CASEWORK_NOTIFY_MAX_ATTEMPTS:
            logger.error("sign-in mail to %s failed %d times: %s", to, attempt, error)
            return "failed"
        delay = settings.CASEWORK_NOTIFY_RETRY_SECONDS * 2 ** (attempt - 1)
        run_after = timezone.now() + timedelta(seconds=delay)
        signin_mail_send.using(run_after=run_after).enqueue(to, subject, body, attempt + 1)
        return "retrying"
    return "sent"
