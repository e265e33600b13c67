"""Billable calls (R45–R48): read from the plan's phone channel, recorded on the call and
in the case's history; support's own calls never count."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from casework.accounts.models import Contact
from casework.channels.models import BillableReview, CallDirection, PhoneCall
from casework.channels.phone.services import call_billable_reason, phone_call_record
from casework.policies.selectors import policy_get
from tests.cases.conftest import Persona

URL = "/api/v1/intake/calls"


def give_phone(who: Persona, number: str) -> None:
    contact = Contact.objects.get(user=who.user)
    contact.phone = number
    contact.save()


def call(staff: Persona, caller: str, **fields: Any) -> PhoneCall:
    started = timezone.now() - timedelta(minutes=5)
    record = {"from": caller, "to": "+15550100", "started_at": started.isoformat(), **fields}
    response = staff.client.post(URL, json.dumps(record), content_type="application/json")
    assert response.status_code == 201, response.content
    return PhoneCall.objects.get(raw_id=response.json()["id"])


@pytest.mark.rule("R45")
@pytest.mark.rule("R47")
@pytest.mark.parametrize(
    ("persona", "plan", "billable"), [("alice", "standard", True), ("eve", "support-plus", False)]
)
def test_a_customers_non_p1_call_is_flagged_billable_for_review_on_standard_only(
    request: pytest.FixtureRequest, bob: Persona, persona: str, plan: str, billable: bool
) -> None:
    give_phone(request.getfixturevalue(persona), "+15550102000")
    made = call(bob, "+15550102000")
    assert (made.direction, made.plan, made.priority) == ("inbound", plan, "P3")
    assert made.billable is billable
    assert made.review == (BillableReview.PENDING if billable else BillableReview.NONE)
    assert ("P1 only" in made.billable_reason) is billable
    assert ("R47" in made.billable_reason) is billable
    event = made.case.events.get(kind="call_recorded")
    assert event.data == {
        "call": made.pk, "direction": "inbound", "billable": billable,
        "reason": made.billable_reason or None,
    }  # fmt: skip
    assert not event.public


@pytest.mark.rule("R46")
def test_a_standard_customers_call_about_a_p1_case_is_included(
    alice: Persona, bob: Persona
) -> None:
    give_phone(alice, "+15550102000")
    opened = alice.client.post(
        "/api/v1/cases",
        {"subject": "All calls drop", "environment": "production", "priority": "P1"},
        content_type="application/json",
    ).json()  # fmt: skip
    included = call(bob, "+15550102000", case=opened["number"])
    assert included.case.pk == opened["id"]
    assert (included.priority, included.billable, included.review) == ("P1", False, "")


@pytest.mark.rule("R48")
def test_a_call_support_makes_never_counts_against_the_plan(alice: Persona, bob: Persona) -> None:
    give_phone(alice, "+15550102000")
    case = call(bob, "+15550102000").case
    outbound = phone_call_record(
        case=case, direction=CallDirection.OUTBOUND, started_at=timezone.now(),
        actor=bob.user, at=timezone.now(),
    )  # fmt: skip
    assert (outbound.direction, outbound.billable, outbound.review) == ("outbound", False, "")
    assert PhoneCall.objects.filter(case=case).count() == 2


@pytest.mark.rule("R47")
@pytest.mark.parametrize(
    ("other_calls", "billable"), [("billable", True), ("allowed", False), ("refused", False)]
)
def test_the_plans_other_calls_setting_decides_not_its_name(
    packs: None, other_calls: str, billable: bool
) -> None:
    policy = policy_get("liveops").policy.model_copy(deep=True)  # the loaded one is shared
    phone = policy.plans["standard"].channels["phone"]
    policy.plans["standard"].channels["phone"] = phone.model_copy(
        update={"other_calls": other_calls}
    )
    reason = call_billable_reason(
        policy=policy, plan_id="standard", priority="P2", direction=CallDirection.INBOUND
    )
    assert bool(reason) is billable
    assert not call_billable_reason(
        policy=policy, plan_id="standard", priority="P1", direction=CallDirection.INBOUND
    )
