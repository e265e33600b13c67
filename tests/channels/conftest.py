"""Intake fixtures: the case personas (tests/cases/conftest.py) and a plain-text channel of
the tests' own, to drive the shared intake service without any one transport."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

import pytest

from casework.channels.base import CHANNELS, Channel, Inbound, ParseError, channel_register
from tests.cases.conftest import acme, alice, bob, eve, globex, packs, persona, smtp

__all__ = ["acme", "alice", "bob", "eve", "globex", "packs", "persona", "smtp"]


class NoteChannel(Channel):
    """A JSON note: ``{"from", "subject", "body", "case"?, "ignore"?, "id"?}``."""

    name = "test-note"
    max_bytes = 1024

    def parse(self, payload: bytes, *, received_at: datetime) -> Inbound:
        """Read the note; anything but a JSON object is a ParseError."""
        try:
            note = json.loads(payload)
        except ValueError as error:
            raise ParseError(f"not JSON: {error}") from None
        if not isinstance(note, dict):
            raise ParseError("expected a JSON object")
        return Inbound(
            channel="email", received_at=received_at, sender=note.get("from", ""),
            subject=note.get("subject", ""), body=note.get("body", ""),
            case_number=note.get("case", ""), ignore=note.get("ignore"),
        )  # fmt: skip

    def dedup_key(self, payload: bytes) -> str:
        """The note's ``id``, if it has one."""
        try:
            return str(json.loads(payload).get("id", ""))
        except (ValueError, AttributeError):
            return ""


@pytest.fixture
def note_channel() -> Iterator[Channel]:
    channel = channel_register(NoteChannel())
    yield channel
    CHANNELS.pop(channel.name, None)
