"""Alertmanager's webhook payload read without side effects (R5)."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework.channels.alertmanager.parse import alert_fingerprint, alert_parse, alert_split
from casework.channels.base import ParseError

FIXTURES = Path(__file__).parent / "fixtures"
AT = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.mark.rule("R5")
def test_a_firing_alert_reads_as_a_noc_input_with_its_start_for_the_time_to_open() -> None:
    (document,) = alert_split(fixture("firing.json"))
    inbound = alert_parse(document, received_at=AT)
    labels = dict(inbound.labels)
    assert inbound.channel == "noc"
    assert inbound.subject == "[InboundCallsFailing] Inbound calls fail for 40% of agents"
    assert inbound.notified_at == datetime(2026, 11, 20, 17, 55, tzinfo=UTC)
    assert inbound.organization_hint == "acme"
    assert (labels["_fingerprint"], labels["_status"], labels["severity"]) == (
        "5f1e0c3a9b7d2e41", "firing", "critical",
    )  # fmt: skip
    assert "SIP 503 from the edge since 09:02" in inbound.body
    assert alert_fingerprint(document) == "5f1e0c3a9b7d2e41|2026-11-20T17:55:00Z|firing"


def test_a_grouped_notification_splits_into_its_alerts_each_whole() -> None:
    documents = alert_split(fixture("grouped.json"))
    assert [json.loads(d)["alert"]["fingerprint"] for d in documents] == [
        "5f1e0c3a9b7d2e41", "77aa01bc33de9f10", "0d0d0d0d0d0d0d0d",
    ]  # fmt: skip
    assert json.loads(documents[0])["externalURL"] == "http://alertmanager.local:9093"


def test_resolved_keeps_its_state_and_the_zero_end_of_a_firing_alert_is_no_time() -> None:
    (document,) = alert_split(fixture("resolved.json"))
    assert dict(alert_parse(document, received_at=AT).labels)["_status"] == "resolved"
    assert alert_fingerprint(document).endswith("|resolved")


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"{", "not JSON"),
        (b"[]", "expected a JSON object"),
        (b'{"version": "3", "alerts": [{}]}', "unsupported webhook version"),
        (b'{"alerts": []}', "alerts: expected a non-empty list"),
        (b"[" * 100_000 + b"]" * 100_000, "not JSON"),
    ],
)
def test_what_is_not_a_notification_is_a_parse_error_with_the_reason(
    payload: bytes, reason: str
) -> None:
    with pytest.raises(ParseError, match=reason):
        alert_split(payload)


@pytest.mark.parametrize(
    ("alert", "reason"),
    [
        ({"status": "firing"}, "fingerprint"),
        ({"fingerprint": "f", "status": "pending"}, "status"),
        ({"fingerprint": "f", "status": "firing", "labels": {"a": 1}}, "labels"),
        ({"fingerprint": "f", "status": "firing", "startsAt": "yesterday"}, "startsAt"),
        ({"fingerprint": "f", "status": "firing", "startsAt": "2026-11-20T17:55:00"}, "offset"),
    ],
)
def test_a_malformed_alert_is_a_parse_error_naming_the_field(
    alert: dict[str, object], reason: str
) -> None:
    document = json.dumps({"alert": alert}).encode()
    with pytest.raises(ParseError, match=reason):
        alert_parse(document, received_at=AT)


@given(st.binary(max_size=300))
def test_any_bytes_give_alerts_or_a_parse_error_and_nothing_else(payload: bytes) -> None:
    alert_fingerprint(payload)  # the dedup key never raises either
    try:
        documents = alert_split(payload)
    except ParseError:
        return
    for document in documents:
        with contextlib.suppress(ParseError):
            alert_parse(document, received_at=AT)
        alert_fingerprint(document)
