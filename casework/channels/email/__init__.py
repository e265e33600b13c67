"""The email channel: inbound mail by ``casework smtpd`` and ``POST /api/v1/intake/email``
(``intake.py``), read by the pure :func:`casework.channels.email.parse.email_parse`."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings

from casework.channels.base import Channel, Inbound, channel_register
from casework.channels.email.parse import email_parse, message_id_normalised


class EmailChannel(Channel):
    """One MIME message per input; the same Message-ID delivered twice is stored once."""

    name = "email"

    @property
    def max_bytes(self) -> int:  # type: ignore[override]
        """``CASEWORK_EMAIL_MAX_BYTES``: the largest message accepted (read per call)."""
        return int(settings.CASEWORK_EMAIL_MAX_BYTES)

    def parse(self, payload: bytes, *, received_at: datetime) -> Inbound:
        """See :func:`email_parse`."""
        return email_parse(payload, received_at=received_at)

    def dedup_key(self, payload: bytes) -> str:
        """The normalised Message-ID ("" without one: every delivery is kept)."""
        return message_id_normalised(payload)


EMAIL = channel_register(EmailChannel())
