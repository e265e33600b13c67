"""``POST /api/v1/intake/alertmanager`` over HTTP (SPEC §4; R5, R7, R8): one case per alert
fingerprint with origin noc, re-sends stored once, resolved → service restored, never a 500."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.test import Client, override_settings

from casework.accounts.models import Organization
from casework.accounts.services import organization_create
from casework.cases.models import Case, Origin
from casework.channels.alertmanager import api as alertmanager_api
from casework.channels.models import RawInbound, RawStatus
from tests.cases.conftest import SINCE
from tests.cases.test_api import NOW

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "am-secret-token"  # noqa: S105 - a test token


@pytest.fixture(autouse=True)
def configured() -> Any:
    with override_settings(CASEWORK_ALERTMANAGER_TOKEN=TOKEN), time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def acme_noc(packs: None) -> Organization:
    """A LiveOps Standard customer whose slug, ``acme``, the alerts' organization label names."""
    return organization_create(
        name="Acme", policy_id="liveops", plan_id="standard", effective_from=SINCE
    )


def post(body: bytes | dict[str, Any], token: str | None = TOKEN) -> Any:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return Client(headers=headers).post(
        "/api/v1/intake/alertmanager", data, content_type="application/json"
    )


def fixture(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return loaded


@pytest.mark.rule("R5")
def test_a_firing_alert_opens_a_noc_case_with_the_mapped_priority_and_time_to_open(
    acme_noc: Organization,
) -> None:
    answer = post(fixture("firing.json"))
    assert answer.status_code == 200, answer.content
    (alert,) = answer.json()["alerts"]
    case = Case.objects.get()
    assert alert == {"id": alert["id"], "status": "processed", "reason": f"opened {case.number}",
                     "case": case.number}  # fmt: skip
    assert (case.organization, case.origin, case.channel, case.priority) == (
        acme_noc, Origin.NOC, "noc", "P1",  # severity=critical → P1 (rules.monitoring)
    )  # fmt: skip
    assert case.subject == "[InboundCallsFailing] Inbound calls fail for 40% of agents"
    # The problem was notified when the alert started (G6): the time-to-open clock says so.
    notified = case.events.get(kind="notified")
    assert notified.data["at"] == "2026-11-20T17:55:00+00:00"


@pytest.mark.rule("R5")
def test_re_sent_alerts_are_stored_once_and_open_one_case_per_fingerprint(
    acme_noc: Organization,
) -> None:
    for _ in range(3):  # Alertmanager re-sends the group every interval
        assert post(fixture("firing.json")).status_code == 200
    assert Case.objects.count() == 1
    assert RawInbound.objects.filter(channel="alertmanager").count() == 1
    again = fixture("firing.json")
    again["alerts"][0]["startsAt"] = "2026-11-20T17:58:00Z"  # fired again, still open
    (alert,) = post(again).json()["alerts"]
    case = Case.objects.get()
    assert alert["reason"] == f"noted on {case.number}"
    assert case.messages.get().body == "Monitoring: the alert is firing again."


@pytest.mark.rule("R8")
def test_the_alert_resolving_marks_its_case_service_restored(acme_noc: Organization) -> None:
    post(fixture("firing.json"))
    with time_machine.travel(NOW + timedelta(minutes=40), tick=False):
        (alert,) = post(fixture("resolved.json")).json()["alerts"]
    case = Case.objects.get()
    assert case.status == "service_restored"
    assert alert["reason"] == f"resolved: {case.number} service restored"
    note = case.events.filter(kind="status").last()
    assert note is not None
    assert note.data["note"] == "the monitoring alert resolved"


@pytest.mark.rule("R5", "R7")
def test_a_grouped_notification_handles_each_alert_and_a_security_label_is_top_priority(
    acme_noc: Organization,
) -> None:
    alerts = post(fixture("grouped.json")).json()["alerts"]
    assert [a["status"] for a in alerts] == ["processed"] * 3
    cases = {c.subject.split("]")[0][1:]: c for c in Case.objects.all()}
    assert cases["InboundCallsFailing"].priority == "P1"
    assert cases["RecordingsDelayed"].priority == "P3"  # severity=warning → P3
    flood = cases["SynFlood"]  # severity=info, but category=ddos: a security incident (R7)
    assert (flood.priority, flood.category) == ("P1", "security-incident")


def test_an_alert_for_no_known_organisation_is_held_with_the_reason(packs: None) -> None:
    (alert,) = post(fixture("unknown_organization.json")).json()["alerts"]
    assert alert["status"] == RawStatus.HELD
    assert "no organisation 'nobody'" in alert["reason"]
    assert not Case.objects.exists()


def test_the_token_is_required_and_an_unconfigured_intake_says_so(acme_noc: Organization) -> None:
    assert post(fixture("firing.json"), token=None).status_code == 401
    assert post(fixture("firing.json"), token="wrong").status_code == 401  # noqa: S106
    with override_settings(CASEWORK_ALERTMANAGER_TOKEN=""):
        assert post(fixture("firing.json")).status_code == 503
    assert not RawInbound.objects.exists()


@pytest.mark.parametrize(
    "body",
    [b"{", b"[1]", b'{"alerts": "x"}', b'{"version": "3", "alerts": [{}]}',
     b"[" * 50_000 + b"]" * 50_000],
)  # fmt: skip
def test_what_is_not_a_notification_is_a_400_and_kept_never_a_500(
    acme_noc: Organization, body: bytes
) -> None:
    answer = post(body)
    assert answer.status_code == 400, answer.content
    kept = RawInbound.objects.get()
    assert (bytes(kept.payload), kept.status) == (body, RawStatus.FAILED)
    assert kept.reason == answer.json()["detail"]


@pytest.mark.parametrize(
    "alert", [{"status": "firing"}, 1e999999, {"fingerprint": "f", "status": "maybe"}]
)
def test_a_malformed_alert_in_a_notification_is_kept_failed_with_the_reason(
    acme_noc: Organization, alert: object
) -> None:
    answer = post({"version": "4", "alerts": [alert, fixture("firing.json")["alerts"][0]]})
    assert answer.status_code == 200  # Alertmanager would retry a 5xx, and drop a 4xx
    bad, good = answer.json()["alerts"]
    assert bad["status"] == RawStatus.FAILED
    assert bad["reason"]
    assert good["status"] == RawStatus.PROCESSED
    assert post(b"").status_code == 400


def test_an_oversized_notification_is_refused_before_it_is_read(acme_noc: Organization) -> None:
    answer = post(b"{" + b" " * (1024 * 1024) + b"}")
    assert answer.status_code == 413
    assert not RawInbound.objects.exists()


def test_past_the_rate_limit_a_notification_is_answered_429_with_retry_after(
    acme_noc: Organization, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Alertmanager re-sends what it could not deliver, so a 429 loses nothing."""
    monkeypatch.setattr(alertmanager_api, "NOTIFICATIONS_PER_MINUTE", 1)
    assert post(fixture("firing.json")).status_code == 200
    refused = post(fixture("resolved.json"))
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert Case.objects.get().status != "service_restored"
