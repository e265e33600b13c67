"""IMAP polling, the third way mail comes in (issue 5): every enabled :class:`Mailbox`
(configured in the Django admin) is polled by the worker every
``CASEWORK_IMAP_POLL_SECONDS``, and once by `casework imap poll [--mailbox NAME]`.

A poll logs in (``tls``: IMAPS, STARTTLS or plain text), looks for the folder's unseen
messages (at most :data:`BATCH`; the rest wait for the next poll) without marking them, and
for each one:

1. reads its size and headers. One over ``CASEWORK_EMAIL_MAX_BYTES`` is never downloaded:
   its headers are kept as a failed input for a person (``email_oversized_keep``, the reason
   says where it is) and it is flagged and marked seen on the server, where it stays, so
   that no poll fetches it again;
2. fetches the whole message and hands its bytes, exactly as the server sent them, to
   ``email_receive`` (stored first; the same Message-ID twice is stored once);
3. only then marks it seen, moves it or deletes it on the server (``after_fetch``). A crash
   between 2 and 3 leaves it unseen: the next poll fetches it again, and its Message-ID
   finds the row already stored.

A poll that cannot connect or log in, whose server stops answering, or whose message
cannot be stored, fails; ``mailboxes.py`` keeps the streak and alerts the administrators.
"""

from __future__ import annotations

import imaplib
import logging
import ssl
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from imap_tools import AND, BaseMailBox, MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.errors import ImapToolsError, MailboxFlagError
from imap_tools.message import MailMessage
from imap_tools.utils import check_command_status

from casework.channels.email import EMAIL
from casework.channels.email.intake import email_oversized_keep, email_receive
from casework.channels.email.mailboxes import (
    mailbox_claim,
    mailbox_poll_failed,
    mailbox_poll_succeeded,
)
from casework.channels.models import Mailbox, MailboxAfter, MailboxTls
from casework.channels.selectors import mailboxes_due
from casework.channels.services import Stored

logger = logging.getLogger(__name__)

BATCH = 100  # messages one poll takes at most (a backlog is worked off poll after poll)


class MailboxConfigError(Exception):
    """The mailbox cannot be polled as configured (its password variable is not set)."""


# What makes a poll fail, rather than the worker's tick: the server, the network, TLS,
# imap-tools' checks of the server's answers (a ValueError for STARTTLS on port 993).
POLL_FAILURES: tuple[type[Exception], ...] = (
    ImapToolsError, imaplib.IMAP4.error, OSError, ValueError, MailboxConfigError,
)  # fmt: skip


class RawMailMessage(MailMessage):
    """imap-tools' message that also keeps the bytes the server sent (``payload``): casework
    stores those, not a re-serialisation of the parsed message."""

    def __init__(self, fetch_data: list[Any]) -> None:
        super().__init__(fetch_data)
        self.payload = next((bytes(i[1]) for i in fetch_data if isinstance(i, tuple)), b"")


@dataclass(slots=True)
class PollResult:
    """What one poll of one mailbox did, for the log and `casework imap poll`."""

    mailbox: str
    stored: int = 0  # new messages, stored (then processed)
    duplicates: int = 0  # already stored before (a crash, or another copy)
    oversized: int = 0  # over CASEWORK_EMAIL_MAX_BYTES, kept for a person
    lines: list[str] = field(default_factory=list)  # one per message
    error: str = ""  # why the poll failed; "" when it went through
    failures: int = 0  # failed polls in a row, this one included
    alerted: bool = False  # this failure mailed the administrators
    skipped: str = ""  # why it was not polled at all
    after: str = ""  # what was done on the server to the mail stored

    def summary(self) -> str:
        """One line: ``support: 2 new, 1 duplicate, 0 too big; marked seen``."""
        if self.skipped:
            return f"{self.mailbox}: skipped, {self.skipped}"
        counts = f"{self.stored} new, {self.duplicates} duplicate, {self.oversized} too big"
        done = f"; {self.after}" if self.stored or self.duplicates else ""
        if not self.error:
            return f"{self.mailbox}: {counts}{done}"
        alert = "; the administrators were alerted" if self.alerted else ""
        return (
            f"{self.mailbox}: FAILED ({self.failures} in a row{alert}): {self.error}"
            f" [{counts}{done}]"
        )


