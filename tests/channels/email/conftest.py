"""Email intake fixtures: an administrator whose token posts raw mail, a message maker, and
the listener ``casework smtpd`` runs (its aiosmtpd controller on a free loopback port),
spoken to with ``smtplib``, and a real Dovecot IMAP server with an account per test."""

from __future__ import annotations

import itertools
import smtplib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import override_settings

from casework.accounts.services import user_create
from casework.channels.email.intake import smtp_controller
from casework.channels.models import Mailbox, MailboxTls
from tests.cases.conftest import Persona, persona
from tests.support import Dovecot, free_port


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


# -- a real IMAP server (TESTING.md B2: Dovecot) ------------------------------------------------


ACCOUNTS = 64  # made when the server starts (Dovecot rereads its users at most once a second)


def _account_names(number: int) -> tuple[str, str]:
    return f"support{number}@casework.test", f"pw-{number}-secret"


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """One Dovecot for the run, with an account for each test (``imap_account``)."""
    with Dovecot() as server:
        for number in range(1, ACCOUNTS + 1):
            server.user_add(*_account_names(number))
        yield server


@dataclass(frozen=True)
class ImapAccount:
    """A fresh account on the test Dovecot, and the variable its password is in."""

    server: Dovecot
    username: str
    password: str
    password_env: str

    def deliver(self, message: bytes, folder: str = "INBOX") -> None:
        """Put ``message`` in ``folder`` by IMAP APPEND (unseen)."""
        self.server.append(self.username, self.password, message, folder)

    def flags(self, folder: str = "INBOX") -> list[set[str]]:
        """The flags of each message in ``folder``."""
        return self.server.flags(self.username, self.password, folder)


_accounts = itertools.count(1)


@pytest.fixture
def imap_account(dovecot: Dovecot) -> Iterator[ImapAccount]:
    """An account nobody used, its INBOX empty; casework's environment has its password
    (in ``CASEWORK_IMAP_PASSWORD_T<N>``) and trusts the server's certificate."""
    number = next(_accounts)
    assert number <= ACCOUNTS, "more IMAP tests than accounts: raise ACCOUNTS"
    username, password = _account_names(number)
    account = ImapAccount(dovecot, username, password, f"CASEWORK_IMAP_PASSWORD_T{number}")
    with override_settings(
        CASEWORK_IMAP_PASSWORDS={account.password_env: account.password},
        CASEWORK_IMAP_CA_FILE=dovecot.ca_file,
    ):
        yield account


def mailbox_for(account: ImapAccount, **fields: Any) -> Mailbox:
    """A mailbox row polling ``account`` over IMAPS (``fields`` override any column)."""
    values: dict[str, Any] = {
        "name": "support", "host": "127.0.0.1", "port": account.server.ssl_port,
        "tls": MailboxTls.SSL, "username": account.username,
        "password_env": account.password_env,
    }  # fmt: skip
    return Mailbox.objects.create(**(values | fields))
