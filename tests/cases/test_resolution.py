"""R9 "can be closed", G25/R14 reopening, R43/R44 phone calls: through the API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine

from casework.accounts.models import ContactRole
from casework.accounts.services import organization_create, user_create
from tests.cases.conftest import SINCE, Persona, persona
from tests.cases.test_api import NOW, open_case, post


def events(who: Persona, case_id: int) -> list[dict[str, Any]]:
    response = who.client.get(f"/api/v1/cases/{case_id}/events")
    assert response.status_code == 200
    result: list[dict[str, Any]] = response.json()
    return result


@pytest.mark.rule("R9")
def test_a_contact_says_the_case_can_be_closed_and_support_may_then_resolve_it(
    alice: Persona, bob: Persona
) -> None:
    case = open_case(alice)
    transition = f"/cases/{case['id']}/transition"
    assert post(bob, transition, {"status": "resolved"}).status_code == 409
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        marked = post(alice, f"/cases/{case['id']}/closable", {})
    assert marked.status_code == 200, marked.content
    assert marked.json()["closable"] is True
    closable = [e for e in events(alice, case["id"]) if e["kind"] == "closable"]
    assert len(closable) == 1
    assert closable[0]["actor"] == "alice"
    assert post(alice, f"/cases/{case['id']}/closable", {}).status_code == 200
    assert len([e for e in events(alice, case["id"]) if e["kind"] == "closable"]) == 1
    assert post(bob, transition, {"status": "resolved"}).status_code == 200


@pytest.mark.rule("R9")
def test_only_the_customer_says_a_case_can_be_closed_and_outsiders_get_404(
    alice: Persona, bob: Persona, eve: Persona
) -> None:
    case = open_case(alice)
    assert post(bob, f"/cases/{case['id']}/closable", {}).status_code == 403
    assert post(eve, f"/cases/{case['id']}/closable", {}).status_code == 404
    assert bob.client.get(f"/api/v1/cases/{case['id']}").json()["closable"] is False


def finished(alice: Persona, bob: Persona, **fields: Any) -> dict[str, Any]:
    """A P2 case, resolved by the customer then closed, an hour after it opened."""
    case = open_case(alice, priority="P2", **fields)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        for status in ("resolved", "closed"):
            done = post(alice, f"/cases/{case['id']}/transition", {"status": status})
            assert done.status_code == 200, done.content
    return case


@pytest.mark.rule("G25")
def test_a_reply_within_30_days_reopens_the_case_at_its_last_priority(
    alice: Persona, bob: Persona
) -> None:
    case = finished(alice, bob)
    with time_machine.travel(NOW + timedelta(days=30), tick=False):
        reply = post(alice, f"/cases/{case['id']}/messages", {"body": "it is back"})
    assert reply.status_code == 201, reply.content
    assert reply.json()["followup_case"] is None
    now = alice.client.get(f"/api/v1/cases/{case['id']}").json()
    assert (now["status"], now["priority"]) == ("open", "P2")
    reopened = events(alice, case["id"])[-1]
    assert reopened["kind"] == "status"
    assert reopened["data"]["old"] == "closed"
    assert "reopened at P2" in reopened["data"]["note"]


@pytest.mark.rule("G25")
def test_a_reply_after_30_days_opens_a_new_case_linked_both_ways(
    alice: Persona, bob: Persona
) -> None:
    case = finished(alice, bob)
    with time_machine.travel(NOW + timedelta(days=31, hours=2), tick=False):
        reply = post(alice, f"/cases/{case['id']}/messages", {"body": "it is back again"})
    assert reply.status_code == 201, reply.content
    new_id = reply.json()["followup_case"]
    assert new_id is not None
    assert alice.client.get(f"/api/v1/cases/{case['id']}").json()["status"] == "closed"
    new = alice.client.get(f"/api/v1/cases/{new_id}").json()
    assert new["linked_from"] == case["id"]
    assert (new["status"], new["subject"], new["description"]) == (
        "new", "Calls drop", "it is back again",
    )  # fmt: skip
    old_link = events(alice, case["id"])[-1]
    assert (old_link["kind"], old_link["data"]["case"]) == ("linked", new_id)
    assert "more than 30 days" in old_link["data"]["reason"]
    new_link = [e for e in events(alice, new_id) if e["kind"] == "linked"]
    assert [e["data"]["number"] for e in new_link] == [case["number"]]


def initech_case() -> tuple[Persona, dict[str, Any]]:
    """Carol of Initech (LivePerson Standard, which has R14's exclusion) and her sev3 case."""
    initech = organization_create(
        name="Initech", policy_id="liveperson", plan_id="standard", effective_from=SINCE
    )
    carol = persona(
        user_create(
            username="carol", email="carol@initech.test", role="contact", organization=initech,
            contact_role=ContactRole.ADMINISTRATOR,
        )
    )  # fmt: skip
    return carol, open_case(carol, priority="sev3", channel="email")


@pytest.mark.rule("R14", "G25")
def test_a_case_closed_as_solution_not_implemented_is_not_reopened_by_a_reply(
    bob: Persona, acme: Any
) -> None:
    carol, case = initech_case()
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        closed = post(
            bob, f"/cases/{case['id']}/transition",
            {"status": "closed", "exclusion": "solution-not-implemented"},
        )  # fmt: skip
        assert closed.status_code == 200, closed.content
    with time_machine.travel(NOW + timedelta(days=2), tick=False):
        reply = post(carol, f"/cases/{case['id']}/messages", {"body": "still broken"})
    assert reply.status_code == 201, reply.content
    assert reply.json()["followup_case"] is not None
    assert carol.client.get(f"/api/v1/cases/{case['id']}").json()["status"] == "closed"
    kinds = [e["kind"] for e in events(carol, case["id"])][-2:]
    assert kinds == ["message", "linked"]
    assert "(R14)" in events(carol, case["id"])[-1]["data"]["reason"]


@pytest.mark.rule("R38", "R40", "R41")
def test_a_case_whose_category_is_a_level_3_topic_opens_at_level_3_with_the_reason(
    alice: Persona,
) -> None:
    case = open_case(alice, category="carrier routing")
    assert (case["tier"], case["category"]) == ("L3", "carrier routing")
    opened = events(alice, case["id"])[0]
    assert opened["data"]["routing"].startswith("category 'carrier routing' is a Level 3 topic")


@pytest.mark.rule("R39", "R61")
def test_a_p1_stays_at_level_2_for_a_level_1_topic_and_a_plain_case_at_level_1(
    alice: Persona,
) -> None:
    assert open_case(alice, priority="P1", category="how-to")["tier"] == "L2"
    plain = open_case(alice)
    assert plain["tier"] == "L1"
    assert events(alice, plain["id"])[0]["data"]["routing"] is None


@pytest.mark.rule("R43", "G4")
def test_a_logged_phone_call_is_a_response(alice: Persona, bob: Persona) -> None:
    case = open_case(alice, priority="P2")
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        call = post(bob, f"/cases/{case['id']}/messages", {"body": "Called", "kind": "phone_call"})
        now = bob.client.get(f"/api/v1/cases/{case['id']}").json()
    assert call.status_code == 201, call.content
    assert (call.json()["kind"], call.json()["resolved_on_call"]) == ("phone_call", False)
    assert {c["metric"]: c["state"] for c in now["clocks"]}["first_response"] == "met"
    assert now["status"] == "open"


@pytest.mark.rule("R44", "R9")
def test_resolving_on_the_call_records_the_recap_and_resolves_then_closes(
    alice: Persona, bob: Persona
) -> None:
    case = open_case(alice)
    path = f"/cases/{case['id']}/messages"
    with time_machine.travel(NOW + timedelta(minutes=20), tick=False):
        call = post(
            bob, path,
            {"body": "Reset the SIP trunk; calls connect again", "kind": "phone_call",
             "resolved_on_call": True},
        )  # fmt: skip
    assert call.status_code == 201, call.content
    assert call.json()["resolved_on_call"] is True
    assert bob.client.get(f"/api/v1/cases/{case['id']}").json()["status"] == "closed"
    history = events(alice, case["id"])
    statuses = [(e["data"]["old"], e["data"]["new"]) for e in history if e["kind"] == "status"]
    assert statuses[-2:] == [("open", "resolved"), ("resolved", "closed")]
    assert "R44" in history[-1]["data"]["note"]
    again = post(bob, path, {"body": "x", "kind": "phone_call", "resolved_on_call": True})
    assert again.status_code == 409


@pytest.mark.rule("R44", "R43")
def test_a_call_needs_staff_a_recap_and_is_public(alice: Persona, bob: Persona) -> None:
    case = open_case(alice)
    path = f"/cases/{case['id']}/messages"

    def field(who: Persona, body: dict[str, Any]) -> str:
        response = post(who, path, body)
        assert response.status_code == 422, response.content
        name: str = response.json()["detail"][0]["field"]
        return name

    assert field(alice, {"body": "I called", "kind": "phone_call"}) == "kind"
    assert field(bob, {"body": "   ", "kind": "phone_call", "resolved_on_call": True}) == "body"
    assert field(bob, {"body": "fixed", "resolved_on_call": True}) == "resolved_on_call"
    assert field(bob, {"body": "fixed", "kind": "phone_call", "public": False}) == "public"
    assert bob.client.get(f"/api/v1/cases/{case['id']}").json()["status"] == "new"


@pytest.mark.rule("R14", "G25")
def test_a_case_closed_as_solution_not_implemented_is_not_reopened_on_request(
    bob: Persona, acme: Any
) -> None:
    carol, case = initech_case()
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        post(
            bob, f"/cases/{case['id']}/transition",
            {"status": "closed", "exclusion": "solution-not-implemented"},
        )  # fmt: skip
        reopen = post(carol, f"/cases/{case['id']}/transition", {"status": "open"})
    assert reopen.status_code == 409
    assert "not reopened without new information" in reopen.json()["detail"]
    assert "(R14)" in reopen.json()["detail"]


@pytest.mark.rule("G25")
def test_a_customer_reopens_a_resolved_case_within_the_window_and_not_after(
    alice: Persona, bob: Persona
) -> None:
    first = finished(alice, bob)
    with time_machine.travel(NOW + timedelta(days=2), tick=False):
        assert (
            post(alice, f"/cases/{first['id']}/transition", {"status": "open"}).status_code == 200
        )
    late = finished(alice, bob, subject="Another")
    with time_machine.travel(NOW + timedelta(days=45), tick=False):
        refused = post(alice, f"/cases/{late['id']}/transition", {"status": "open"})
    assert refused.status_code == 409
    assert "since the case was" in refused.json()["detail"]
