"""The console's "Log a call" page (``/console/calls/new/``, R43–R48, R32, G6): the caller is
found by number, by the dedicated number dialled or by a search, or chosen by hand; the call
opens a case on their behalf or joins an open one; resolved on the call needs a recap and
closes the case; every call is recorded as it counts against the plan."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from casework.accounts.models import Contact, Organization
from casework.accounts.services import organization_create, user_create
from casework.cases.models import Case, Message, Status
from casework.cases.services import CaseDraft, case_open
from casework.channels.models import BillableReview, PhoneCall
from tests.cases.conftest import Persona
from tests.cases.test_views_portal import signed_in

URL = reverse("console:call-new")
ALICE_PHONE = "+15550102000"


@pytest.fixture
def engineer(bob: Persona) -> Client:
    return signed_in(bob.user)


@pytest.fixture
def alice_calls(alice: Persona) -> Persona:
    """Alice, with her phone number on her contact (Acme, LiveOps Standard)."""
    contact = Contact.objects.get(user=alice.user)
    contact.phone = ALICE_PHONE
    contact.save()
    return alice


def open_case(organization: Organization, subject: str, **fields: Any) -> Case:
    draft = CaseDraft(
        organization=organization, subject=subject, environment="production", **fields
    )
    return case_open(draft=draft, requester=None, at=timezone.now() - timedelta(hours=1))


def call(client: Client, **fields: Any) -> Any:
    """POST a call: by default Alice's, about a new P1 production case, started 10 minutes
    ago (or ``started``); ``fields`` override any of it (None leaves the field out)."""
    started: datetime = fields.pop("started", None) or timezone.now() - timedelta(minutes=10)
    data: dict[str, Any] = {
        "number": ALICE_PHONE, "direction": "inbound", "started_at": started.isoformat(),
        "case": "new", "said": "No calls connect since 9:00", "subject": "No calls connect",
        "environment": "production", "priority": "P1",
    }  # fmt: skip
    data.update(fields)
    return client.post(URL, {k: v for k, v in data.items() if v is not None})


def only_call() -> PhoneCall:
    return PhoneCall.objects.select_related("case").get()


def test_the_page_is_in_the_console_menu_and_linked_from_the_queue(engineer: Client) -> None:
    page = engineer.get(URL)
    assert page.status_code == 200
    assert 'aria-current="page">Log a call</a>' in page.content.decode()
    assert f'href="{URL}"' in engineer.get(reverse("console:queue")).content.decode()


def test_a_contact_gets_a_404_and_the_anonymous_the_sign_in(alice: Persona) -> None:
    assert signed_in(alice.user).get(URL).status_code == 404
    assert signed_in(alice.user).post(URL, {}).status_code == 404
    assert Client().get(URL).status_code == 302


@pytest.mark.rule("R43")
@pytest.mark.rule("R46")
@pytest.mark.rule("R50")
def test_a_known_number_shows_the_contact_the_plan_its_phone_line_and_the_open_cases(
    engineer: Client, alice_calls: Persona, acme: Organization, globex: Organization
) -> None:
    mine = open_case(acme, "Reports are late", priority="P2")
    other = open_case(globex, "Not Acme's")
    page = engineer.get(URL, {"number": "+1 (555) 010-2000"})  # normalised as the channel does
    text = page.content.decode()
    assert page.status_code == 200
    assert "alice@acme.test" in text
    assert "Acme" in text
    assert "caller id +15550102000" in text
    assert "covers P1 only (R46); other calls are flagged billable" in text
    assert f"{mine.number}: Reports are late (P2, New)" in text
    assert other.number not in text
    assert 'name="priority" value="P1"' in text
    assert "Priority 1 — Business critical is for production only." in text  # R50


@pytest.mark.rule("R32")
def test_the_dedicated_number_dialled_names_the_organisation_whoever_calls(
    engineer: Client, globex: Organization, alice_calls: Persona
) -> None:
    globex.dedicated_phone = "+15550199"
    globex.save()
    text = engineer.get(URL, {"number": ALICE_PHONE, "dialled": "+1 555 0199"}).content.decode()
    assert "Globex" in text
    assert "called their dedicated number +15550199 (R32)" in text
    assert "alice@acme.test" not in text.split('id="caller-heading"')[1].split("</dl>")[0]


def test_a_search_by_name_or_email_lists_contacts_to_choose_from(
    engineer: Client, alice: Persona, eve: Persona
) -> None:
    found = engineer.get(URL, {"q": "ACME.test"}).content.decode()
    assert "Contacts found" in found
    assert "alice@acme.test" in found
    assert "eve@globex.test" not in found
    contact = Contact.objects.get(user=alice.user)
    chosen = engineer.get(URL, {"contact": contact.pk}).content.decode()
    assert "chosen by hand" in chosen
    assert 'id="call-form"' in chosen


def test_the_live_lookup_answers_the_partial_alone(engineer: Client, alice: Persona) -> None:
    partial = engineer.get(URL, {"q": "alice"}, headers={"HX-Request": "true"}).content.decode()
    assert "alice@acme.test" in partial
    assert "<h1>" not in partial


@pytest.mark.rule("R43")
@pytest.mark.rule("R46")
def test_a_p1_call_opens_a_case_on_the_callers_behalf_its_time_to_open_from_the_call(
    engineer: Client, alice_calls: Persona, bob: Persona
) -> None:
    started = (timezone.now() - timedelta(minutes=10)).replace(microsecond=0)
    ended = started + timedelta(minutes=4)
    response = call(engineer, started=started, ended_at=ended.isoformat())
    made = only_call()
    assert (response.status_code, response["Location"]) == (302, f"/console/cases/{made.case.pk}/")
    case = made.case
    assert (case.channel, case.priority, case.environment) == ("phone", "P1", "production")
    assert case.requester == alice_calls.user
    assert case.assignee == bob.user  # the engineer who took the call works it
    assert case.description == "No calls connect since 9:00"
    clock = case.clocks.get(key="time_to_open")
    assert clock.started_at == started  # G6: from when the call started, not from now
    assert (made.direction, made.caller, made.started_at, made.ended_at) == (
        "inbound", ALICE_PHONE, started, ended,
    )  # fmt: skip
    assert (made.billable, made.review) == (False, BillableReview.NONE)  # R46: P1 is included
    page = engineer.get(response["Location"]).content.decode()
    assert f"Call logged: {case.number} opened on Acme" in page


@pytest.mark.rule("R47")
@pytest.mark.rule("R48")
@pytest.mark.parametrize(("direction", "billable"), [("inbound", True), ("outbound", False)])
def test_a_standard_customers_non_p1_call_is_flagged_billable_but_supports_own_never(
    engineer: Client, alice_calls: Persona, direction: str, billable: bool
) -> None:
    response = call(engineer, direction=direction, priority="P3")
    assert response.status_code == 302
    made = only_call()
    assert (made.direction, made.priority, made.billable) == (direction, "P3", billable)
    assert made.review == (BillableReview.PENDING if billable else BillableReview.NONE)
    flagged = "flagged billable for a manager" in engineer.get(
        response["Location"]
    ).content.decode()  # fmt: skip
    assert flagged is billable


@pytest.mark.rule("R43")
def test_a_customers_call_joins_an_open_case_as_their_message(
    engineer: Client, alice_calls: Persona, acme: Organization
) -> None:
    case = open_case(acme, "Reports are late", priority="P2")
    response = call(engineer, case=str(case.pk), subject=None, priority=None)
    assert (response.status_code, response["Location"]) == (302, f"/console/cases/{case.pk}/")
    assert Case.objects.count() == 1  # exactly one case per call: no new one
    message = case.messages.get()
    assert (message.kind, message.from_support, message.public) == (Message.Kind.PHONE, False, True)
    assert message.author == alice_calls.user
    assert only_call().case == case


def test_a_call_support_makes_joins_a_case_as_supports_log_a_response(
    engineer: Client, alice_calls: Persona, acme: Organization
) -> None:
    case = open_case(acme, "Reports are late", priority="P2")
    response = call(engineer, case=str(case.pk), direction="outbound", said="Called back")
    assert response.status_code == 302
    message = case.messages.get()
    assert (message.kind, message.from_support, message.body) == (
        Message.Kind.PHONE, True, "Called back",
    )  # fmt: skip
    assert case.clocks.get(key="first_response").state == "met"


@pytest.mark.rule("R44")
def test_resolved_on_the_call_needs_a_recap(engineer: Client, alice_calls: Persona) -> None:
    response = call(engineer, resolved_on_call="on", recap="  ")
    assert response.status_code == 400
    assert "recap: closing on the call needs a recap of the solution (R44)" in (
        response.content.decode()
    )
    assert not Case.objects.exists()
    assert not PhoneCall.objects.exists()


@pytest.mark.rule("R44")
@pytest.mark.parametrize("existing", [False, True])
def test_resolved_on_the_call_closes_the_case_with_the_recap(
    engineer: Client, alice_calls: Persona, acme: Organization, existing: bool
) -> None:
    case = open_case(acme, "Reports are late", priority="P2") if existing else None
    chosen = {"case": str(case.pk), "subject": None} if case else {}
    response = call(engineer, resolved_on_call="on", recap="Restarted the trunk", **chosen)
    assert response.status_code == 302
    closed = only_call().case
    assert closed.status == Status.CLOSED
    recap = closed.messages.get(resolved_on_call=True)
    assert (recap.body, recap.from_support) == ("Restarted the trunk", True)
    assert "Resolved and closed on the call" in engineer.get(response["Location"]).content.decode()


@pytest.mark.rule("R43")
def test_an_unknown_caller_is_never_dropped_the_organisation_is_chosen_by_hand(
    engineer: Client, acme: Organization, alice: Persona
) -> None:
    unknown = engineer.get(URL, {"number": "+15559999999"}).content.decode()
    assert "Nobody is known by +15559999999." in unknown
    assert 'id="call-form"' not in unknown
    chosen = engineer.get(URL, {"number": "+15559999999", "organization": str(acme.pk)})
    assert 'id="call-form"' in chosen.content.decode()
    assert "alice@acme.test" in chosen.content.decode()  # to pick the contact, optionally
    response = call(engineer, number="+15559999999", organization=acme.pk)
    assert response.status_code == 302
    made = only_call()
    assert (made.case.organization, made.case.requester, made.caller) == (
        acme, None, "+15559999999",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"number": "555-0102"}, "number: expected an international (E.164) number"),
        ({"subject": ""}, "subject: a new case needs one"),
        ({"said": ""}, "said: This field is required."),
        ({"direction": "sideways"}, "direction: Select a valid choice."),
        ({"started_at": "yesterday"}, "started_at: Enter a valid date/time."),
        ({"case": "999"}, "case: Select a valid choice."),
    ],
)
def test_a_field_to_fix_is_named_and_nothing_is_written(
    engineer: Client, alice_calls: Persona, fields: dict[str, str], named: str
) -> None:
    response = call(engineer, **fields)
    assert response.status_code == 400
    assert named in response.content.decode()
    assert not Case.objects.exists()
    assert not PhoneCall.objects.exists()


@pytest.mark.rule("G6")
def test_the_call_cannot_start_in_the_future_nor_end_before_it_started(
    engineer: Client, alice_calls: Persona
) -> None:
    later = timezone.now() + timedelta(hours=1)
    assert "started_at: is in the future" in call(engineer, started=later).content.decode()
    started = timezone.now() - timedelta(minutes=10)
    early = (started - timedelta(minutes=1)).isoformat()
    response = call(engineer, started=started, ended_at=early)
    assert (response.status_code, "ended_at: is before the call started" in
            response.content.decode()) == (400, True)  # fmt: skip


@pytest.mark.rule("R50")
def test_a_production_only_priority_is_refused_for_staging_with_the_field_named(
    engineer: Client, alice_calls: Persona
) -> None:
    response = call(engineer, environment="staging", priority="P1")
    assert response.status_code == 400
    assert "priority: Priority 1" in response.content.decode()
    assert "only for production (R50)" in response.content.decode()
    assert not Case.objects.exists()


def test_the_caller_must_be_known_or_chosen(engineer: Client, acme: Organization) -> None:
    response = call(engineer, number="")
    assert response.status_code == 400
    assert "organization: choose the caller&#x27;s organisation" in response.content.decode()


def test_a_contact_of_another_organisation_is_refused(
    engineer: Client, acme: Organization, eve: Persona
) -> None:
    eve_contact = Contact.objects.get(user=eve.user)
    response = call(engineer, number="", organization=acme.pk, contact=eve_contact.pk)
    assert response.status_code == 400
    assert "contact: is not a contact of Acme" in response.content.decode()


def test_an_organisation_without_a_plan_in_effect_is_refused_with_the_reason(
    engineer: Client, packs: None
) -> None:
    later = organization_create(
        name="Initrode", policy_id="liveops", plan_id="standard",
        effective_from=timezone.now() + timedelta(days=30),
    )  # fmt: skip
    user_create(username="ian", email="ian@initrode.test", role="contact", organization=later)
    response = call(engineer, number="", organization=later.pk)
    assert response.status_code == 409
    assert "Initrode has no support plan in effect" in response.content.decode()
    assert not Case.objects.exists()
