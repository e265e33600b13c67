"""``/api/v1/status`` (SPEC §4 "Status"): the page as data for anyone, changes for the NOC,
bad input a 422 naming the field, a refused change a 409; and the worker's tick starting and
ending maintenance on time by itself (R29)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from casework.accounts.models import Organization
from casework.cases.models import Case, Message, Status
from casework.cases.services import CaseDraft, case_open
from casework.cases.worker import worker_tick
from casework.status.models import CaseLink, Component, Maintenance, MaintenanceStatus
from tests.cases.conftest import Persona
from tests.status.conftest import T0

JSON = "application/json"


def _post(persona: Persona, path: str, body: Mapping[str, object]):  # type: ignore[no-untyped-def]
    return persona.client.post(f"/api/v1{path}", body, content_type=JSON)


def _case(organization: Organization, requester: Persona) -> Case:
    draft = CaseDraft(
        organization=organization, subject="Chats drop", description="", environment="production",
        priority="sev1", channel="portal",
    )  # fmt: skip
    return case_open(draft=draft, requester=requester.user, at=timezone.now())


def test_anyone_reads_the_status_and_an_incident_without_signing_in(
    nora: Persona, messaging: Component
) -> None:
    created = _post(nora, "/status/incidents", {
        "title": "Chat outage", "impact": "critical", "components": [messaging.pk],
        "message": "Investigating.",
    })  # fmt: skip
    assert created.status_code == 201, created.content
    body = Client().get("/api/v1/status").json()
    assert body["status"] == "major_outage"
    assert body["components"] == [{
        "id": messaging.pk, "name": "Messaging (NA)", "description": "",
        "group": "Conversational Cloud", "region": "na", "status": "major_outage",
    }]  # fmt: skip
    assert [i["title"] for i in body["incidents"]] == ["Chat outage"]
    assert body["maintenance"] == []
    one = Client().get(f"/api/v1/status/incidents/{created.json()['id']}").json()
    assert [u["message"] for u in one["updates"]] == ["Investigating."]
    assert one["cases"] == []  # linked cases are not public


@pytest.mark.rule("R23")
def test_the_noc_links_a_case_and_its_update_answers_it(
    umbrella: Organization, carol: Persona, nora: Persona, messaging: Component
) -> None:
    case = _case(umbrella, carol)
    incident = _post(nora, "/status/incidents", {
        "title": "Chat outage", "impact": "major", "components": [messaging.pk],
        "message": "Investigating.",
    }).json()  # fmt: skip
    assert CaseLink.objects.get(case=case).kind == "suggested"
    listed = nora.client.get(f"/api/v1/status/incidents/{incident['id']}/cases").json()
    assert [(link["case"], link["kind"]) for link in listed] == [(case.pk, "suggested")]

    linked = _post(nora, f"/status/incidents/{incident['id']}/cases", {"case": case.pk})
    assert (linked.status_code, linked.json()["kind"]) == (201, "linked")
    update = _post(nora, f"/status/incidents/{incident['id']}/updates", {
        "status": "identified", "message": "A bad deploy.",
        "components": {str(messaging.pk): "degraded"},
    })  # fmt: skip
    assert update.status_code == 201, update.content
    assert update.json()["components"] == {str(messaging.pk): "degraded"}
    assert case.messages.filter(kind=Message.Kind.STATUS).count() == 1
    assert case.clocks.get(metric="first_response").state == "met"
    events = carol.client.get(f"/api/v1/cases/{case.pk}/events").json()
    assert "incident_linked" in [event["kind"] for event in events]

    resolved = _post(nora, f"/status/incidents/{incident['id']}/updates",
                     {"status": "resolved", "message": "Rolled back."})  # fmt: skip
    assert resolved.status_code == 201
    case.refresh_from_db()
    assert case.status == Status.SERVICE_RESTORED
    again = _post(nora, f"/status/incidents/{incident['id']}/updates",
                  {"status": "monitoring", "message": "x"})  # fmt: skip
    assert again.status_code == 409
    assert "resolved" in again.json()["detail"]


def test_only_the_noc_and_admins_change_the_status(
    carol: Persona, bob: Persona, messaging: Component
) -> None:
    body = {"name": "API"}
    assert Client().post("/api/v1/status/components", body, content_type=JSON).status_code == 401
    assert _post(carol, "/status/components", body).status_code == 403
    assert _post(bob, "/status/components", body).status_code == 403


_MAINTENANCE = {"title": "t", "policy": "liveperson", "ends_at": "2026-12-13T09:00:00Z"}
_INCIDENT = {"title": "t", "impact": "minor", "message": "m"}


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/status/components", {"name": "Messaging (NA)"}, "name"),
        ("/status/components", {"name": "X", "service_accounts": [999]}, "service_accounts"),
        ("/status/incidents", {**_INCIDENT, "impact": "huge", "components": []}, "impact"),
        ("/status/incidents", {**_INCIDENT, "components": [999]}, "components"),
        ("/status/incidents", {**_INCIDENT, "components": []}, "components"),
        (
            "/status/maintenance",
            {**_MAINTENANCE, "components": [999], "starts_at": "2026-12-13T08:00:00Z"},
            "components",
        ),
        (
            "/status/maintenance",
            {**_MAINTENANCE, "components": [1], "starts_at": "2026-12-13T08:00"},
            "starts_at",
        ),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    nora: Persona, messaging: Component, path: str, body: dict[str, object], field: str
) -> None:
    answer = _post(nora, path, body)
    assert answer.status_code == 422, answer.content
    assert field in str(answer.json())


def test_an_unknown_incident_is_a_404(nora: Persona) -> None:
    assert Client().get("/api/v1/status/incidents/999").status_code == 404
    assert _post(nora, "/status/incidents/999/updates",
                 {"status": "identified", "message": "m"}).status_code == 404  # fmt: skip


@pytest.mark.rule("R29")
def test_maintenance_scheduled_by_api_is_started_and_ended_by_the_workers_tick(
    transactional_db: None, nora: Persona, messaging: Component
) -> None:
    # Transactional: the worker's task runner closes connections, as it does in production.
    starts = T0.replace(day=13, hour=8)  # Sun 13 Dec 03:00 ET, the NA window (R29)
    with time_machine.travel(T0, tick=False):
        answer = _post(nora, "/status/maintenance", {
            "title": "Database upgrade", "components": [messaging.pk],
            "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=2)).isoformat(),
        })  # fmt: skip
    assert answer.status_code == 201, answer.content
    assert answer.json()["announced_at"] is not None  # within the 10-day notice: at once
    maintenance = Maintenance.objects.get(pk=answer.json()["id"])
    with time_machine.travel(starts + timedelta(seconds=1), tick=False):
        worker_tick(worker_id="test", sweep=False)
        assert (
            Client().get("/api/v1/status").json()["components"][0]["status"] == "under_maintenance"
        )
    maintenance.refresh_from_db()
    assert maintenance.status == MaintenanceStatus.IN_PROGRESS
    with time_machine.travel(starts + timedelta(hours=2), tick=False):
        worker_tick(worker_id="test", sweep=False)
        assert Client().get("/api/v1/status").json()["maintenance"] == []
    maintenance.refresh_from_db()
    assert maintenance.status == MaintenanceStatus.COMPLETED
    cancel = _post(nora, f"/status/maintenance/{maintenance.pk}/cancel", {})
    assert cancel.status_code == 409


@pytest.mark.rule("R21")
def test_an_rca_is_written_reviewed_and_published_through_the_api(
    umbrella: Organization, carol: Persona, nora: Persona, messaging: Component
) -> None:
    case = _case(umbrella, carol)
    incident = _post(nora, "/status/incidents", {
        "title": "Outage", "impact": "critical", "components": [messaging.pk], "message": "On it.",
    }).json()  # fmt: skip
    _post(nora, f"/status/incidents/{incident['id']}/cases", {"case": case.pk})
    _post(
        nora,
        f"/status/incidents/{incident['id']}/updates",
        {"status": "resolved", "message": "Done."},
    )
    base = f"/api/v1/status/incidents/{incident['id']}/rca/preliminary"
    draft = nora.client.put(base, {"summary": "A disk filled up."}, content_type=JSON)
    assert (draft.status_code, draft.json()["state"]) == (200, "draft")
    early = _post(
        nora, f"/status/incidents/{incident['id']}/rca/preliminary/state", {"state": "published"}
    )
    assert early.status_code == 409
    for state in ("review", "published"):
        step = _post(
            nora, f"/status/incidents/{incident['id']}/rca/preliminary/state", {"state": state}
        )
        assert (step.status_code, step.json()["state"]) == (200, state)
    assert case.clocks.get(metric="rca_preliminary").state == "met"
    bad = nora.client.put(base.replace("preliminary", "final"), {"summary": "x"}, content_type=JSON)
    assert bad.status_code == 422
    assert "preventive_measures" in str(bad.json())
