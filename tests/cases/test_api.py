"""SPEC §4 "Cases" through the API with bearer tokens, on the real packs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine

from casework.accounts.models import Organization
from tests.cases.conftest import Persona

NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)  # Friday 10:00 in Los Angeles


def post(who: Persona, path: str, body: dict[str, Any]) -> Any:
    return who.client.post(f"/api/v1{path}", body, content_type="application/json")


def clocks(case: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["metric"] + (f"#{c['cycle']}" if c["cycle"] else ""): c for c in case["clocks"]}


def open_case(who: Persona, **fields: Any) -> dict[str, Any]:
    body = {"subject": "Calls drop", "description": "Since 9:00", "environment": "production"}
    with time_machine.travel(NOW, tick=False):
        response = post(who, "/cases", body | fields)
    assert response.status_code == 201, response.content
    case: dict[str, Any] = response.json()
    return case


@pytest.mark.rule("R56", "R39", "R60")
def test_a_contact_opens_a_case_with_the_default_priority_and_its_clocks(alice: Persona) -> None:
    case = open_case(alice)
    assert case["priority"] == "P3"
    assert case["tier"] == "L1"
    assert case["status"] == "new"
    assert case["number"].startswith("CW-")
    assert (case["policy"], case["policy_version"], case["plan"]) == ("liveops", 1, "standard")
    first = clocks(case)["first_response"]
    assert first["state"] == "running"
    assert first["due_at"] == "2026-11-21T18:00:00Z"  # 24 h, wall clock (R66)
    assert case["next_due_at"] == "2026-11-21T18:00:00Z"


@pytest.mark.rule("R61")
def test_a_p1_opens_at_level_2(alice: Persona) -> None:
    assert open_case(alice, priority="P1")["tier"] == "L2"


@pytest.mark.rule("R50")
def test_p1_for_staging_is_refused_with_the_reason(alice: Persona) -> None:
    with time_machine.travel(NOW, tick=False):
        response = post(
            alice, "/cases", {"subject": "x", "environment": "staging", "priority": "P1"}
        )
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["field"] == "priority"
    assert "only for production" in detail["msg"]


@pytest.mark.rule("R50")
def test_an_email_case_is_lowered_to_the_highest_allowed_priority_with_a_note(
    bob: Persona, acme: Organization
) -> None:
    case = open_case(
        bob, organization=acme.pk, environment="development", priority="P1", channel="email"
    )
    assert case["priority"] == "P3"
    opened = bob.client.get(f"/api/v1/cases/{case['id']}/events").json()[0]
    assert opened["kind"] == "opened"
    assert "only for production" in opened["data"]["note"]


@pytest.mark.rule("R60", "R64", "G4", "G7")
def test_a_public_reply_with_an_eta_meets_first_response_and_moves_the_next_update(
    alice: Persona, bob: Persona
) -> None:
    case = open_case(alice, priority="P2")
    eta = NOW + timedelta(hours=3)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        reply = post(
            bob, f"/cases/{case['id']}/messages", {"body": "Looking", "eta": eta.isoformat()}
        )
        assert reply.status_code == 201, reply.content
        now = bob.client.get(f"/api/v1/cases/{case['id']}").json()
    current = clocks(now)
    assert current["first_response"]["state"] == "met"
    assert current["periodic_update#2"]["due_at"] == "2026-11-20T21:00:00Z"  # the ETA (G7)
    assert current["elevation"]["state"] == "met"  # an ETA within 8 h (R62)
    assert now["status"] == "open"


def test_an_internal_note_is_not_a_response(alice: Persona, bob: Persona) -> None:
    case = open_case(alice)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        post(bob, f"/cases/{case['id']}/messages", {"body": "internal", "public": False})
        now = bob.client.get(f"/api/v1/cases/{case['id']}").json()
    assert clocks(now)["first_response"]["state"] == "running"
    events = alice.client.get(f"/api/v1/cases/{case['id']}/events").json()
    assert [e["kind"] for e in events] == ["opened"]  # the note's event is not public


@pytest.mark.rule("R53", "G13")
def test_reclassification_needs_staff_and_a_reason_and_records_old_and_new_due_times(
    alice: Persona, bob: Persona
) -> None:
    case = open_case(alice, priority="P3")
    path = f"/cases/{case['id']}/reclassify"
    assert post(alice, path, {"priority": "P1", "reason": "urgent"}).status_code == 403
    assert post(bob, path, {"priority": "P1"}).status_code == 422
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        response = post(bob, path, {"priority": "P2", "reason": "calls drop for most agents"})
    assert response.status_code == 200, response.content
    assert response.json()["priority"] == "P2"
    event = bob.client.get(f"/api/v1/cases/{case['id']}/events").json()[-1]
    assert event["kind"] == "priority"
    assert event["data"]["reason"] == "calls drop for most agents"
    assert event["data"]["old_due"]["first_response"] == "2026-11-21T18:00:00+00:00"
    assert event["data"]["new_due"]["first_response"] == "2026-11-21T02:00:00+00:00"


@pytest.mark.rule("R9", "G15")
def test_resolution_needs_the_customer_and_an_illegal_transition_is_409(
    alice: Persona, bob: Persona
) -> None:
    case = open_case(alice)
    path = f"/cases/{case['id']}/transition"
    refused = post(bob, path, {"status": "resolved"})
    assert refused.status_code == 409
    assert "R9" in refused.json()["detail"]
    assert post(bob, path, {"status": "new"}).status_code == 409
    assert post(bob, path, {"status": "dancing"}).status_code == 422
    assert post(alice, path, {"status": "resolved"}).status_code == 200
    assert post(alice, path, {"status": "closed"}).status_code == 200


@pytest.mark.rule("R2", "R17")
def test_closing_out_of_scope_names_the_exclusion_and_stops_the_clocks(
    alice: Persona, bob: Persona
) -> None:
    case = open_case(alice)
    path = f"/cases/{case['id']}/transition"
    assert post(bob, path, {"status": "closed"}).status_code == 409
    assert post(bob, path, {"status": "closed", "exclusion": "nope"}).status_code == 422
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        done = post(bob, path, {"status": "closed", "exclusion": "feature-request"})
    assert done.status_code == 200, done.content
    assert {c["state"] for c in done.json()["clocks"]} == {"met", "cancelled"}


@pytest.mark.rule("R17")
def test_pending_customer_pauses_and_a_customer_reply_resumes(alice: Persona, bob: Persona) -> None:
    case = open_case(alice, priority="P2")
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        post(bob, f"/cases/{case['id']}/transition", {"status": "pending_customer"})
        paused = bob.client.get(f"/api/v1/cases/{case['id']}").json()
    assert clocks(paused)["first_response"]["state"] == "paused"
    with time_machine.travel(NOW + timedelta(hours=4), tick=False):
        post(alice, f"/cases/{case['id']}/messages", {"body": "here are the logs"})
        resumed = bob.client.get(f"/api/v1/cases/{case['id']}").json()
    assert resumed["status"] == "open"
    # 8 h acknowledgement + 3 h paused
    assert clocks(resumed)["first_response"]["due_at"] == "2026-11-21T05:00:00Z"


def test_elevation_by_hand_needs_a_known_tier(alice: Persona, bob: Persona) -> None:
    case = open_case(alice)
    path = f"/cases/{case['id']}/elevate"
    assert post(bob, path, {"tier": "L9", "reason": "x"}).status_code == 422
    assert post(bob, path, {"tier": "L3", "reason": "carrier routing"}).json()["tier"] == "L3"
    assert post(bob, path, {"tier": "L3", "reason": "again"}).status_code == 409


def test_the_outsider_gets_404_everywhere(alice: Persona, eve: Persona) -> None:
    case = open_case(alice)
    base = f"/api/v1/cases/{case['id']}"
    assert eve.client.get(base).status_code == 404
    assert eve.client.get(f"{base}/events").status_code == 404
    for path, body in (
        ("/messages", {"body": "hi"}),
        ("/transition", {"status": "resolved"}),
        ("/reclassify", {"priority": "P1", "reason": "x"}),
        ("/elevate", {"tier": "L2", "reason": "x"}),
    ):
        response = eve.client.post(f"{base}{path}", body, content_type="application/json")
        assert response.status_code == 404, path
    assert eve.client.get("/api/v1/cases").json()["items"] == []


def test_no_token_or_a_bad_token_is_401(alice: Persona, client: Any) -> None:
    assert client.get("/api/v1/cases").status_code == 401
    bad = client.get("/api/v1/cases", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401


def test_the_list_is_ordered_by_next_due_and_pages_with_a_cursor(
    alice: Persona, bob: Persona
) -> None:
    opened = [open_case(alice, priority=p)["id"] for p in ("P3", "P2", "P3", "P1")]
    first = bob.client.get("/api/v1/cases?limit=2").json()
    second = bob.client.get(f"/api/v1/cases?limit=2&cursor={first['next']}").json()
    order = [c["id"] for c in first["items"] + second["items"]]
    assert order == [opened[3], opened[1], opened[0], opened[2]]
    assert second["next"] is None
    assert bob.client.get("/api/v1/cases?cursor=garbage").status_code == 422
    assert bob.client.get("/api/v1/cases?limit=0").status_code == 422
    p3 = bob.client.get("/api/v1/cases?priority=P3").json()["items"]
    assert {c["id"] for c in p3} == {opened[0], opened[2]}


@pytest.mark.rule("R6")
def test_history_is_append_only() -> None:
    from casework.cases.models import AppendOnlyError, CaseEvent

    with pytest.raises(AppendOnlyError):
        CaseEvent.objects.all().update(kind="x")
    with pytest.raises(AppendOnlyError):
        CaseEvent.objects.all().delete()


@pytest.mark.rule("R27", "G28")
def test_liveperson_tickets_need_a_manager_or_administrator_on_a_customer_success_plan(
    packs: None, bob: Persona
) -> None:
    """A user-role contact is refused, so is an administrator on Standard (no Customer Success
    package); an administrator on Enhanced opens one. Mail stays open to everyone, and staff
    open tickets for any account."""
    from casework.accounts.models import ContactRole
    from casework.accounts.services import organization_create, subscription_set, user_create
    from tests.cases.conftest import SINCE, persona

    initech = organization_create(
        name="Initech", policy_id="liveperson", plan_id="standard", effective_from=SINCE
    )

    def contact(name: str, role: ContactRole) -> Persona:
        return persona(user_create(username=name, email=f"{name}@initech.test", role="contact",
                                   organization=initech, contact_role=role))  # fmt: skip

    user, admin = (
        contact("milton", ContactRole.USER),
        contact("lumbergh", ContactRole.ADMINISTRATOR),
    )
    body = {"subject": "Chat widget down", "environment": "production"}
    refused = post(user, "/cases", body)
    assert refused.status_code == 403
    assert "Agent Managers and Administrators" in refused.json()["detail"]
    not_entitled = post(admin, "/cases", body)
    assert not_entitled.status_code == 403
    assert "Customer Success package" in not_entitled.json()["detail"]
    assert post(user, "/cases", body | {"channel": "email"}).status_code == 201
    assert post(bob, "/cases", body | {"organization": initech.pk}).status_code == 201

    subscription_set(organization=initech, policy_id="liveperson", plan_id="enhanced",
                     effective_from=SINCE + timedelta(days=1))  # fmt: skip
    opened = post(admin, "/cases", body)
    assert opened.status_code == 201, opened.content
    assert opened.json()["plan"] == "enhanced"
    assert post(user, "/cases", body).status_code == 403  # the role rule still applies
