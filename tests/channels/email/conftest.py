"""Email intake fixtures: an administrator whose token posts raw mail, a message maker, and
the listener ``casework smtpd`` runs (its aiosmtpd controller on a free loopback port),
spoken to with ``smtplib``."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator

import pytest
from django.test import override_settings

from casework.accounts.services import user_create
from casework.channels.email.intake import smtp_controller
from tests.cases.conftest import Persona, persona
from tests.support import free_port


@pytest.fixture
def postmaster(packs: None) -> Persona:
    """A staff administrator: the account a mail service posts with."""
    return persona(user_create(username="mailsvc", email="mailsvc@casework.test", role="admin"))


def mail(
    *, sender: str = "Alice <alice@acme.test>", subject: str = "Calls drop", body: str = "Help.",
    message_id: str = "<m1@acme.test>", headers: str = "",
) -> bytes:  # fmt: skip
    """A plain text message, with any extra header lines."""
    extra = f"{headers}\n" if headers else ""
    return (
        f"From: {sender}\nTo: support@casework.test\nSubject: {subject}\n"
        f"Message-ID: {message_id}\nDate: Wed, 2 Dec 2026 10:00:00 +0000\n{extra}"
        f"Content-Type: text/plain; charset=utf-8\n\n{body}\n"
    ).encode()


@pytest.fixture
def listener() -> Iterator[int]:
    """casework's SMTP listener on a free port (200 kB limit); its thread needs committed
    rows: use it with ``transactional_db``."""
    port = free_port()
    with override_settings(CASEWORK_EMAIL_MAX_BYTES=200_000):
        controller = smtp_controller(host="127.0.0.1", port=port)
        controller.start()
        try:
            yield port
        finally:
            controller.stop()


def crlf(payload: bytes) -> bytes:
    """Line endings as on the wire (smtplib sends bytes as they are)."""
    return payload.replace(b"\n", b"\r\n")


def send(
    port: int, payload: bytes, sender: str = "alice@acme.test",
    to: tuple[str, ...] = ("support@casework.test",),
) -> None:  # fmt: skip
    """One SMTP transaction: ``MAIL FROM:<sender>``, ``RCPT TO`` each of ``to``, the data."""
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.sendmail(sender, list(to), crlf(payload))
