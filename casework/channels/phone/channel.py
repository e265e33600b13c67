"""The phone channel: who a call is from and which case it joins (R43, R32).

A call to an organisation's dedicated White Glove number is that organisation's whatever the
caller id (R32); otherwise the caller id names the one active contact with that phone number.
The call joins an open case of that organisation when the record names it (``case``) or,
failing that, when the caller has exactly one case open (the rule: unambiguous, or a new
case); nobody known holds the record with the reason (nothing is lost).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib.auth.models import User

from casework.accounts.models import Contact, Organization
from casework.cases.models import Case, Status
from casework.channels.base import Channel, Inbound, channel_register
from casework.channels.phone.parse import call_parse

# Statuses in which a call joins a case rather than opening one.
_FINISHED = (Status.RESOLVED, Status.CLOSED)


@dataclass(frozen=True, slots=True)
class Caller:
    """Whose call it is: the organisation, and the calling contact when they are known."""

    organization: Organization
    contact: Contact | None


def contact_by_phone(number: str) -> Contact | None:
    """The active contact with this (E.164) phone number, if exactly one has it."""
    contacts = Contact.objects.select_related("user", "organization")
    found = list(contacts.filter(phone=number, user__is_active=True)[:2]) if number else []
    return found[0] if len(found) == 1 else None


def caller_match(*, number: str, dialled: str) -> Caller | None:
    """Whose call this is: the organisation whose dedicated White Glove number was
    ``dialled`` (R32; the caller is its contact only if they are one of its own), else the
    one active contact whose phone is ``number`` (both E.164, "" when unknown)."""
    contact = contact_by_phone(number)
    dedicated = Organization.objects.filter(dedicated_phone=dialled).first() if dialled else None
    if dedicated is not None:
        same = contact is not None and contact.organization_id == dedicated.pk
        return Caller(dedicated, contact if same else None)
    return Caller(contact.organization, contact) if contact is not None else None


def caller_of(inbound: Inbound) -> Caller | None:
    """The caller of a call record: see :func:`caller_match` (``sender`` is the caller id,
    ``organization_hint`` the number dialled)."""
    return caller_match(number=inbound.sender, dialled=inbound.organization_hint)


class PhoneChannel(Channel):
    """Call records from a phone system (``POST /api/v1/intake/calls``)."""

    name = "phone"
    max_bytes = 16 * 1024

    def parse(self, payload: bytes, *, received_at: datetime) -> Inbound:
        """See :func:`casework.channels.phone.parse.call_parse`."""
        return call_parse(payload, received_at=received_at)

    def dedup_key(self, payload: bytes) -> str:
        """``from|started_at``: a phone system posting the same call twice stores it once."""
        try:
            inbound = call_parse(payload, received_at=datetime.max.replace(tzinfo=UTC))
        except (ValueError, TypeError):
            return ""
        started = inbound.notified_at.isoformat() if inbound.notified_at else ""
        return f"{inbound.sender}|{started}"

    def case_for(self, inbound: Inbound) -> Case | None:
        """The open case of the caller's organisation the record names (one that is not
        theirs or not open: a new case), else the caller's single open case (none, or
        several: a new case)."""
        caller = caller_of(inbound)
        if caller is None:
            return None
        cases = Case.objects.filter(organization=caller.organization).exclude(status__in=_FINISHED)
        case_id = Case.id_from_number(inbound.case_number) if inbound.case_number else None
        if case_id is not None:
            return cases.filter(pk=case_id).first()
        if caller.contact is None:
            return None
        open_cases = list(cases.filter(requester=caller.contact.user)[:2])
        return open_cases[0] if len(open_cases) == 1 else None

    def opener_for(self, inbound: Inbound) -> tuple[Organization, User | None] | None:
        """(organisation, the calling contact's user or None): see :func:`caller_of`."""
        caller = caller_of(inbound)
        if caller is None:
            return None
        return caller.organization, caller.contact.user if caller.contact else None


PHONE = channel_register(PhoneChannel())
