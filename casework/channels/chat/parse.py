"""Reading a chat transcript (pure: no ORM, no clock).

When a conversation becomes a case, or joins one, its transcript is stored as the channel's
raw input (``RawInbound``, channel ``chat``) and read back by :func:`transcript_parse`, like
every other channel's input (STYLE §3.5). The payload is the JSON written by
:func:`transcript_payload`::

    {"conversation": 7, "organization": 3, "contact": 12, "contact_email": "a@acme.test",
     "channel": "chat", "case": "CW-000042" | null, "subject": "…", "priority": "P2" | null,
     "environment": "production", "started_at": "2026-12-02T10:00:00+00:00",
     "messages": [{"at": "…", "author": "Alice Doe", "support": false, "body": "…"}]}
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from casework.channels.base import Inbound, ParseError

ENVIRONMENTS = ("production", "staging", "development")


@dataclass(frozen=True, slots=True)
class Line:
    """One message of a transcript, as it is written into the case."""

    at: datetime
    author: str
    support: bool
    body: str


def transcript_payload(
    *, conversation: int, organization: int, contact: int, contact_email: str, channel: str,
    case: str | None, subject: str, priority: str | None, environment: str,
    started_at: datetime, lines: Sequence[Line],
) -> bytes:  # fmt: skip
    """The raw input of a conversation's transcript (what :func:`transcript_parse` reads)."""
    document = {
        "conversation": conversation, "organization": organization, "contact": contact,
        "contact_email": contact_email, "channel": channel, "case": case, "subject": subject,
        "priority": priority, "environment": environment, "started_at": started_at.isoformat(),
        "messages": [
            {"at": line.at.isoformat(), "author": line.author, "support": line.support,
             "body": line.body}
            for line in lines
        ],
    }  # fmt: skip
    return json.dumps(document, ensure_ascii=False).encode()


def transcript_text(lines: Sequence[Line]) -> str:
    """The transcript as the case shows it: one paragraph per message, UTC times."""
    return "\n\n".join(
        f"[{line.at.strftime('%Y-%m-%d %H:%M:%S')} UTC] "
        f"{line.author}{' (support)' if line.support else ''}:\n{line.body}"
        for line in lines
    )


def _field(document: dict[str, Any], name: str, kind: type) -> Any:
    value = document.get(name)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise ParseError(f"{name}: expected {kind.__name__}, got {type(value).__name__}")
    return value


def _instant(value: object, name: str) -> datetime:
    if not isinstance(value, str):
        raise ParseError(f"{name}: expected an ISO 8601 time")
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise ParseError(f"{name}: {value!r} is not an ISO 8601 time") from None
    if instant.tzinfo is None:
        raise ParseError(f"{name}: {value!r} has no UTC offset")
    return instant


def _lines(raw: object) -> list[Line]:
    if not isinstance(raw, list) or not raw:
        raise ParseError("messages: a transcript needs at least one message")
    lines = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise ParseError(f"messages[{index}]: expected an object")
        body, author = item.get("body"), item.get("author")
        if not isinstance(body, str) or not isinstance(author, str):
            raise ParseError(f"messages[{index}]: author and body must be text")
        at = _instant(item.get("at"), f"messages[{index}].at")
        lines.append(Line(at, author, bool(item.get("support")), body))
    return lines


def transcript_parse(payload: bytes, *, received_at: datetime) -> Inbound:
    """The transcript as one inbound: the case's subject, its description (every message,
    in order), who it is from, the case it joins (``case_number``) and when the problem
    was first told (the conversation's start, for the time-to-open clock, G6).
    ``labels`` carry the organisation and contact ids the conversation belongs to."""
    try:
        document = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ParseError(f"the transcript is not JSON: {error}") from None
    if not isinstance(document, dict):
        raise ParseError("the transcript must be a JSON object")
    conversation = _field(document, "conversation", int)
    organization = _field(document, "organization", int)
    contact = _field(document, "contact", int)
    environment = document.get("environment", "production")
    if environment not in ENVIRONMENTS:
        raise ParseError(f"environment: expected one of {', '.join(ENVIRONMENTS)}")
    case, priority = document.get("case"), document.get("priority")
    if case is not None and not isinstance(case, str):
        raise ParseError("case: expected a case number or null")
    if priority is not None and not isinstance(priority, str):
        raise ParseError("priority: expected a priority id or null")
    channel = document.get("channel", "chat")
    if channel not in ("chat", "messaging"):
        raise ParseError("channel: expected chat or messaging")
    lines = _lines(document.get("messages"))
    subject = str(document.get("subject") or "").strip() or lines[0].body.strip()[:80]
    started_at = _instant(document.get("started_at"), "started_at")
    return Inbound(
        channel=channel, received_at=received_at, sender=str(document.get("contact_email", "")),
        subject=subject[:300], body=transcript_text(lines), case_number=case or "",
        priority=priority, environment=environment, notified_at=started_at,
        message_id=f"conversation:{conversation}",
        labels=(("organization", str(organization)), ("contact", str(contact))),
    )  # fmt: skip
