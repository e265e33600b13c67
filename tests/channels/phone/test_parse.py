"""The call record parser: pure, every field it cannot read named."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from casework.accounts.validators import phone_normalise
from casework.channels.phone.channel import PHONE
from casework.channels.phone.parse import CallFieldError, call_parse

AT = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
CALL = {"from": "+1 (555) 010-2000", "to": "+15550100", "started_at": "2026-11-20T17:50:00Z"}


def parse(**fields: Any) -> Any:
    return call_parse(json.dumps({**CALL, **fields}).encode(), received_at=AT)


@pytest.mark.rule("R43")
def test_a_call_record_reads_as_an_inbound_from_the_caller_to_the_number_dialled() -> None:
    inbound = parse(ended_at="2026-11-20T17:55:30+00:00", recording_url="https://pbx.test/r/1")
    assert (inbound.channel, inbound.sender, inbound.organization_hint) == (
        "phone", "+15550102000", "+15550100",
    )  # fmt: skip
    assert inbound.notified_at == datetime(2026, 11, 20, 17, 50, tzinfo=UTC)  # G6
    assert inbound.received_at == AT
    assert inbound.subject == "Phone call from +15550102000"
    assert "Duration: 330 s." in inbound.body
    assert "Recording: https://pbx.test/r/1" in inbound.body
    assert inbound.case_number == ""


def test_the_case_a_call_is_about_is_read_in_any_case() -> None:
    assert parse(case="cw-000042").case_number == "CW-000042"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"from": None}, "from"),
        ({"from": "555-0102"}, "from"),  # no country code
        ({"to": 15550100}, "to"),
        ({"started_at": "yesterday"}, "started_at"),
        ({"started_at": "2026-11-20T17:50:00"}, "started_at"),  # no offset
        ({"started_at": "2026-11-20T18:30:00Z"}, "started_at"),  # after receipt
        ({"ended_at": "2026-11-20T17:40:00Z"}, "ended_at"),  # before the start
        ({"recording_url": "ftp://pbx.test/r/1"}, "recording_url"),
        ({"case": "42"}, "case"),
    ],
)
def test_a_field_that_cannot_be_read_is_named(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(CallFieldError) as raised:
        parse(**fields)
    assert raised.value.field == field
    assert raised.value.reason.startswith(f"{field}: ")


@pytest.mark.parametrize("payload", [b"", b"\xff\xfe", b"[1, 2]", b"null", b'"call"'])
def test_a_body_that_is_not_a_json_object_is_named_body(payload: bytes) -> None:
    with pytest.raises(CallFieldError) as raised:
        call_parse(payload, received_at=AT)
    assert raised.value.field == "body"


def test_the_same_call_posted_twice_has_one_dedup_key_and_unreadable_input_none() -> None:
    one = json.dumps(CALL).encode()
    again = json.dumps({**CALL, "from": "+15550102000", "ended_at": "2026-11-20T18:00:00Z"})
    assert PHONE.dedup_key(one) == PHONE.dedup_key(again.encode())
    assert PHONE.dedup_key(one) == "+15550102000|2026-11-20T17:50:00+00:00"
    assert PHONE.dedup_key(b"\x00not json") == ""


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("+44 20 7946 0958", "+442079460958"),
        ("0044.20.7946.0958", "+442079460958"),
        ("+1-555-010-2000", "+15550102000"),
        ("020 7946 0958", None),  # national: no country code
        ("+0123456789", None),
        ("+12", None),
        ("+1555abc0000", None),
        ("+١٢٣٤٥٦٧٨", None),  # non-ASCII digits
    ],
)
def test_phone_numbers_are_normalised_to_e164_or_refused(raw: str, number: str | None) -> None:
    assert phone_normalise(raw) == number
