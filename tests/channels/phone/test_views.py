"""The console's billable-call review page (R47, G16): managers and administrators only;
each call approved or waived with a reason, once, recorded in the case's history."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casework.accounts.services import user_create
from casework.cases.services import CaseDraft, case_open
from casework.channels.models import BillableReview, CallDirection, PhoneCall
from casework.channels.phone.services import phone_call_record
from tests.cases.conftest import Persona
from tests.cases.test_views_portal import signed_in

URL = reverse("console:billable-calls")


@pytest.fixture
def billable(alice: Persona) -> PhoneCall:
    draft = CaseDraft(
        organization=alice.user.contact.organization, subject="Reset my password",
        environment="production", priority="P3", channel="phone",
    )  # fmt: skip
    case = case_open(draft=draft, requester=alice.user, at=timezone.now())
    return phone_call_record(
        case=case, direction=CallDirection.INBOUND, caller="+15550102000", dialled="+15550100",
        started_at=timezone.now(), actor=None, at=timezone.now(),
    )  # fmt: skip


@pytest.fixture
def manager(packs: None) -> Client:
    return signed_in(user_create(username="maria", email="maria@support.test", role="manager"))


@pytest.mark.rule("R47")
@pytest.mark.parametrize("role", ["manager", "admin"])
def test_a_manager_sees_the_billable_calls_waiting_with_why(billable: PhoneCall, role: str) -> None:
    client = signed_in(user_create(username="m", email="m@support.test", role=role))
    response = client.get(URL)
    assert response.status_code == 200
    text = response.content.decode()
    assert f'id="call-{billable.pk}"' in text
    assert billable.case.number in text
    assert "P1 only" in text
    assert 'aria-current="page">Billable calls</a>' in text  # in the console's menu


@pytest.mark.rule("R47")
@pytest.mark.parametrize("decision", [BillableReview.APPROVED, BillableReview.WAIVED])
def test_a_manager_approves_or_waives_a_call_with_the_reason_once(
    billable: PhoneCall, manager: Client, decision: str
) -> None:
    response = manager.post(URL, {"call": billable.pk, "decision": decision, "reason": "Agreed"})
    assert (response.status_code, response["Location"]) == (302, URL)
    call = PhoneCall.objects.get(pk=billable.pk)
    assert (call.review, call.review_reason, call.reviewed_by.username) == (  # type: ignore[union-attr]
        decision, "Agreed", "maria",
    )  # fmt: skip
    event = call.case.events.get(kind="call_review")
    assert event.data == {"call": call.pk, "decision": decision, "reason": "Agreed"}
    page = manager.get(URL).content.decode()
    assert "No billable call is waiting." in page
    assert "Agreed" in page  # in the latest decisions
    again = manager.post(URL, {"call": billable.pk, "decision": "waived", "reason": "No"})
    assert again.status_code == 400
    assert "not waiting for review" in again.content.decode()
    assert PhoneCall.objects.get(pk=billable.pk).review == decision


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"decision": "approved", "reason": ""}, "reason"),
        ({"decision": "billed", "reason": "x"}, "decision"),
        ({"decision": "approved", "reason": "   "}, "reason"),
    ],
)
def test_a_decision_needs_a_known_choice_and_a_reason(
    billable: PhoneCall, manager: Client, data: dict[str, str], field: str
) -> None:
    response = manager.post(URL, {"call": billable.pk, **data})
    assert response.status_code == 400
    assert f"{field}:" in response.content.decode()
    assert PhoneCall.objects.get(pk=billable.pk).review == BillableReview.PENDING


def test_reviewing_a_call_that_does_not_exist_is_a_404(manager: Client, packs: None) -> None:
    assert manager.post(URL, {"call": 999, "decision": "waived", "reason": "x"}).status_code == 404


@pytest.mark.parametrize("role", ["engineer", "lead", "tam", "noc"])
def test_other_staff_get_a_404(billable: PhoneCall, role: str) -> None:
    client = signed_in(user_create(username="s", email="s@support.test", role=role))
    assert client.get(URL).status_code == 404
    assert b"Billable calls" not in client.get(reverse("console:queue")).content
    post = client.post(URL, {"call": billable.pk, "decision": "waived", "reason": "x"})
    assert post.status_code == 404
    assert PhoneCall.objects.get(pk=billable.pk).review == BillableReview.PENDING


def test_a_contact_gets_a_404_and_the_anonymous_the_sign_in(
    billable: PhoneCall, alice: Persona
) -> None:
    assert signed_in(alice.user).get(URL).status_code == 404
    assert Client().get(URL).status_code == 302


@pytest.mark.rule("R48")
@pytest.mark.parametrize(("direction", "billable_call"), [("outbound", False), ("", True)])
def test_an_engineers_call_logged_from_the_console_records_its_direction(
    billable: PhoneCall, bob: Persona, direction: str, billable_call: bool
) -> None:
    engineer = signed_in(bob.user)
    url = reverse("console:call", args=[billable.case.pk])
    response = engineer.post(url, {"body": "Talked it through", "direction": direction})
    assert response.status_code == 302
    logged = PhoneCall.objects.filter(case=billable.case).exclude(pk=billable.pk).get()
    assert logged.direction == (direction or "inbound")  # not said: the customer called
    assert logged.billable is billable_call
    page = engineer.get(reverse("console:case", args=[billable.case.pk])).content.decode()
    assert "Call recorded" in page
    assert "a P3 call may be charged" in page
