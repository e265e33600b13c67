"""Personas for case tests (STYLE §3.8): a customer organisation on LiveOps Standard with a
contact, an engineer, and an outsider organisation whose contact must get 404 everywhere."""

from __future__ import annotations

import email
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.contrib.auth.models import User
from django.test import Client, override_settings

from casework.accounts.models import ContactRole, Organization
from casework.accounts.services import organization_create, token_create, user_create
from casework.policies.services import policy_version_load
from tests.support import free_port

PACKS = Path(__file__).resolve().parents[2] / "policy-packs"
SINCE = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class Persona:
    """A user with an API client that sends its bearer token."""

    user: User
    token: str
    client: Client


def persona(user: User) -> Persona:
    _, token = token_create(user=user, name="tests")
    return Persona(user, token, Client(headers={"Authorization": f"Bearer {token}"}))


@pytest.fixture
def packs(db: None) -> None:
    for name in ("liveops", "liveperson"):
        path = PACKS / f"{name}.yaml"
        policy_version_load(text=path.read_text(encoding="utf-8"), filename=str(path))


@pytest.fixture
def acme(packs: None) -> Organization:
    return organization_create(
        name="Acme", policy_id="liveops", plan_id="standard", effective_from=SINCE,
        time_zone="America/Los_Angeles",
    )  # fmt: skip


@pytest.fixture
def globex(packs: None) -> Organization:
    return organization_create(
        name="Globex", policy_id="liveops", plan_id="support-plus", effective_from=SINCE
    )


@pytest.fixture
def alice(acme: Organization) -> Persona:
    """A contact (administrator) of Acme."""
    return persona(
        user_create(
            username="alice", email="alice@acme.test", role="contact", organization=acme,
            contact_role=ContactRole.ADMINISTRATOR,
        )
    )  # fmt: skip


@pytest.fixture
def eve(globex: Organization) -> Persona:
    """The outsider: a contact of another organisation."""
    return persona(
        user_create(username="eve", email="eve@globex.test", role="contact", organization=globex)
    )


@pytest.fixture
def bob(packs: None) -> Persona:
    """A Level 1 support engineer."""
    return persona(user_create(username="bob", email="bob@support.test", role="engineer"))


# -- a real SMTP server (TESTING.md B5) ---------------------------------------------------------


class Inbox:
    """aiosmtpd handler keeping every message; refuses the first ``refuse`` DATA commands."""

    def __init__(self, refuse: int = 0) -> None:
        self.refuse = refuse
        self.received: list[tuple[Envelope, Message]] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 try again later"
        content = envelope.content
        raw = content if isinstance(content, bytes) else str(content).encode()
        self.received.append((envelope, email.message_from_bytes(raw)))
        return "250 OK"


def outbound_to(port: int) -> override_settings:
    """Settings sending casework's mail to the SMTP server on 127.0.0.1:``port``."""
    return override_settings(
        MAILERS={
            "default": {
                "BACKEND": "casework.lib.mail.SMTPBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
            }
        },
        DEFAULT_FROM_EMAIL="casework@support.test",
    )


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with outbound_to(port):
            yield inbox, port
    finally:
        controller.stop()
