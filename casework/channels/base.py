"""The one shape of every intake channel (STYLE §3.5, healthchecks' integration recipe).

A channel is a subpackage (``email/``, ``alertmanager/``, ``phone/``, ``chat/``) with:

- ``parse.py``: a **pure** function, raw bytes (or a decoded dict) → :class:`Inbound`, that
  raises :class:`ParseError` with a reason for input it cannot read. No ORM, no clock: the
  instant of receipt is an argument. It decides what the input *says* (sender, subject,
  body, files, which case it answers, whether it is an automatic message to ignore).
- ``intake.py``: the transport (aiosmtpd handler, IMAP poll, HTTP endpoint) that stores the
  raw input with :func:`casework.channels.services.raw_inbound_store` *before* anything else,
  then calls :func:`casework.channels.services.raw_inbound_process`.
- a :class:`Channel` subclass registered in :data:`CHANNELS`, tying the two together.

The intake service (``services.intake_receive``) is shared: it finds the case an inbound
answers or the organisation it comes from, then opens a case or adds the message, and the raw
row is marked processed only when that succeeded.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the hooks below are glue; parse() stays pure
    from django.contrib.auth.models import User

    from casework.accounts.models import Organization
    from casework.cases.models import Case
    from casework.channels.models import RawInbound


class ParseError(ValueError):
    """The input cannot be read; ``reason`` says why, for the administrator who looks."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class InboundFile:
    """A file that came with an input (an email attachment, a chat upload)."""

    name: str
    content_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class Inbound:
    """What one input says, whatever channel it came by.

    ``case_number`` is the case it answers when the input itself says so (an email's
    ``In-Reply-To``/``References`` naming one of our messages, or ``[CW-000042]`` in its
    subject); ``ignore`` is the reason it must not be acted on at all (RFC 3834 auto-replies,
    bounces, list mail), which keeps it stored but opens and answers nothing.
    ``notified_at`` is when the problem was notified (a call's start, an alert's
    ``startsAt``), for the time-to-open clock (G6)."""

    channel: str
    received_at: datetime
    sender: str = ""  # an email address or a phone number
    sender_name: str = ""
    subject: str = ""
    body: str = ""
    files: tuple[InboundFile, ...] = ()
    message_id: str = ""
    case_number: str = ""
    priority: str | None = None
    environment: str = "production"
    organization_hint: str = ""  # a channel-specific key: a dialled number, an account id
    notified_at: datetime | None = None
    ignore: str | None = None
    notes: tuple[str, ...] = field(default=())  # what parsing had to do (charset fallback…)
    labels: tuple[tuple[str, str], ...] = ()  # channel-specific facts: an alert's labels…


class Channel(ABC):
    """One intake channel. Subclasses set ``name`` and ``max_bytes`` and implement
    :meth:`parse` (pure) and, where the input carries one, :meth:`dedup_key`."""

    name: str
    max_bytes: int = 25 * 1024 * 1024

    @abstractmethod
    def parse(self, payload: bytes, *, received_at: datetime) -> Inbound:
        """Read ``payload`` (pure: no database, no clock); raise :class:`ParseError`."""

    def parse_stored(self, raw: RawInbound) -> Inbound:
        """Read a stored input: :meth:`parse` of its bytes. Overridden by channels whose
        transport keeps more than the bytes (email's SMTP envelope, ``raw.envelope``) or whose
        parse takes a setting; they read those here and pass them in, so parse stays pure."""
        return self.parse(bytes(raw.payload), received_at=raw.received_at)

    def dedup_key(self, payload: bytes) -> str:
        """What makes two deliveries the same input (a Message-ID…); "" when nothing does.
        Overridden by channels whose inputs carry an identity; must not raise."""
        return ""

    def case_for(self, inbound: Inbound) -> Case | None:
        """The existing case this input belongs to, beyond what ``inbound.case_number``
        says (the intake service checks that first). Overridden by channels with their own
        threading, such as an alert's fingerprint; None: open a case."""
        return None

    def receive(self, *, raw: RawInbound, inbound: Inbound, at: datetime) -> RawInbound:
        """Act on a parsed input: by default the one intake service
        (:func:`casework.channels.services.intake_receive`). A channel whose inputs do more
        than open or join a case (an alert that resolves restores service) overrides it,
        and must leave ``raw`` with a final status and reason as the default does."""
        from casework.channels.services import intake_receive

        return intake_receive(raw=raw, inbound=inbound, at=at)

    def opener_for(self, inbound: Inbound) -> tuple[Organization, User | None] | None:
        """Whose case a new input opens: (organisation, requester). The default is the
        active contact whose email address is ``inbound.sender``; channels that know the
        organisation otherwise (a dialled White Glove number, an alert's labels) override
        it. None: nobody known, and the intake service holds the input for a person."""
        from casework.channels.services import contact_by_address

        contact = contact_by_address(inbound.sender)
        return (contact.organization, contact.user) if contact is not None else None


CHANNELS: dict[str, Channel] = {}


def channel_register(channel: Channel) -> Channel:
    """Make ``channel`` known to the intake service by its name (each channel's module
    calls it once at import; ``casework.channels.apps`` imports them)."""
    CHANNELS[channel.name] = channel
    return channel
