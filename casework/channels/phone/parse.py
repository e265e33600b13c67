"""Read a phone system's call record (pure: no database, no clock).

The record is a JSON object ``{from, to, started_at, ended_at?, recording_url?, case?}``:
the caller id, the number dialled (a White Glove customer's dedicated number routes the
call to them, R32), when the call started (the problem's notification instant, G6), and
optionally when it ended, where its recording is and the case number it is about.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from casework.accounts.validators import phone_normalise
from casework.cases.models import Case  # Case.id_from_number only: a pure function
from casework.channels.base import Inbound, ParseError

MAX_URL = 2000


class CallFieldError(ParseError):
    """A field of the call record is missing or unreadable; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _record(payload: bytes) -> dict[str, Any]:
    try:
        record = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as error:
        raise CallFieldError("body", f"not JSON: {error}") from None
    if not isinstance(record, dict):
        raise CallFieldError("body", "expected a JSON object")
    return record


def _text(record: dict[str, Any], field: str, *, required: bool) -> str:
    value = record.get(field)
    if value is None or value == "":
        if required:
            raise CallFieldError(field, "this field is required")
        return ""
    if not isinstance(value, str):
        raise CallFieldError(field, "expected a string")
    return value.strip()


def _number(record: dict[str, Any], field: str) -> str:
    number = phone_normalise(_text(record, field, required=True))
    if number is None:
        raise CallFieldError(field, "expected an international (E.164) number such as +15551234")
    return number


def _instant(record: dict[str, Any], field: str, *, required: bool) -> datetime | None:
    text = _text(record, field, required=required)
    if not text:
        return None
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise CallFieldError(field, "expected an ISO 8601 date and time") from None
    if instant.tzinfo is None:
        raise CallFieldError(field, "expected a time zone offset (Z or +hh:mm)")
    return instant


def _recording(record: dict[str, Any]) -> str:
    url = _text(record, "recording_url", required=False)
    if url and (not url.startswith(("https://", "http://")) or len(url) > MAX_URL):
        raise CallFieldError("recording_url", f"expected an http(s) URL of at most {MAX_URL}")
    return url


def call_parse(payload: bytes, *, received_at: datetime) -> Inbound:
    """The call record as an :class:`Inbound`: ``sender`` the caller id and
    ``organization_hint`` the number dialled (both E.164), ``notified_at`` the call's start
    (G6: the time to open runs from it), the label ``ended_at`` its end when the record has
    one. Raises :class:`CallFieldError` naming the field."""
    record = _record(payload)
    caller, dialled = _number(record, "from"), _number(record, "to")
    started = _instant(record, "started_at", required=True)
    ended = _instant(record, "ended_at", required=False)
    if started is not None and started > received_at:
        raise CallFieldError("started_at", "is after the call record was received")
    if ended is not None and started is not None and ended < started:
        raise CallFieldError("ended_at", "is before started_at")
    recording = _recording(record)
    case = _text(record, "case", required=False).upper()
    if case and Case.id_from_number(case) is None:
        raise CallFieldError("case", "expected a case number such as CW-000042")
    lines = [f"Phone call from {caller} to {dialled}, started {started:%Y-%m-%d %H:%M:%S %Z}."]
    if ended is not None and started is not None:
        lines.append(f"Duration: {int((ended - started).total_seconds())} s.")
    if recording:
        lines.append(f"Recording: {recording}")
    return Inbound(
        channel="phone", received_at=received_at, sender=caller,
        subject=f"Phone call from {caller}", body="\n".join(lines),
        case_number=case,
        organization_hint=dialled, notified_at=started,
        labels=(("ended_at", ended.isoformat()),) if ended is not None else (),
    )  # fmt: skip