def mailbox_password(mailbox: Mailbox) -> str:
    """The password from the environment variable the mailbox names (read at start-up)."""
    password = settings.CASEWORK_IMAP_PASSWORDS.get(mailbox.password_env)
    if password is None:
        raise MailboxConfigError(f"{mailbox.password_env} is not set in casework's environment")
    return str(password)


def _client(mailbox: Mailbox) -> BaseMailBox:
    """A connection (not logged in) as the mailbox's TLS mode says; certificates are checked
    against the system's trust store, or ``CASEWORK_IMAP_CA_FILE``."""
    timeout = float(settings.CASEWORK_IMAP_TIMEOUT)
    if mailbox.tls == MailboxTls.NONE:
        return MailBoxUnencrypted(mailbox.host, mailbox.port, timeout=timeout)
    context = ssl.create_default_context(cafile=settings.CASEWORK_IMAP_CA_FILE or None)
    if mailbox.tls == MailboxTls.STARTTLS:
        return MailBoxStartTls(mailbox.host, mailbox.port, timeout=timeout, ssl_context=context)
    return MailBox(mailbox.host, mailbox.port, timeout=timeout, ssl_context=context)


@contextmanager
def imap_session(mailbox: Mailbox) -> Iterator[BaseMailBox]:
    """Logged in, with the mailbox's folder selected; logged out (or dropped) after."""
    password = mailbox_password(mailbox)
    box = _client(mailbox)
    box.email_message_class = RawMailMessage
    try:
        box.login(mailbox.username, password, initial_folder=mailbox.folder)
        # Servers list MOVE and UIDPLUS only once logged in; imaplib kept the first list.
        status, data = box.client.capability()
        if status == "OK" and data and isinstance(data[-1], bytes):
            box.client.capabilities = tuple(data[-1].decode().upper().split())
        yield box
    finally:
        with suppress(*POLL_FAILURES):
            box.logout()


def _fetch_one(box: BaseMailBox, uid: str, *, headers_only: bool) -> RawMailMessage | None:
    """One message (or its headers) by UID, leaving it unseen; None if it is gone."""
    for message in box.fetch(uid_list=[uid], mark_seen=False, headers_only=headers_only):
        return message if isinstance(message, RawMailMessage) else None
    return None


def _flags_add(box: BaseMailBox, uid: str, flags: str) -> None:
    """Set flags on one message. (imap-tools' ``flag`` also expunges the whole folder, which
    would remove what a person marked deleted there.)"""
    check_command_status(box.client.uid("STORE", uid, "+FLAGS", f"({flags})"), MailboxFlagError)


def _after_storing(box: BaseMailBox, mailbox: Mailbox, uid: str) -> None:
    """Do to a stored message what the mailbox says: mark it seen, move it, delete it."""
    if mailbox.after_fetch == MailboxAfter.MOVE:
        box.move(uid, mailbox.move_to)
    elif mailbox.after_fetch == MailboxAfter.DELETE:
        _flags_add(box, uid, r"\Deleted")
        if "UIDPLUS" in box.client.capabilities:  # expunge this one message only
            check_command_status(box.client.uid("EXPUNGE", uid), MailboxFlagError)
        else:
            box.expunge()
    else:
        _flags_add(box, uid, r"\Seen")


def _keep_oversized(
    box: BaseMailBox, mailbox: Mailbox, uid: str, headers: bytes, size: int
) -> Stored:
    """Keep an oversized message's headers for a person, and leave it on the server flagged
    and seen (whatever ``after_fetch`` says: it is the only whole copy)."""
    reason = (
        f"too big to fetch: {size} bytes, over CASEWORK_EMAIL_MAX_BYTES "
        f"({EMAIL.max_bytes}); only its headers are stored here. The whole message stays on "
        f"{mailbox.host} in {mailbox.folder} (UID {uid}), flagged and marked seen so that "
        "casework does not fetch it again."
    )
    stored = email_oversized_keep(headers=headers, source=f"imap:{mailbox.name}", reason=reason)
    _flags_add(box, uid, r"\Seen \Flagged")
    return stored


