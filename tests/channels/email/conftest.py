"""Email intake fixtures: an administrator whose token posts raw mail, and a message maker."""

from __future__ import annotations

import pytest

from casework.accounts.services import user_create
from tests.cases.conftest import Persona, persona


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
