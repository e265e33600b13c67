"""Intake: store raw input first, parse it, hand it to the one intake service, and mark it
processed only when that succeeded (STYLE §3.5). Nothing is dropped: input that cannot be
handled stays in ``RawInbound`` with its status and reason."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db import IntegrityError, models, transaction
from django.db.models.functions import Lower

from casework.accounts.models import Contact, Organization
from casework.cases.errors import CaseInputError, CaseRefusedError, TransitionRefusedError
from casework.cases.models import Case
from casework.cases.services import CaseDraft, case_message_add, case_open
from casework.channels.base import CHANNELS, Channel, Inbound, ParseError
from casework.channels.models import RawInbound, RawStatus
from casework.lib.prepared import Param, PreparedQuery

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Stored:
    """A stored input, and whether this delivery stored it (False: a duplicate)."""

    raw: RawInbound
    created: bool


def raw_inbound_store(
    *, channel: Channel, payload: bytes, source: str, received_at: datetime,
    envelope: Mapping[str, object] | None = None,
) -> Stored:  # fmt: skip
    """Keep ``payload`` exactly as received, before anything reads it, with what the
    transport knew besides it (``envelope``: an SMTP envelope). The same input delivered
    twice (equal ``channel.dedup_key``) is stored once: the second delivery answers the
    first row. Callers check ``channel.max_bytes`` before reading a body."""
    key = channel.dedup_key(payload)[:500]
    try:
        with transaction.atomic():
            raw = RawInbound.objects.create(
                channel=channel.name, source=source[:200], received_at=received_at,
                dedup_key=key, payload=payload, size=len(payload),
                sha256=hashlib.sha256(payload).hexdigest(), envelope=dict(envelope or {}),
            )  # fmt: skip
    except IntegrityError:
        return Stored(RawInbound.objects.get(channel=channel.name, dedup_key=key), False)
    return Stored(raw, True)


# Both run for every message a channel takes in, and building their SQL cost more than
# running it (bench/intake.py, docs/benchmarks.md): compiled once (casework.lib.prepared).
# The address is compared lower-cased on both sides, as ``iexact`` compares it.
_CONTACT = PreparedQuery(
    lambda: (
        Contact.objects.select_related("user", "organization")
        .alias(address=Lower("user__email"))
        .filter(address=Lower(Param("address", models.CharField())), user__is_active=True)[:2]
    )
)
_CASE = PreparedQuery(
    lambda: Case.objects.select_related("organization").filter(
        pk=Param("id", models.BigIntegerField())
    )
)


def contact_by_address(address: str) -> Contact | None:
    """The active contact whose user has this email address (case-insensitive), if exactly
    one has it."""
    if not address:
        return None
    found = _CONTACT.all(address=address)
    return found[0] if len(found) == 1 else None


def _answered_case(channel: Channel, inbound: Inbound, contact: Contact | None) -> Case | None:
    if inbound.case_number:
        case_id = Case.id_from_number(inbound.case_number)
        case = _CASE.first(id=case_id) if case_id is not None else None
        # Only the case's own organisation may add to it by quoting its number (a Message-ID
        # of ours, its reply address, its number in the subject: all say the same).
        if (
            case is not None
            and contact is not None
            and contact.organization_id == (case.organization_id)
        ):
            return case
    return channel.case_for(inbound)


def raw_inbound_finish(
    raw: RawInbound, status: str, reason: str, *, at: datetime, case: Case | None
) -> None:
    """Record where ``raw`` ends: its final status, the reason, the case it opened or
    joined. Channels that override ``Channel.receive`` end with it too."""
    raw.status, raw.reason, raw.case, raw.processed_at = status, reason, case, at
    raw.save(update_fields=["status", "reason", "case", "processed_at"])


@transaction.atomic
def intake_receive(*, raw: RawInbound, inbound: Inbound, at: datetime) -> RawInbound:
    """Act on one parsed input: ignore it (with the reason), add it to the case it answers,
    open a case for the organisation it comes from, or hold it for a person when nobody is
    known. Raises the case services' errors, which :func:`raw_inbound_process` records."""
    channel = CHANNELS[raw.channel]
    if inbound.ignore:
        raw_inbound_finish(raw, RawStatus.IGNORED, inbound.ignore, at=at, case=None)
        return raw
    # Looked up once here (it is the same sender throughout), only when a case is named.
    contact = contact_by_address(inbound.sender) if inbound.case_number else None
    case = _answered_case(channel, inbound, contact)
    if case is not None:
        if not inbound.case_number:  # found by the channel's own threading (case_for)
            contact = contact_by_address(inbound.sender)
        case_message_add(
            case=case, author=contact.user if contact else None, body=inbound.body,
            public=True, from_support=False, at=at,
        )  # fmt: skip
        raw_inbound_finish(raw, RawStatus.PROCESSED, f"added to {case.number}", at=at, case=case)
        return raw
    opener = channel.opener_for(inbound)
    if opener is None:
        reason = f"no contact or organisation is known for {inbound.sender or 'the sender'}"
        raw_inbound_finish(raw, RawStatus.HELD, reason, at=at, case=None)
        return raw
    organization, requester = opener
    draft = CaseDraft(
        organization=organization, subject=inbound.subject[:300] or "(no subject)",
        description=inbound.body, environment=inbound.environment,
        priority=inbound.priority, channel=inbound.channel, notified_at=inbound.notified_at,
    )  # fmt: skip
    case = case_open(draft=draft, requester=requester, at=at)
    raw_inbound_finish(raw, RawStatus.PROCESSED, f"opened {case.number}", at=at, case=case)
    return raw


