"""R9 "can be closed", G25/R14 reopening, R43/R44 phone calls: through the API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine

from tests.cases.conftest import Persona
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
