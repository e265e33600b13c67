"""The per-case reply address (``CASEWORK_EMAIL_REPLY_TO``): case mail says
``Reply-To: support+cw-000042@…``, and mail sent there joins case 42 without In-Reply-To or a
number in the subject, if its sender is a contact of the case's organisation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.test import override_settings

from casework.accounts.models import Organization
from casework.cases.models import Case
from casework.cases.services import CaseDraft, case_message_add, case_open
from casework.channels.email.parse import Delivery, email_parse
from casework.channels.models import RawInbound, RawStatus
from tests.cases.conftest import Inbox, Persona
from tests.channels.email.conftest import mail, send

AT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
REPLY_TO = "support@casework.test"
WITH_REPLY_TO = override_settings(CASEWORK_EMAIL_REPLY_TO=REPLY_TO)


def addressed(to: str, *, headers: str = "", subject: str = "Still broken") -> bytes:
    """A message whose To header is ``to`` (the maker's own To line replaced)."""
    payload = mail(subject=subject, message_id="<r1@acme.test>", headers=headers)
    return payload.replace(b"To: support@casework.test\n", f"To: {to}\n".encode())


def number_of(payload: bytes, delivery: Delivery) -> str:
    return email_parse(payload, received_at=AT, delivery=delivery).case_number


@pytest.mark.parametrize(
    ("payload", "rcpt_tos"),
    [
        (addressed("Support <support+cw-000042@casework.test>"), ()),
        (addressed("someone@acme.test", headers="Cc: SUPPORT+CW-000042@Casework.Test"), ()),
        (addressed("x@acme.test", headers="Delivered-To: support+cw-000042@casework.test"), ()),
        (addressed("support@casework.test"), ("support+cw-000042@casework.test",)),
    ],
    ids=["to", "cc-any-case", "delivered-to", "envelope-recipient"],
)
def test_the_case_address_names_the_case_wherever_the_message_was_sent_to_it(
    payload: bytes, rcpt_tos: tuple[str, ...]
) -> None:
    assert number_of(payload, Delivery(rcpt_tos=rcpt_tos, reply_to=REPLY_TO)) == "CW-000042"


@pytest.mark.parametrize(
    "to",
    ["support+cw-000042@elsewhere.test", "other+cw-000042@casework.test",
     "xsupport+cw-000042@casework.test", "support+cw-000042@casework.test.evil",
     "support+cw-42@casework.test"],
)  # fmt: skip
def test_look_alike_addresses_name_no_case(to: str) -> None:
    assert number_of(addressed(to), Delivery(reply_to=REPLY_TO)) == ""


def test_without_the_setting_the_address_means_nothing_and_headers_come_first() -> None:
    case_address = addressed("support+cw-000042@casework.test")
    assert number_of(case_address, Delivery()) == ""
    ours = "In-Reply-To: <casework.CW-000009.reply.1@casework.test>"
    replying = addressed("support+cw-000042@casework.test", subject="Re: [CW-000007] x",
                         headers=ours)  # fmt: skip
    assert number_of(replying, Delivery(reply_to=REPLY_TO)) == "CW-000009"  # In-Reply-To first
    subject_too = addressed("support+cw-000042@casework.test", subject="Re: [CW-000007] x")
    assert number_of(subject_too, Delivery(reply_to=REPLY_TO)) == "CW-000042"  # then the address


def alices_case(acme: Organization, alice: Persona) -> Case:
    draft = CaseDraft(organization=acme, subject="Calls drop", environment="production")
    return case_open(draft=draft, requester=alice.user, at=AT)


@WITH_REPLY_TO
def test_mail_to_the_case_address_joins_the_case_by_smtp_envelope_or_header(
    transactional_db: None, listener: int, acme: Organization, alice: Persona
) -> None:
    case = alices_case(acme, alice)
    address = f"support+{case.number.lower()}@casework.test"
    send(listener, addressed("support@casework.test"), to=(address,))  # envelope only
    send(listener, mail(subject="More", body="And more.", message_id="<r2@acme.test>")
         .replace(b"To: support@casework.test", f"To: {address}".encode()))  # fmt: skip
    assert Case.objects.count() == 1
    assert [m.body for m in case.messages.order_by("id")] == ["Help.", "And more."]
    assert set(RawInbound.objects.values_list("status", flat=True)) == {RawStatus.PROCESSED}
    first = RawInbound.objects.get(dedup_key="<r1@acme.test>")
    assert first.envelope == {"mail_from": "alice@acme.test", "rcpt_tos": [address]}


@WITH_REPLY_TO
def test_a_contact_of_another_organisation_writing_to_the_case_address_does_not_join_it(
    transactional_db: None, listener: int, acme: Organization, alice: Persona, eve: Persona
) -> None:
    case = alices_case(acme, alice)
    intruder = mail(sender="Eve <eve@globex.test>", subject="Let me in", message_id="<e1@g.test>")
    send(listener, intruder, sender="eve@globex.test",
         to=(f"support+{case.number.lower()}@casework.test",))  # fmt: skip
    assert not case.messages.exists()  # as with a quoted In-Reply-To: her own case instead
    (own,) = Case.objects.exclude(pk=case.pk)
    assert (own.organization.name, own.requester, own.subject) == ("Globex", eve.user, "Let me in")


@pytest.mark.parametrize("reply_to", [REPLY_TO, ""])
def test_every_mail_about_a_case_carries_its_reply_address_when_one_is_set(
    transactional_db: None, acme: Organization, alice: Persona, bob: Persona,
    smtp: tuple[Inbox, int], reply_to: str,
) -> None:  # fmt: skip
    inbox, _ = smtp
    case = alices_case(acme, alice)
    with override_settings(CASEWORK_EMAIL_REPLY_TO=reply_to):
        case_message_add(case=case, author=bob.user, body="Rerouted.", public=True,
                         from_support=True, at=AT)  # fmt: skip
        call_command("worker", "--once")
    ((_, reply),) = inbox.received
    expected = f"support+{case.number.lower()}@casework.test" if reply_to else None
    assert reply["Reply-To"] == expected