def raw_inbound_process(raw: RawInbound, *, at: datetime) -> RawInbound:
    """Parse and receive one stored input, never losing it: a parse error or a refusal by
    the case services leaves it ``failed`` with the reason (logged), to be retried or
    turned into a case by hand. Processing a processed input again does nothing."""
    if raw.status in (RawStatus.PROCESSED, RawStatus.IGNORED):
        return raw
    channel = CHANNELS.get(raw.channel)
    RawInbound.objects.filter(pk=raw.pk).update(attempts=raw.attempts + 1)
    raw.attempts += 1
    try:
        if channel is None:
            raise ParseError(f"no channel {raw.channel!r} is installed")
        inbound = channel.parse_stored(raw)
        return channel.receive(raw=raw, inbound=inbound, at=at)
    except ParseError as error:
        reason = error.reason
    except CaseInputError as error:
        reason = f"{error.field}: {error.message}"
    except (CaseRefusedError, TransitionRefusedError) as error:
        reason = error.reason
    logger.warning("intake %s %s failed: %s", raw.channel, raw.pk, reason)
    raw_inbound_finish(raw, RawStatus.FAILED, reason, at=at, case=None)
    return raw


def _readable(raw: RawInbound) -> tuple[str, str, str]:
    """(case channel, subject, body) of a stored input for a case made by hand: what its
    channel reads in it, or else its bytes as text (undecodable bytes replaced)."""
    channel = CHANNELS.get(raw.channel)
    if channel is not None:
        try:
            inbound = channel.parse_stored(raw)
        except ParseError:
            pass
        else:
            return inbound.channel, inbound.subject, inbound.body
    return raw.channel, "", bytes(raw.payload).decode("utf-8", errors="replace")


@transaction.atomic
def raw_inbound_case_open(
    *, raw: RawInbound, organization: Organization, actor: User, subject: str,
    environment: str, priority: str | None, at: datetime,
) -> Case:  # fmt: skip
    """Open a case by hand from a held or failed input (the administrator read it and knows
    whose it is): the case's description is what the input says, its channel the input's,
    and the input is marked processed, naming who did it. Raises the case services' errors
    (``CaseInputError`` for a priority the environment does not allow, R50)."""
    channel, parsed_subject, body = _readable(raw)
    draft = CaseDraft(
        organization=organization, subject=(subject or parsed_subject or "(no subject)")[:300],
        description=body, environment=environment, priority=priority,
        channel=channel,
    )  # fmt: skip
    case = case_open(draft=draft, requester=None, at=at)
    reason = f"opened {case.number} by hand ({actor.username})"
    raw_inbound_finish(raw, RawStatus.PROCESSED, reason, at=at, case=case)
    return case
