"""The state of IMAP mailboxes between polls (services; the IMAP conversation itself is in
``imap.py``): who polls one now (a lease), how its last poll went, and the one alert to the
administrators when polls keep failing."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q

from casework.channels.models import Mailbox

logger = logging.getLogger(__name__)

# How long a poller holds a mailbox. A poll takes at most BATCH messages (imap.py), each
# bounded by CASEWORK_IMAP_TIMEOUT; a worker that dies leaves the lease to expire.
LEASE = timedelta(minutes=15)


def mailbox_claim(
    *, mailbox_id: int, at: datetime, polled_before: datetime | None = None
) -> Mailbox | None:
    """Take the lease on a mailbox for one poll, or None when another poller holds it (or,
    with ``polled_before``, polled it after that). A conditional update, so that two workers
    (on any host) never poll one mailbox at once."""
    rows = Mailbox.objects.filter(Q(polling_until__isnull=True) | Q(polling_until__lte=at))
    if polled_before is not None:
        rows = rows.filter(Q(last_polled_at__isnull=True) | Q(last_polled_at__lte=polled_before))
    taken = rows.filter(pk=mailbox_id).update(polling_until=at + LEASE)
    return Mailbox.objects.get(pk=mailbox_id) if taken == 1 else None


def mailbox_poll_succeeded(*, mailbox: Mailbox, at: datetime) -> None:
    """Record a poll that went through: the failure streak, its error and its alert end."""
    Mailbox.objects.filter(pk=mailbox.pk).update(
        last_polled_at=at, last_error="", consecutive_failures=0, alerted_at=None,
        polling_until=None,
    )  # fmt: skip
    if mailbox.consecutive_failures:
        logger.info("imap %s: polled again after %d failure(s)", mailbox.name,
                    mailbox.consecutive_failures)  # fmt: skip


@transaction.atomic
def mailbox_poll_failed(*, mailbox: Mailbox, error: str, at: datetime) -> bool:
    """Record a failed poll (logged, shown in the admin) and lengthen the streak; at
    ``CASEWORK_IMAP_ALERT_AFTER`` failures in a row the administrators are mailed, once per
    streak (a conditional update of ``alerted_at``), by a task once this commits. True when
    this failure raised the alert."""
    Mailbox.objects.filter(pk=mailbox.pk).update(
        last_polled_at=at, last_error=error[:2000], polling_until=None,
        consecutive_failures=F("consecutive_failures") + 1,
    )  # fmt: skip
    mailbox.refresh_from_db()
    failures = mailbox.consecutive_failures
    logger.warning("imap %s: poll failed (%d in a row): %s", mailbox.name, failures, error)
    if failures < settings.CASEWORK_IMAP_ALERT_AFTER:
        return False
    alerted = Mailbox.objects.filter(pk=mailbox.pk, alerted_at__isnull=True).update(alerted_at=at)
    if alerted != 1:
        return False
    from casework.channels.tasks import mailbox_alert_send  # tasks import the services

    logger.error("imap %s: %d failed polls in a row, alerting the administrators: %s",
                 mailbox.name, failures, error)  # fmt: skip
    transaction.on_commit(partial(mailbox_alert_send.enqueue, mailbox.pk, error, failures))
    return True
