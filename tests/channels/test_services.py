"""The one intake service: stored first, processed once it worked, never lost."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from casework.cases.models import Case
from casework.channels.base import Channel
from casework.channels.models import RawInbound, RawStatus
from casework.channels.services import contact_by_address, raw_inbound_process, raw_inbound_store
from tests.cases.conftest import Persona

AT = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


def deliver(channel: Channel, **note: Any) -> RawInbound:
    payload = json.dumps(note).encode()
    stored = raw_inbound_store(channel=channel, payload=payload, source="test", received_at=AT)
    return raw_inbound_process(stored.raw, at=AT)


def test_a_known_contact_opens_a_case_for_their_organisation(
    note_channel: Channel, alice: Persona
) -> None:
    raw = deliver(note_channel, **{"from": "Alice@Acme.test", "subject": "Calls drop", "body": "x"})
    assert raw.status == RawStatus.PROCESSED
    assert raw.case is not None
    case = Case.objects.get(pk=raw.case.pk)
    assert (case.organization, case.requester, case.channel) == (
        alice.user.contact.organization, alice.user, "email",
    )  # fmt: skip
    assert raw.reason == f"opened {case.number}"
    assert bytes(RawInbound.objects.get(pk=raw.pk).payload).startswith(b'{"from"')


def test_quoting_a_case_number_adds_to_that_case_only_for_its_organisation(
    note_channel: Channel, alice: Persona, eve: Persona
) -> None:
    opened = deliver(note_channel, **{"from": "alice@acme.test", "subject": "Calls drop"})
    assert opened.case is not None
    number = opened.case.number
    reply = deliver(note_channel, **{"from": "alice@acme.test", "case": number, "body": "more"})
    assert reply.case == opened.case
    assert reply.reason == f"added to {number}"
    assert opened.case.messages.get().body == "more"
    # An outsider quoting the number opens a case of their own instead.
    outsider = deliver(note_channel, **{"from": "eve@globex.test", "case": number, "body": "hi"})
    assert outsider.case is not None
    assert outsider.case != opened.case
    assert outsider.case.organization == eve.user.contact.organization


def test_an_unknown_sender_is_held_and_an_automatic_message_ignored_both_kept(
    note_channel: Channel, alice: Persona
) -> None:
    held = deliver(note_channel, **{"from": "stranger@example.test", "subject": "Hello"})
    assert (held.status, held.case) == (RawStatus.HELD, None)
    assert "stranger@example.test" in held.reason
    ignored = deliver(note_channel, **{"from": "alice@acme.test", "ignore": "an auto-reply"})
    assert (ignored.status, ignored.reason) == (RawStatus.IGNORED, "an auto-reply")
    assert not Case.objects.exists()
    assert RawInbound.objects.count() == 2


def test_unreadable_or_refused_input_fails_with_the_reason_and_can_be_retried(
    note_channel: Channel, alice: Persona
) -> None:
    stored = raw_inbound_store(
        channel=note_channel, payload=b"\xff not json", source="test", received_at=AT
    )
    failed = raw_inbound_process(stored.raw, at=AT)
    assert failed.status == RawStatus.FAILED
    assert failed.reason.startswith("not JSON")
    assert failed.attempts == 1
    again = raw_inbound_process(failed, at=AT)
    assert (again.status, again.attempts) == (RawStatus.FAILED, 2)


def test_the_same_input_delivered_twice_is_stored_and_acted_on_once(
    note_channel: Channel, alice: Persona
) -> None:
    payload = json.dumps({"id": "<m1@acme.test>", "from": "alice@acme.test"}).encode()
    first = raw_inbound_store(channel=note_channel, payload=payload, source="a", received_at=AT)
    raw_inbound_process(first.raw, at=AT)
    second = raw_inbound_store(channel=note_channel, payload=payload, source="b", received_at=AT)
    assert (first.created, second.created) == (True, False)
    assert second.raw.pk == first.raw.pk
    assert raw_inbound_process(second.raw, at=AT).status == RawStatus.PROCESSED
    assert Case.objects.count() == 1


def test_a_contact_is_found_by_address_in_any_case_only_if_active_and_only_one(
    alice: Persona, eve: Persona
) -> None:
    found = contact_by_address("ALICE@acme.TEST")
    assert found is not None
    assert (found.user, found.organization.name) == (alice.user, "Acme")
    assert contact_by_address("alice@acme.tes") is None
    assert contact_by_address("alice%") is None  # no pattern: a LIKE wildcard matches nothing
    eve.user.email = "Alice@Acme.test"  # two contacts with one address: neither is meant
    eve.user.save()
    assert contact_by_address("alice@acme.test") is None
    eve.user.is_active = False
    eve.user.save()
    assert contact_by_address("alice@acme.test") == found
