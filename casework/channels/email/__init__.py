"""The email channel: inbound mail by ``casework smtpd`` and ``POST /api/v1/intake/email``
(``intake.py``), read by the pure :func:`casework.channels.email.parse.email_parse`."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings

from casework.channels.base import Channel, Inbound, channel_register
from casework.channels.email.parse import Delivery, email_parse, message_id_normalised

if TYPE_CHECKING:
    from casework.channels.models import RawInbound


class EmailChannel(Channel):
    """One MIME message per input; the same Message-ID delivered twice is stored once."""

    name = "email"

    @property
    def max_bytes(self) -> int:  # type: ignore[override]
        """``CASEWORK_EMAIL_MAX_BYTES``: the largest message accepted (read per call)."""
        return int(settings.CASEWORK_EMAIL_MAX_BYTES)

    def parse(self, payload: bytes, *, received_at: datetime) -> Inbound:
        """See :func:`email_parse`; the per-case reply address comes from the settings."""
        delivery = Delivery(reply_to=settings.CASEWORK_EMAIL_REPLY_TO)
        return email_parse(payload, received_at=received_at, delivery=delivery)

    def parse_stored(self, raw: RawInbound) -> Inbound:
        """:func:`email_parse` with the SMTP envelope the listener kept, if it kept one."""
        envelope = raw.envelope or {}
        mail_from = envelope.get("mail_from")
        delivery = Delivery(
            mail_from=str(mail_from) if mail_from is not None else None,
            rcpt_tos=tuple(str(to) for to in envelope.get("rcpt_tos", ())),
            reply_to=settings.CASEWORK_EMAIL_REPLY_TO,
        )
        return email_parse(bytes(raw.payload), received_at=raw.received_at, delivery=delivery)

    def dedup_key(self, payload: bytes) -> str:
        """The normalised Message-ID ("" without one: every delivery is kept)."""
        return message_id_normalised(payload)

    def receive(self, *, raw: RawInbound, inbound: Inbound, at: datetime) -> RawInbound:
        """The intake service, then: the message's files saved onto the case it opened or
        joined; or, for a sender nobody knows, with ``CASEWORK_EMAIL_UNKNOWN_SENDER=answer``,
        an answer saying how to get access (at most once per sender and interval)."""
        from casework.channels.email.answers import access_answer_enqueue
        from casework.channels.email.intake import email_files_save
        from casework.channels.models import RawStatus
        from casework.channels.services import intake_receive

        raw = intake_receive(raw=raw, inbound=inbound, at=at)
        if raw.status == RawStatus.PROCESSED and raw.case is not None:
            email_files_save(case=raw.case, inbound=inbound)
        elif raw.status == RawStatus.HELD and settings.CASEWORK_EMAIL_UNKNOWN_SENDER == "answer":
            access_answer_enqueue(raw=raw, inbound=inbound, at=at)
        return raw


EMAIL = channel_register(EmailChannel())
