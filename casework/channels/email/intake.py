"""Email transports: ``casework smtpd`` (an aiosmtpd handler) and ``POST
/api/v1/intake/email`` (``casework.channels.api``) both call :func:`email_receive`, which
stores the raw message first (with the SMTP envelope, when there was one), then processes
it: the email channel's ``receive`` saves its files onto the case."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import parseaddr
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

from casework.cases.attachments import attachment_add
from casework.cases.errors import CaseInputError
from casework.cases.models import Case, Message
from casework.cases.services import case_message_add
from casework.channels.base import Inbound
from casework.channels.email import EMAIL
from casework.channels.models import RawInbound, RawStatus
from casework.channels.services import (
    Stored,
    contact_by_address,
    raw_inbound_finish,
    raw_inbound_process,
    raw_inbound_store,
)
from casework.lib.ratelimit import RateDecision, rate_limit_hit

logger = logging.getLogger(__name__)


def email_receive(
    *, payload: bytes, source: str, mail_from: str | None = None, rcpt_tos: tuple[str, ...] = ()
) -> Stored:
    """Store one message (a duplicate Message-ID answers the first row, untouched) with its
    SMTP envelope when it came by SMTP (``mail_from`` None: no envelope), then process it
    (which parses it once and saves its files onto the case it opened or joined). Callers
    check the size."""
    at = timezone.now()
    envelope = {"mail_from": mail_from, "rcpt_tos": list(rcpt_tos)} if mail_from is not None else {}
    stored = raw_inbound_store(
        channel=EMAIL, payload=payload, source=source, received_at=at, envelope=envelope
    )
    if not stored.created:
        return stored
    return Stored(raw_inbound_process(stored.raw, at=at), True)


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
    contact = contact_by_address(inbound.sender) if inbound.files else None
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
    ``CASEWORK_EMAIL_MAX_BYTES``, 451 past ``CASEWORK_SMTP_RATE_LIMIT`` messages per sender
    or per peer address in ``CASEWORK_SMTP_RATE_WINDOW_SECONDS`` (read per message)."""
    if size > EMAIL.max_bytes:
        return f"552 5.3.4 Message too big (over {EMAIL.max_bytes} bytes)"
    at = timezone.now()
    limit = int(settings.CASEWORK_SMTP_RATE_LIMIT)
    window = timedelta(seconds=int(settings.CASEWORK_SMTP_RATE_WINDOW_SECONDS))
    for key in (_sender_key(sender), f"smtp-peer:{peer}"):
        decision = rate_limit_hit(key, limit=limit, window=window, at=at)
        if not decision.allowed:
            return f"451 4.7.1 Too many messages, try again in {decision.retry_after} seconds"
    return None


def _sender_key(sender: str) -> str:
    # One count per sender address whichever way its mail comes (SMTP, HTTP, IMAP).
    return f"mail-from:{sender.strip().lower()}"


def sender_rate_hit(*, payload: bytes, at: datetime) -> RateDecision:
    """Count one message of the sender its ``From`` header names (read from the headers
    alone) against ``CASEWORK_SMTP_RATE_LIMIT`` per ``CASEWORK_SMTP_RATE_WINDOW_SECONDS``,
    the limit the SMTP listener applies: the HTTP endpoint's limit per sender."""
    headers = BytesHeaderParser(policy=compat32).parsebytes(payload)
    sender = parseaddr(str(headers.get("From", "")))[1] or "(none)"
    window = timedelta(seconds=int(settings.CASEWORK_SMTP_RATE_WINDOW_SECONDS))
    return rate_limit_hit(
        _sender_key(sender), limit=int(settings.CASEWORK_SMTP_RATE_LIMIT), window=window, at=at
    )


def _smtp_deliver(sender: str, peer: str, payload: bytes, rcpt_tos: tuple[str, ...]) -> str:
    close_old_connections()
    try:
        refusal = smtp_refusal(sender=sender, peer=peer, size=len(payload))
        if refusal is not None:
            return refusal
        stored = email_receive(
            payload=payload, source=f"smtp {peer} from <{sender}>"[:200], mail_from=sender,
            rcpt_tos=rcpt_tos,
        )  # fmt: skip
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
        rcpt_tos = tuple(str(to) for to in envelope.rcpt_tos)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(None, _smtp_deliver, sender, peer, payload, rcpt_tos)
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
