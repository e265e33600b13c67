"""Email intake through ``POST /api/v1/intake/email``: stored first, threaded, deduplicated,
size-limited, files saved with the portal's limits; no fixture causes a 500 or is lost."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings

from casework.cases.models import Attachment, Case, Message
from casework.channels.models import RawInbound, RawStatus
from tests.cases.conftest import Persona
from tests.channels.email.conftest import mail

FIXTURES = Path(__file__).parent / "fixtures"
URL = "/api/v1/intake/email"


def post(client: Client, payload: bytes, content_type: str = "message/rfc822") -> Any:
    return client.post(URL, data=payload, content_type=content_type)


def test_a_known_contacts_mail_opens_a_case_and_answers_201(
    postmaster: Persona, alice: Persona
) -> None:
    response = post(postmaster.client, mail(subject="Calls drop", body="Since 9:00."))
    assert response.status_code == 201
    body = response.json()
    case = Case.objects.get()
    assert body == {"id": body["id"], "status": "processed", "reason": f"opened {case.number}",
                    "case": case.number}  # fmt: skip
    assert (case.subject, case.description, case.channel) == ("Calls drop", "Since 9:00.", "email")
    assert case.requester == alice.user


def test_the_same_message_id_twice_is_stored_once_and_answers_200_with_the_first(
    postmaster: Persona, alice: Persona
) -> None:
    first = post(postmaster.client, mail(message_id="<Same@ACME.test>"))
    again = post(postmaster.client, mail(message_id="<Same@acme.test>", body="resent"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert (RawInbound.objects.count(), Case.objects.count()) == (1, 1)


def test_a_reply_threads_to_the_case_by_in_reply_to_or_subject(
    postmaster: Persona, alice: Persona
) -> None:
    opened = post(postmaster.client, mail()).json()
    number = opened["case"]
    by_header = mail(
        message_id="<m2@acme.test>", subject="Re: your case", body="Still down.\n\n> old",
        headers=f"In-Reply-To: <casework.{number}.message.9@localhost>",
    )  # fmt: skip
    by_subject = mail(message_id="<m3@acme.test>", subject=f"RE: [{number}] x", body="And now?")
    assert post(postmaster.client, by_header).json()["reason"] == f"added to {number}"
    assert post(postmaster.client, by_subject).json()["case"] == number
    case = Case.objects.get()
    assert [m.body for m in case.messages.order_by("id")] == ["Still down.", "And now?"]


def test_an_auto_reply_is_stored_as_ignored_and_opens_nothing(
    postmaster: Persona, alice: Persona
) -> None:
    response = post(postmaster.client, mail(headers="Auto-Submitted: auto-replied"))
    assert response.status_code == 201
    assert response.json()["status"] == "ignored"
    assert response.json()["reason"] == "Auto-Submitted: auto-replied (RFC 3834)"
    assert not Case.objects.exists()


def test_an_unknown_sender_is_held(postmaster: Persona, alice: Persona) -> None:
    body = post(postmaster.client, mail(sender="stranger@example.test")).json()
    assert (body["status"], body["case"]) == ("held", None)


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


def with_files(files: list[tuple[str, str, bytes]]) -> bytes:
    parts = "".join(
        f'--b\nContent-Type: {kind}\nContent-Disposition: attachment; filename="{name}"\n'
        f"Content-Transfer-Encoding: base64\n\n{base64.b64encode(data).decode()}\n"
        for name, kind, data in files
    )
    return (
        "From: alice@acme.test\nSubject: Files\nMessage-ID: <files@acme.test>\n"
        'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n'
        f"--b\nContent-Type: text/plain\n\nSee attached.\n{parts}--b--\n"
    ).encode()


def test_attachments_are_saved_and_a_refused_one_is_noted_on_the_case(
    postmaster: Persona, alice: Persona
) -> None:
    payload = with_files([("shot.png", "image/png", PNG), ("tool.exe", "application/x-msdownload",
                          b"MZ\x90\x00 not allowed")])  # fmt: skip
    body = post(postmaster.client, payload).json()
    assert body["status"] == "processed"
    case = Case.objects.get()
    [saved] = Attachment.objects.filter(case=case)
    assert (saved.filename, saved.content_type, saved.uploaded_by) == (
        "shot.png", "image/png", alice.user,
    )  # fmt: skip
    note = Message.objects.get(case=case, kind=Message.Kind.NOTE)
    assert not note.public
    assert "tool.exe: refused" in note.body


def test_a_message_over_the_limit_answers_413_and_stores_nothing(postmaster: Persona) -> None:
    huge = mail(body="x" * 2_000_000)  # generated here: never committed as a fixture
    with override_settings(CASEWORK_EMAIL_MAX_BYTES=1_000_000):
        response = post(postmaster.client, huge)
    assert response.status_code == 413
    assert not RawInbound.objects.exists()


def test_a_huge_message_under_the_limit_is_stored_and_processed(
    postmaster: Persona, alice: Persona
) -> None:
    big = mail(body=("A long log line that repeats. " * 40 + "\n") * 3000)  # ~3.6 MB
    response = post(postmaster.client, big)
    assert response.status_code == 201
    assert response.json()["status"] == "processed"
    assert RawInbound.objects.get().size == len(big)


def test_only_an_administrators_token_may_post_mail(alice: Persona, bob: Persona) -> None:
    assert post(alice.client, mail()).status_code == 403
    assert post(bob.client, mail()).status_code == 403
    assert post(Client(), mail()).status_code == 401
    assert not RawInbound.objects.exists()


def test_a_body_that_is_not_a_message_or_empty_is_refused(postmaster: Persona) -> None:
    assert post(postmaster.client, mail(), content_type="application/json").status_code == 415
    empty = post(postmaster.client, b"")
    assert empty.status_code == 422
    assert empty.json()["detail"][0]["loc"] == ["body", "body"]


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.eml")))
def test_no_fixture_causes_a_500_or_is_lost(name: str, postmaster: Persona, alice: Persona) -> None:
    payload = (FIXTURES / name).read_bytes()
    response = post(postmaster.client, payload)
    assert response.status_code == 201, response.content
    raw = RawInbound.objects.get(pk=response.json()["id"])
    assert bytes(raw.payload) == payload
    assert raw.status in {RawStatus.PROCESSED, RawStatus.IGNORED, RawStatus.HELD, RawStatus.FAILED}
    assert raw.reason


def test_what_parsing_had_to_do_is_noted_on_the_case_it_opened(
    postmaster: Persona, alice: Persona
) -> None:
    payload = mail(body="Grüße").replace(b"charset=utf-8", b"charset=x-nonsense")
    payload = payload.replace("Grüße".encode(), "Grüße".encode("cp1252"))
    assert post(postmaster.client, payload).json()["status"] == "processed"
    case = Case.objects.get()
    assert case.description == "Grüße"
    note = Message.objects.get(case=case, kind=Message.Kind.NOTE)
    assert note.body == "Email intake:\n- declared charset 'x-nonsense': decoded as cp1252"


@override_settings(CASEWORK_SMTP_RATE_LIMIT=2)
def test_past_the_limit_per_sender_the_endpoint_answers_429_and_stores_nothing(
    postmaster: Persona, alice: Persona
) -> None:
    """The SMTP listener's limit per sender applies to posted mail too (issue 5: every
    channel is rate-limited); the mail service sends the refused message again later."""
    for n in (1, 2):
        assert post(postmaster.client, mail(message_id=f"<r{n}@acme.test>")).status_code == 201
    refused = post(postmaster.client, mail(message_id="<r3@acme.test>"))
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "too many messages from this sender" in refused.json()["detail"]
    assert RawInbound.objects.count() == 2
    other = mail(sender="Bea <bea@globex.test>", message_id="<b1@globex.test>")
    assert post(postmaster.client, other).status_code == 201
