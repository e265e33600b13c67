"""Background tasks of intake (``django.tasks``, run by `casework worker`): the alert mail
about an IMAP mailbox whose polls keep failing."""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.tasks import task
from django.urls import reverse
from django.utils import timezone

from casework.cases.notifications import LOOP_HEADER, header_safe
from casework.channels.models import Mailbox
from casework.channels.selectors import administrator_addresses

logger = logging.getLogger(__name__)


def mailbox_alert_message(*, mailbox: Mailbox, error: str, failures: int) -> EmailMessage:
    """The mail telling the administrators that ``mailbox`` failed ``failures`` polls in a row
    with ``error`` last: automatic (RFC 3834) and with casework's loop header."""
    where = f"{mailbox.username} at {mailbox.host}:{mailbox.port}, folder {mailbox.folder}"
    admin_path = reverse("admin:intake_mailbox_change", args=[mailbox.pk])
    body = [
        f'casework could not poll the IMAP mailbox "{mailbox.name}" ({where}) {failures} times '
        "in a row: mail sent to it is not reaching casework.",
        "",
        f"Last error: {error}",
        "",
        f"casework keeps trying every {settings.CASEWORK_IMAP_POLL_SECONDS} seconds; this is "
        "the only mail about this run of failures. Fix the mailbox in the admin "
        f"({admin_path}) or its password variable {mailbox.password_env}, then try it with:",
        f"  casework imap poll --mailbox {mailbox.name}",
    ]
    return EmailMessage(
        subject=header_safe(f"casework: mailbox {mailbox.name} failed {failures} polls in a row"),
        body="\n".join(body),
        to=administrator_addresses(),
        headers={"Auto-Submitted": "auto-generated", LOOP_HEADER: "1"},
    )


@task()
def mailbox_alert_send(mailbox_id: int, error: str, failures: int, attempt: int = 1) -> str:
    """Mail the administrators that a mailbox keeps failing; on an SMTP failure try again
    later, up to ``CASEWORK_NOTIFY_MAX_ATTEMPTS`` times with a doubling delay."""
    mailbox = Mailbox.objects.get(pk=mailbox_id)
    message = mailbox_alert_message(mailbox=mailbox, error=error, failures=failures)
    if not message.to:
        logger.error("imap %s: no administrator has an email address to alert", mailbox.name)
        return "no recipient"
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as failure:
        if attempt >= settings.CASEWORK_NOTIFY_MAX_ATTEMPTS:
            logger.error("imap %s: the alert failed %d times: %s", mailbox.name, attempt, failure)
            return "gave_up"
        delay = timedelta(seconds=settings.CASEWORK_NOTIFY_RETRY_SECONDS * 2 ** (attempt - 1))
        mailbox_alert_send.using(run_after=timezone.now() + delay).enqueue(
            mailbox_id, error, failures, attempt + 1
        )
        return "retrying"
    return "sent"
