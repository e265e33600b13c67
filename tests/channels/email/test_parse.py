"""The pure email parser, one test per fixture in ``fixtures/`` (real-world-shaped mail)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casework.channels.base import Inbound, ParseError
from casework.channels.email.parse import (
    LOOP_HEADER,
    Delivery,
    email_parse,
    message_id_normalised,
)

FIXTURES = Path(__file__).parent / "fixtures"
AT = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def parsed(name: str) -> Inbound:
    return email_parse((FIXTURES / name).read_bytes(), received_at=AT)


def test_plain_text_mail_gives_sender_subject_body_and_message_id() -> None:
    inbound = parsed("plain.eml")
    assert (inbound.sender, inbound.sender_name) == ("alice@acme.example", "Alice Example")
    assert inbound.subject == "Checkout page times out since this morning"
    assert inbound.body.startswith("Hello,\n\nSince about 08:30 our checkout page times out")
    assert inbound.message_id == "<20261202091358.A1B2C3@mx.acme.example>"
    assert (inbound.channel, inbound.received_at, inbound.ignore) == ("email", AT, None)
    assert (inbound.case_number, inbound.files, inbound.notes) == ("", (), ())


def test_multipart_alternative_prefers_the_plain_text_part() -> None:
    inbound = parsed("multipart_alternative.eml")
    assert inbound.body.startswith("The nightly export job has been stuck at 99% for two hours")
    assert inbound.body.endswith("— plain part.")


def test_html_only_mail_is_sanitised_to_text_without_scripts_handlers_or_images() -> None:
    body = parsed("html_only.eml").body
    assert body == (
        "Our dashboard shows Error 503 on every page.\n\nSteps: open the dashboard, wait & reload."
    )
    for gone in ("script", "alert", "evil.example", "onerror", "onload", "tracker", "<", "color"):
        assert gone not in body


def test_inline_cid_image_becomes_a_file_and_the_text_part_the_body() -> None:
    inbound = parsed("inline_image.eml")
    assert inbound.body.startswith("See the screenshot below.")
    [image] = inbound.files
    assert (image.name, image.content_type) == ("screenshot.png", "image/png")
    assert image.content.startswith(b"\x89PNG\r\n\x1a\n")


def test_iso_8859_1_mail_is_decoded_by_its_declared_charset() -> None:
    inbound = parsed("latin1.eml")
    assert inbound.subject == "Problème de facturation"
    assert "« Erreur interne »" in inbound.body
    assert "René" in inbound.body
    assert inbound.notes == ()


def test_an_unknown_declared_charset_falls_back_with_a_note() -> None:
    inbound = parsed("wrong_charset.eml")
    assert "“€ 1 200”" in inbound.body
    assert inbound.notes == ("declared charset 'x-unknown-charset': decoded as cp1252",)


def test_a_missing_charset_on_8bit_text_falls_back_with_a_note() -> None:
    inbound = parsed("missing_charset.eml")
    assert inbound.body.startswith("Grüße aus Köln")
    assert inbound.notes == ("no charset declared: decoded as cp1252",)


def test_winmail_dat_is_kept_as_a_file_with_a_note() -> None:
    inbound = parsed("winmail.eml")
    assert inbound.body == "Please find the logs attached."
    [tnef] = inbound.files
    assert (tnef.name, tnef.content_type) == ("winmail.dat", "application/ms-tnef")
    assert len(inbound.notes) == 1
    assert "winmail.dat" in inbound.notes[0]


def test_malformed_headers_still_give_an_inbound_with_what_can_be_read() -> None:
    inbound = parsed("malformed_headers.eml")
    assert inbound.sender == "alice@acme.example"
    assert "body with broken bytes" in inbound.body
    assert inbound.ignore is None


def test_a_forwarded_message_keeps_what_was_forwarded() -> None:
    body = parsed("forwarded.eml").body
    assert body.startswith("Forwarding the alert our ops team got")
    assert "Backup of db-02 failed: disk quota exceeded." in body


def test_a_delivery_status_bounce_is_ignored_with_the_reason() -> None:
    inbound = parsed("bounce_dsn.eml")
    assert inbound.ignore == "Auto-Submitted: auto-replied (RFC 3834)"


def test_an_out_of_office_reply_is_ignored_even_though_it_threads() -> None:
    inbound = parsed("out_of_office.eml")
    assert inbound.case_number == "CW-000042"
    assert inbound.ignore == "Auto-Submitted: auto-replied (RFC 3834)"


def test_list_mail_is_ignored() -> None:
    assert parsed("list_mail.eml").ignore == "list mail (List-Id)"


def test_a_reply_to_a_notification_threads_by_in_reply_to_and_drops_the_quote() -> None:
    inbound = parsed("reply_notification.eml")
    assert inbound.case_number == "CW-000042"
    assert inbound.body == "Thanks, the restart fixed it on our side too."


def test_a_reply_with_only_the_case_number_in_the_subject_threads_by_it() -> None:
    inbound = parsed("reply_subject_only.eml")
    assert (inbound.case_number, inbound.body) == ("CW-000042", "It happened again at 18:05.")


def test_quoted_history_signature_and_outlook_headers_are_stripped_from_the_body() -> None:
    assert parsed("quoted_signature.eml").body == "The error is back: 504 on /checkout."


def message(headers: str, body: str = "Hello.") -> bytes:
    return f"From: Alice <alice@acme.example>\nSubject: s\n{headers}\n\n{body}\n".encode()


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ("Auto-Submitted: auto-generated", "Auto-Submitted: auto-generated (RFC 3834)"),
        ("Precedence: bulk", "Precedence: bulk"),
        ("Precedence: junk", "Precedence: junk"),
        ("Precedence: auto_reply", "Precedence: auto_reply"),
        ("List-Unsubscribe: <mailto:x@lists.example>", "list mail (List-Unsubscribe)"),
        ("X-Auto-Response-Suppress: OOF", "automatic message (X-Auto-Response-Suppress)"),
        ("X-Autoreply: yes", "automatic message (X-Autoreply)"),
        ("X-Autorespond: yes", "automatic message (X-Autorespond)"),
        (f"{LOOP_HEADER}: casework.example", f"automatic message ({LOOP_HEADER})"),
        ("Return-Path: <>", "null return path (Return-Path: <>)"),
        (
            "Content-Type: multipart/report; report-type=delivery-status; boundary=b",
            "delivery report (multipart/report; report-type=delivery-status)",
        ),
    ],
)
def test_automatic_and_loop_headers_make_a_message_ignored(headers: str, reason: str) -> None:
    assert email_parse(message(headers), received_at=AT).ignore == reason


@pytest.mark.parametrize(
    "sender", ["MAILER-DAEMON", "postmaster", "owner-dev", "dev-request", "noreply", "no-reply"]
)
def test_automatic_sender_addresses_are_ignored(sender: str) -> None:
    payload = f"From: {sender}@lists.example\nSubject: s\n\nbody\n".encode()
    assert email_parse(payload, received_at=AT).ignore == f"automatic sender ({sender.lower()}@)"


def test_auto_submitted_no_and_precedence_first_class_are_acted_on() -> None:
    inbound = email_parse(message("Auto-Submitted: no\nPrecedence: first-class"), received_at=AT)
    assert inbound.ignore is None


def test_references_name_the_case_when_in_reply_to_is_someone_else() -> None:
    headers = (
        "In-Reply-To: <other@acme.example>\n"
        "References: <casework.CW-000007.opened.1@casework.example> <other@acme.example>"
    )
    inbound = email_parse(message(headers, "Subject says [CW-000099]"), received_at=AT)
    assert inbound.case_number == "CW-000007"


def test_a_foreign_message_id_with_a_case_number_does_not_thread() -> None:
    inbound = email_parse(message("In-Reply-To: <CW-000042@elsewhere.example>"), received_at=AT)
    assert inbound.case_number == ""


def test_message_id_is_normalised_for_deduplication() -> None:
    assert message_id_normalised(message("Message-ID:  <Abc.1@MX.Acme.Example> ")) == (
        "<Abc.1@mx.acme.example>"
    )
    assert message_id_normalised(message("X-No-Id: 1")) == ""
    assert message_id_normalised(b"") == ""


@pytest.mark.parametrize("payload", [b"", b"   \n\n", b"\n\nonly a body"])
def test_input_without_headers_is_a_parse_error(payload: bytes) -> None:
    with pytest.raises(ParseError):
        email_parse(payload, received_at=AT)


HEADER_NAMES = (
    "From", "Subject", "Content-Type", "Message-ID", "References", "Return-Path", "In-Reply-To",
    "Content-Transfer-Encoding", "Auto-Submitted",
)  # fmt: skip


def parse_outcome(payload: bytes) -> str:
    """What parsing ``payload`` gave; any other exception propagates and fails the test."""
    try:
        inbound = email_parse(payload, received_at=AT)
    except ParseError as error:
        return "parse error with a reason" if error.reason else "parse error without a reason"
    return type(inbound).__name__.lower()


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_random_bytes_give_an_inbound_or_a_parse_error_only(payload: bytes) -> None:
    assert parse_outcome(payload) in {"inbound", "parse error with a reason"}


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(HEADER_NAMES),
            st.text(max_size=80),
        ),
        max_size=8,
    ),
    st.binary(max_size=300),
)
def test_random_headers_give_an_inbound_or_a_parse_error_only(
    headers: list[tuple[str, str]], body: bytes
) -> None:
    payload = "".join(f"{k}: {v}\n" for k, v in headers).encode("utf-8", "replace") + b"\n" + body
    assert parse_outcome(payload) in {"inbound", "parse error with a reason"}


def test_a_null_envelope_sender_is_a_bounce_but_no_envelope_says_nothing() -> None:
    payload = (FIXTURES / "plain.eml").read_bytes()
    for null in ("", "<>"):
        bounce = email_parse(payload, received_at=AT, delivery=Delivery(mail_from=null))
        assert bounce.ignore == "null envelope sender (MAIL FROM:<>)"
    by_http = email_parse(payload, received_at=AT, delivery=Delivery(mail_from=None))
    assert by_http.ignore is None
    by_smtp = email_parse(payload, received_at=AT, delivery=Delivery(mail_from="a@acme.example"))
    assert by_smtp.ignore is None