def _take(box: BaseMailBox, mailbox: Mailbox, uid: str, result: PollResult) -> bool:
    """Store one message, then act on it on the server; False when it could not be stored
    (the poll stops there and fails; the message stays unseen for the next one)."""
    head = _fetch_one(box, uid, headers_only=True)
    if head is None:  # expunged by someone else since the search
        return True
    too_big = head.size_rfc822 > EMAIL.max_bytes  # the server's size: not downloaded at all
    whole = None if too_big else _fetch_one(box, uid, headers_only=False)
    if whole is None and not too_big:  # expunged between the two fetches
        return True
    if whole is None or len(whole.payload) > EMAIL.max_bytes:
        size = len(whole.payload) if whole is not None else head.size_rfc822
        stored = _keep_oversized(box, mailbox, uid, head.payload, size)
        result.oversized += 1
        result.lines.append(f"UID {uid}: too big ({size} bytes), kept as input {stored.raw.pk}")
        return True
    try:
        stored = email_receive(payload=whole.payload, source=f"imap:{mailbox.name}")
    except Exception as error:  # the database, or a bug: keep it on the server, unseen
        logger.exception("imap %s: message UID %s could not be stored", mailbox.name, uid)
        result.error = f"message UID {uid} could not be stored: {type(error).__name__}: {error}"
        return False
    raw = stored.raw
    if stored.created:
        result.stored += 1
        result.lines.append(f"UID {uid}: {raw.status} as input {raw.pk}: {raw.reason}")
    else:
        result.duplicates += 1
        result.lines.append(f"UID {uid}: already stored as input {raw.pk}")
    _after_storing(box, mailbox, uid)
    return True


def _poll(mailbox: Mailbox, result: PollResult) -> None:
    """The IMAP conversation of one poll; raises one of :data:`POLL_FAILURES`."""
    with imap_session(mailbox) as box:
        if mailbox.after_fetch == MailboxAfter.MOVE and not box.folder.exists(mailbox.move_to):
            box.folder.create(mailbox.move_to)
        for uid in box.uids(AND(seen=False))[:BATCH]:
            if not _take(box, mailbox, uid, result):
                return


_AFTER_TEXT = {
    MailboxAfter.SEEN: "marked seen",
    MailboxAfter.MOVE: "moved to {move_to}",
    MailboxAfter.DELETE: "deleted from the server",
}


def mailbox_poll(*, mailbox: Mailbox, polled_before: datetime | None = None) -> PollResult:
    """Poll one mailbox once and record how it went (enabled or not: `casework imap poll
    --mailbox NAME` tries one before it is switched on). Skipped while another poller holds
    it, or (with ``polled_before``) when it was polled after that instant."""
    claimed = mailbox_claim(mailbox_id=mailbox.pk, at=timezone.now(), polled_before=polled_before)
    if claimed is None:
        return PollResult(mailbox.name, skipped="another worker polls it, or just did")
    after = _AFTER_TEXT[MailboxAfter(claimed.after_fetch)].format(move_to=claimed.move_to)
    result = PollResult(claimed.name, after=after)
    try:
        _poll(claimed, result)
    except POLL_FAILURES as error:
        result.error = f"{type(error).__name__}: {error}"
    if result.error:
        result.alerted = mailbox_poll_failed(mailbox=claimed, error=result.error, at=timezone.now())
        result.failures = claimed.consecutive_failures
    else:
        mailbox_poll_succeeded(mailbox=claimed, at=timezone.now())
    if result.stored or result.oversized or result.error:
        logger.info("imap %s", result.summary())
    return result


def mailboxes_poll_due(*, at: datetime) -> list[PollResult]:
    """Poll every enabled mailbox that is due at ``at`` (the worker's tick)."""
    polled_before = at - timedelta(seconds=settings.CASEWORK_IMAP_POLL_SECONDS)
    return [
        mailbox_poll(mailbox=mailbox, polled_before=polled_before)
        for mailbox in mailboxes_due(at=at)
    ]
