"""Email transports: ``casework smtpd`` (an aiosmtpd handler) and ``POST
/api/v1/intake/email`` (``casework.channels.api``) both call :func:`email_receive`, which
stores the raw message first, processes it, then saves its files onto the case."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.db import close_old_connections, transaction
from django.utils import timezone

from casework.cases.attachments import attachment_add
from casework.cases.errors import CaseInputError
from casework.cases.models import Case, Message
from casework.cases.services import case_message_add
from casework.channels.base import Inbound, ParseError
from casework.channels.email import EMAIL
from casework.channels.models import RawInbound, RawStatus
from casework.channels.services import (
    Stored,
    contact_by_address,
    raw_inbound_finish,
    raw_inbound_process,
    raw_inbound_store,
)
from casework.lib.ratelimit import rate_limit_hit

logger = logging.getLogger(__name__)

SMTP_RATE_LIMIT = 60  # messages per sender address, and per peer IP, in SMTP_RATE_WINDOW
SMTP_RATE_WINDOW = timedelta(minutes=10)


def email_receive(*, payload: bytes, source: str) -> Stored:
    """Store one message (a duplicate Message-ID answers the first row, untouched), process
    it, and save its files onto the case it opened or joined. Callers check the size."""
    at = timezone.now()
    stored = raw_inbound_store(channel=EMAIL, payload=payload, source=source, received_at=at)
    if not stored.created:
        return stored
    raw = raw_inbound_process(stored.raw, at=at)
    if raw.status == RawStatus.PROCESSED and raw.case is not None:
        try:
            inbound = EMAIL.parse(bytes(raw.payload), received_at=raw.received_at)
        except ParseError:  # pragma: no cover - it parsed a moment ago
            return Stored(raw, True)
        email_files_save(case=raw.case, inbound=inbound)
    return Stored(raw, True)


def email_oversized_keep(*, headers: bytes, source: str, reason: str) -> Stored:
    """Keep what can be kept of a message over ``CASEWORK_EMAIL_MAX_BYTES`` that a transport
    cannot refuse (an IMAP mailbox holds it already): its header block, stored ``failed``
    with ``reason`` (saying where the whole message is) for a person, never processed. The
    same Message-ID twice is stored once, as for any message."""
    at = timezone.now()
    stored = raw_inbound_store(channel=EMAIL, payload=headers, source=source, received_at=at)
    if stored.created:
        logger.warning("email %s from %s kept unprocessed: %s", stored.raw.pk, source, reason)
        raw_inbound_finish(stored.raw, RawStatus.FAILED, reason, at=at, case=None)
    return stored


def email_files_save(*, case: Case, inbound: Inbound) -> None:
    """Save the message's files on ``case`` with the portal's limits, as its sender; a
    refused file and what parsing had to do (charset fallback, winmail.dat) are written in
    an internal note on the case, and the mail stays processed."""
    contact = contact_by_address(inbound.sender)
    notes = list(inbound.notes)
    for found in inbound.files:
        if contact is None:
            notes.append(f"{found.name}: not saved, the sender is not a known contact")
            continue
        try:
            with transaction.atomic():
                attachment_add(
                    case=case, uploaded_by=contact.user, name=found.name, content=found.content
                )
        except CaseInputError as error:
            notes.append(f"{found.name}: refused ({error.message})")
    if notes:
        body = "Email intake:\n" + "\n".join(f"- {note}" for note in notes)
        case_message_add(
            case=case, author=None, body=body, public=False, from_support=True,
            at=timezone.now(), kind=Message.Kind.NOTE,
        )  # fmt: skip


def smtp_refusal(*, sender: str, peer: str, size: int) -> str | None:
    """The SMTP reply refusing a message before it is stored, or None to accept it: 552 over
    ``CASEWORK_EMAIL_MAX_BYTES``, 451 past the rate limit per sender or per peer address."""
    if size > EMAIL.max_bytes:
        return f"552 5.3.4 Message too big (over {EMAIL.max_bytes} bytes)"
    at = timezone.now()
    for key in (f"smtp-from:{sender.lower()}", f"smtp-peer:{peer}"):
        decision = rate_limit_hit(key, limit=SMTP_RATE_LIMIT, window=SMTP_RATE_WINDOW, at=at)
        if not decision.allowed:
            return f"451 4.7.1 Too many messages, try again in {decision.retry_after} seconds"
    return None


def _smtp_deliver(sender: str, peer: str, payload: bytes) -> str:
    close_old_connections()
    try:
        refusal = smtp_refusal(sender=sender, peer=peer, size=len(payload))
        if refusal is not None:
            return refusal
        stored = email_receive(payload=payload, source=f"smtp {peer} from <{sender}>"[:200])
        return f"250 2.0.0 Stored as {stored.raw.pk}"
    finally:
        close_old_connections()


class EmailHandler:
    """aiosmtpd handler: stores each message (then processes it) before answering 250."""

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        """Store and process the message in a worker thread (the ORM is synchronous)."""
        payload = bytes(envelope.original_content or b"")
        peer_info: Any = session.peer  # (host, port) for TCP
        peer = str(peer_info[0]) if isinstance(peer_info, tuple) else str(peer_info)
        sender = str(envelope.mail_from or "")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(None, _smtp_deliver, sender, peer, payload)
        except Exception:
            logger.exception("smtpd: storing a message from %s failed", peer)
            return "451 4.3.0 Could not store the message, try again later"


def raw_status(raw: RawInbound) -> dict[str, object]:
    """What the HTTP endpoint answers about a stored message."""
    return {
        "id": raw.pk, "status": raw.status, "reason": raw.reason,
        "case": raw.case.number if raw.case is not None else None,
    }  # fmt: skip


def smtp_controller(*, host: str, port: int) -> Controller:
    """The aiosmtpd listener (not started): messages over ``CASEWORK_EMAIL_MAX_BYTES`` are
    refused with 552 (at ``MAIL FROM … SIZE=`` when the client declares it, else while the
    data is read), before anything is stored."""
    return Controller(
        EmailHandler(), hostname=host, port=port, data_size_limit=EMAIL.max_bytes,
    )  # fmt: skip
