"""``POST /api/v1/intake/calls`` over HTTP: caller id and dedicated numbers, the time to
open from the call's start, calls joining open cases, the unknown held, bad bodies named."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from casework.accounts.models import Contact, Organization
from casework.cases.models import Case, Status
from casework.channels.models import PhoneCall, RawInbound, RawStatus
from casework.channels.phone import api as phone_api
from tests.cases.conftest import Persona

URL = "/api/v1/intake/calls"
ALICE_PHONE = "+15550102000"
ACME_LINE = "+15550100"


@pytest.fixture
def alice_phone(alice: Persona) -> Persona:
    contact = Contact.objects.get(user=alice.user)
    contact.phone = "+1 555 010 2000"  # stored normalised
    contact.save()
    return alice


def case_of(number: str) -> Case:
    return Case.objects.get(pk=Case.id_from_number(number) or 0)


def call(who: Persona, **fields: Any) -> Any:
    started = timezone.now() - timedelta(minutes=10)
    record = {"from": ALICE_PHONE, "to": ACME_LINE, "started_at": started.isoformat(), **fields}
    return who.client.post(URL, json.dumps(record), content_type="application/json")


def test_the_call_recorded_from_a_record_keeps_its_start_and_end(
    alice_phone: Persona, bob: Persona
) -> None:
    started = (timezone.now() - timedelta(minutes=25)).replace(microsecond=0)
    ended = started + timedelta(minutes=7, seconds=30)
    response = call(bob, started_at=started.isoformat(), ended_at=ended.isoformat())
    assert response.status_code == 201, response.content
    recorded = PhoneCall.objects.get(case=case_of(response.json()["case"]))
    assert (recorded.started_at, recorded.ended_at) == (started, ended)


@pytest.mark.rule("R43")
def test_a_call_from_a_contacts_number_opens_a_phone_case_on_their_behalf(
    alice_phone: Persona, bob: Persona
) -> None:
    assert Contact.objects.get(user=alice_phone.user).phone == ALICE_PHONE
    started = timezone.now() - timedelta(minutes=25)
    response = call(bob, started_at=started.isoformat())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == RawStatus.PROCESSED
    case = case_of(body["case"])
    assert (case.channel, case.requester, case.organization) == (
        "phone", alice_phone.user, alice_phone.user.contact.organization,
    )  # fmt: skip
    # G6: the time to open runs from the start of the call, not from its record.
    notified = case.events.get(kind="notified")
    assert notified.data["at"] == started.isoformat()
    clock = case.clocks.get(metric="time_to_open")
    assert clock.started_at == started


@pytest.mark.rule("R32")
def test_a_call_to_a_dedicated_number_is_that_organisations_whoever_calls(
    globex: Organization, alice_phone: Persona, bob: Persona
) -> None:
    globex.dedicated_phone = "+1 555 0199"
    globex.save()
    response = call(bob, **{"from": "+4420790000", "to": "+15550199"})
    assert response.status_code == 201, response.content
    case = case_of(response.json()["case"])
    assert (case.organization, case.requester) == (globex, None)
    # Alice, Acme's contact, calling Globex's number is still Globex's call, not hers.
    other = call(bob, to="+15550199", started_at=timezone.now().isoformat())
    case = case_of(other.json()["case"])
    assert (case.organization, case.requester) == (globex, None)


@pytest.mark.rule("R43")
def test_a_call_about_an_open_case_joins_it_as_the_customers_message(
    alice_phone: Persona, bob: Persona
) -> None:
    first = call(bob).json()
    number = first["case"]
    again = call(bob, started_at=timezone.now().isoformat(), case=number.lower())
    assert (again.status_code, again.json()["case"]) == (201, number)
    case = case_of(number)
    message = case.messages.get()
    # The phone system's record is the customer's call, not a response by support.
    assert (message.public, message.from_support) == (True, False)
    assert not case.clocks.filter(metric="first_response", met_at__isnull=False).exists()
    # Without a case number, the caller's single open case is the one.
    third = call(bob, started_at=(timezone.now() - timedelta(seconds=1)).isoformat())
    assert third.json()["case"] == number
    assert case.messages.count() == 2


def test_a_call_naming_a_closed_or_foreign_case_opens_a_new_one(
    alice_phone: Persona, eve: Persona, bob: Persona
) -> None:
    foreign = eve.client.post(
        "/api/v1/cases", {"subject": "x", "environment": "production"},
        content_type="application/json",
    ).json()["number"]  # fmt: skip
    response = call(bob, case=foreign)
    assert response.json()["case"] != foreign
    Case.objects.filter(pk=case_of(response.json()["case"]).pk).update(status=Status.CLOSED)
    closed = response.json()["case"]
    later = call(bob, case=closed, started_at=timezone.now().isoformat())
    assert later.json()["case"] not in (closed, foreign)


@pytest.mark.parametrize("number", ["CW-000999", "CW-999999999999999999"])
def test_a_call_naming_a_case_that_does_not_exist_opens_a_new_one(
    alice_phone: Persona, bob: Persona, number: str
) -> None:
    response = call(bob, case=number)
    assert response.status_code == 201, response.content
    assert response.json()["case"] not in (None, number)


def test_an_unknown_caller_to_an_unknown_number_is_held_with_the_reason(bob: Persona) -> None:
    response = call(bob, **{"from": "+4420790000"})
    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["case"]) == (RawStatus.HELD, None)
    assert "+4420790000" in body["reason"]
    assert RawInbound.objects.get(pk=body["id"]).status == RawStatus.HELD


def test_the_same_call_posted_twice_is_stored_once(alice_phone: Persona, bob: Persona) -> None:
    started = (timezone.now() - timedelta(minutes=3)).isoformat()
    first = call(bob, started_at=started)
    second = call(bob, started_at=started)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert RawInbound.objects.filter(channel="phone").count() == 1
    assert Case.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"from": "not a number"}, "from"),
        ({"to": None}, "to"),
        ({"started_at": "noon"}, "started_at"),
        ({"recording_url": ["x"]}, "recording_url"),
        ({"case": "CW-x"}, "case"),
    ],
)
def test_a_bad_call_record_is_kept_as_failed_and_answered_422_naming_the_field(
    bob: Persona, fields: dict[str, Any], field: str
) -> None:
    response = call(bob, **fields)
    assert response.status_code == 422, response.content
    assert field in json.dumps(response.json())
    raw = RawInbound.objects.get(channel="phone")
    assert raw.status == RawStatus.FAILED
    assert raw.reason.startswith(f"{field}: ")


@pytest.mark.parametrize("payload", [b"", b"{", b"[]", b"\xff", b'{"from": {"a": 1}}'])
def test_a_body_that_is_no_call_record_is_a_422_never_a_500(bob: Persona, payload: bytes) -> None:
    response = bob.client.post(URL, payload, content_type="application/json")
    assert response.status_code == 422, response.content


def test_an_oversized_record_is_refused_before_it_is_stored(bob: Persona) -> None:
    response = call(bob, padding="x" * 20_000)
    assert response.status_code == 413
    assert not RawInbound.objects.exists()


def test_only_a_staff_token_may_post_calls(alice_phone: Persona) -> None:
    assert call(alice_phone).status_code == 403
    assert Client().post(URL, "{}", content_type="application/json").status_code == 401
    assert not RawInbound.objects.exists()


def test_the_endpoint_and_its_record_are_described_in_the_openapi_document() -> None:
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    operation = paths[URL]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert {"from", "to", "started_at"} <= set(schema["required"])
    assert {"ended_at", "recording_url", "case"} <= set(schema["properties"])
    assert {"200", "201"} <= set(operation["responses"])


def test_past_the_rate_limit_a_call_record_is_answered_429_with_retry_after(
    alice_phone: Persona, bob: Persona, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(phone_api, "CALLS_PER_MINUTE", 1)
    assert call(bob).status_code == 201
    refused = call(bob, started_at=(timezone.now() - timedelta(minutes=3)).isoformat())
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert RawInbound.objects.count() == 1
