"""The customer portal's case pages (``casework/cases/views/portal.py``) through Django's test
client: who sees what (R30), the new-case form's priorities (R50, R27), the case page's
promises, conversation and actions (R9), and 404 for every other organisation's case."""

from __future__ import annotations

import csv
from datetime import timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import dateformat, timezone

from casework.accounts.models import CaseVisibility, ContactRole, Organization
from casework.accounts.services import organization_create, user_create
from casework.cases.attachments import attachment_add
from casework.cases.models import Attachment, Case, Status
from casework.cases.services import (
    CaseDraft,
    case_message_add,
    case_open,
    case_reclassify,
    case_transition,
)
from tests.cases.conftest import SINCE, Persona

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def open_case(
    user: User, *, subject: str = "Calls drop", priority: str = "P3",
    environment: str = "production", description: str = "Since this morning.",
) -> Case:  # fmt: skip
    organization = user.contact.organization
    draft = CaseDraft(
        organization=organization, subject=subject, description=description,
        environment=environment, priority=priority,
    )  # fmt: skip
    case = case_open(draft=draft, requester=user, at=timezone.now())
    # A fresh instance: case_open leaves its first clocks prefetched on the one it returns.
    return Case.objects.get(pk=case.pk)


def contact(organization: Organization, name: str, role: str = ContactRole.USER) -> User:
    return user_create(
        username=name, email=f"{name}@{organization.slug}.test", role="contact",
        organization=organization, contact_role=role,
    )  # fmt: skip


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def portal(alice: Persona) -> Client:
    return signed_in(alice.user)


@pytest.fixture
def case(alice: Persona) -> Case:
    return open_case(alice.user)


# -- the list: who sees which cases (R30) ---------------------------------------------------


def _listed(client: Client, **query: str) -> str:
    response = client.get(reverse("portal:cases"), query)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.rule("R30")
@pytest.mark.parametrize(
    ("visibility", "role", "sees_colleagues_case"),
    [
        (CaseVisibility.ACCOUNT, ContactRole.ADMINISTRATOR, True),
        (CaseVisibility.ACCOUNT, ContactRole.MANAGER, False),
        (CaseVisibility.MANAGERS_ONLY, ContactRole.MANAGER, True),
        (CaseVisibility.MANAGERS_ONLY, ContactRole.USER, False),
        (CaseVisibility.EVERYONE, ContactRole.USER, True),
    ],
)
def test_the_list_follows_the_organisations_visibility_setting(
    acme: Organization, visibility: str, role: str, sees_colleagues_case: bool
) -> None:
    Organization.objects.filter(pk=acme.pk).update(case_visibility=visibility)
    colleague, viewer = contact(acme, "carol"), contact(acme, "dave", role)
    theirs = open_case(colleague, subject="Carol's outage")
    mine = open_case(viewer, subject="Dave's question")
    page = _listed(signed_in(viewer))
    assert mine.number in page
    assert (theirs.number in page) is sees_colleagues_case
    detail = signed_in(viewer).get(reverse("portal:case", args=[theirs.pk]))
    assert detail.status_code == (200 if sees_colleagues_case else 404)


def test_the_list_filters_by_status_priority_and_open_or_closed(
    alice: Persona, bob: Persona, portal: Client
) -> None:
    low = open_case(alice.user, subject="A question", priority="P3")
    high = open_case(alice.user, subject="Degraded", priority="P2")
    case_transition(case=low, actor=alice.user, status=Status.RESOLVED, by_customer=True,
                    at=timezone.now())  # fmt: skip
    by_priority = _listed(portal, priority="P2")
    assert high.number in by_priority
    assert low.number not in by_priority
    closed = _listed(portal, state="closed")
    assert low.number in closed
    assert high.number not in closed
    assert high.number in _listed(portal, state="open")
    assert low.number in _listed(portal, status="resolved")
    assert high.number not in _listed(portal, status="resolved")


def test_a_bad_filter_is_a_400_naming_the_field(portal: Client) -> None:
    response = portal.get(reverse("portal:cases"), {"status": "bogus"})
    assert response.status_code == 400
    assert "Status: Select a valid choice" in response.content.decode()


def test_a_forged_cursor_is_a_400_not_a_500(portal: Client, case: Case) -> None:
    response = portal.get(reverse("portal:cases"), {"cursor": "!!!"})
    assert response.status_code == 400
    assert "not a page of this list" in response.content.decode()


def test_the_list_pages_by_the_selectors_cursor(alice: Persona, portal: Client) -> None:
    cases = [open_case(alice.user, subject=f"Case number {n}") for n in range(27)]
    first = portal.get(reverse("portal:cases"))
    assert first.context["cursor"] is not None
    second = portal.get(reverse("portal:cases"), {"cursor": first.context["cursor"]})
    seen = {c.pk for c in first.context["cases"]} | {c.pk for c in second.context["cases"]}
    assert seen == {c.pk for c in cases}
    assert second.context["cursor"] is None


@pytest.mark.rule("R30")
def test_search_finds_public_text_but_never_an_internal_note(
    alice: Persona, bob: Persona, portal: Client, case: Case
) -> None:
    case_message_add(case=case, author=bob.user, body="zanzibar workaround is internal",
                     public=False, from_support=True, at=timezone.now())  # fmt: skip
    case_message_add(case=case, author=bob.user, body="we restarted the quokka service",
                     public=True, from_support=True, at=timezone.now())  # fmt: skip
    assert case.number not in _listed(portal, q="zanzibar")
    assert case.number in _listed(portal, q="quokka")


@pytest.mark.rule("R30")
def test_csv_export_has_the_columns_the_filters_and_no_formulas(
    alice: Persona, portal: Client
) -> None:
    evil = open_case(alice.user, subject='=HYPERLINK("http://evil.test","x")', priority="P2")
    plus = open_case(alice.user, subject="+1 calls", priority="P3")
    response = portal.get(reverse("portal:cases-csv"), {"priority": "P2"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="cases.csv"'
    rows = list(csv.reader(StringIO(response.content.decode())))
    assert rows[0] == ["number", "subject", "priority", "status", "created", "next due",
                       "requester"]  # fmt: skip
    assert [row[0] for row in rows[1:]] == [evil.number]
    assert rows[1][1] == '\'=HYPERLINK("http://evil.test","x")'
    assert rows[1][2:4] == ["P2", "New"]
    assert rows[1][6] == "alice@acme.test"
    everything = portal.get(reverse("portal:cases-csv")).content.decode()
    assert "'+1 calls" in everything
    assert plus.number in everything


# -- opening a case (R50, R27) -------------------------------------------------------------


def test_the_new_case_form_shows_each_priority_with_its_definition(portal: Client) -> None:
    page = portal.get(reverse("portal:case-new")).content.decode()
    assert "Priority 1 — Business critical" in page
    assert "Loss of one or more critical functions of the LiveOps service" in page
    assert "Priority 1 — Business critical is for production only." in page
    assert 'data-environments="production staging development"' in page
    assert 'data-environments="production"' in page


def _new_case(**fields: object) -> dict[str, object]:
    return {"subject": "Calls drop", "description": "All agents, since 9:00.",
            "environment": "production", "priority": "P1", **fields}  # fmt: skip


@pytest.mark.rule("R50")
def test_a_p1_for_staging_is_refused_with_the_reason_and_nothing_is_created(
    portal: Client,
) -> None:
    response = portal.post(reverse("portal:case-new"), _new_case(environment="staging"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Priority: Priority 1 — Business critical is only for production" in page
    assert Case.objects.count() == 0


@pytest.mark.rule("R27")
def test_a_contact_whose_role_may_not_open_cases_is_told_why(packs: None) -> None:
    initech = organization_create(name="Initech", policy_id="liveperson", plan_id="standard",
                                  effective_from=SINCE)  # fmt: skip
    user = contact(initech, "peter")
    response = signed_in(user).post(reverse("portal:case-new"), _new_case(priority="sev3"))
    assert response.status_code == 403
    assert "Only Agent Managers and Administrators" in response.content.decode()
    assert Case.objects.count() == 0


@pytest.mark.rule("R50")
def test_opening_a_p1_shows_the_promised_first_response_time_in_the_customers_zone(
    portal: Client,
) -> None:
    response = portal.post(reverse("portal:case-new"), _new_case(), follow=True)
    case = Case.objects.get()
    assert response.redirect_chain == [(reverse("portal:case", args=[case.pk]), 302)]
    assert case.priority == "P1"
    assert case.channel == "portal"
    due = case.clocks.get(metric="first_response").due_at
    assert due is not None
    local = dateformat.format(due.astimezone(ZoneInfo("America/Los_Angeles")), "D j M Y, H:i T")
    assert local.endswith(("PST", "PDT"))  # the organisation's zone, not UTC
    assert f'<strong>First response by</strong> <time datetime="{due.isoformat()}">{local}' in (
        response.content.decode()
    )


def test_files_are_attached_to_the_new_case(portal: Client) -> None:
    upload = SimpleUploadedFile("screen.png", PNG, content_type="image/png")
    portal.post(reverse("portal:case-new"), _new_case(priority="P3", attachments=[upload]))
    attachment = Attachment.objects.get()
    assert attachment.case == Case.objects.get()
    assert attachment.filename == "screen.png"


def test_a_bad_file_is_a_field_error_and_no_case_is_opened(portal: Client) -> None:
    good = SimpleUploadedFile("ok.png", PNG, content_type="image/png")
    bad = SimpleUploadedFile("x.html", b"<script>alert(1)</script>", content_type="text/html")
    response = portal.post(reverse("portal:case-new"), _new_case(attachments=[good, bad]))
    assert response.status_code == 400
    assert "Attachments: x.html: this kind of file is not accepted" in response.content.decode()
    assert Case.objects.count() == 0
    assert Attachment.objects.count() == 0


def test_a_missing_subject_is_a_400_naming_the_field(portal: Client) -> None:
    response = portal.post(reverse("portal:case-new"), _new_case(subject=""))
    assert response.status_code == 400
    assert "Subject: This field is required." in response.content.decode()


# -- the case page --------------------------------------------------------------------------


def test_the_case_page_shows_the_public_conversation_labelled_by_who_wrote_it(
    alice: Persona, bob: Persona, portal: Client, case: Case
) -> None:
    case_message_add(case=case, author=bob.user, body="We are on it.", public=True,
                     from_support=True, at=timezone.now())  # fmt: skip
    case_message_add(case=case, author=bob.user, body="secret triage note", public=False,
                     from_support=True, at=timezone.now())  # fmt: skip
    case_message_add(case=case, author=alice.user, body="Thanks!", public=True,
                     from_support=False, at=timezone.now())  # fmt: skip
    page = portal.get(reverse("portal:case", args=[case.pk])).content.decode()
    assert "We are on it." in page
    assert "Thanks!" in page
    assert "secret triage note" not in page
    assert "<strong>Support</strong>" in page
    assert "<strong>alice</strong>" in page


def test_a_reply_is_public_from_the_customer_and_carries_its_files(
    alice: Persona, portal: Client, case: Case
) -> None:
    upload = SimpleUploadedFile("log.txt", b"error 42\n", content_type="text/plain")
    response = portal.post(
        reverse("portal:case-reply", args=[case.pk]),
        {"body": "Still broken", "attachments": upload},
    )
    assert response.status_code == 302
    message = case.messages.get()
    assert (message.public, message.from_support, message.body) == (True, False, "Still broken")
    assert message.attachments.get().filename == "log.txt"


def test_an_empty_reply_is_a_400_naming_the_field(portal: Client, case: Case) -> None:
    response = portal.post(reverse("portal:case-reply", args=[case.pk]), {"body": ""})
    assert response.status_code == 400
    assert "Your reply: This field is required." in response.content.decode()


def test_a_paused_clock_says_it_waits_for_the_customers_reply(
    alice: Persona, bob: Persona, portal: Client
) -> None:
    case = open_case(alice.user, priority="P2")
    case_transition(case=case, actor=bob.user, status=Status.PENDING_CUSTOMER,
                    by_customer=False, at=timezone.now())  # fmt: skip
    page = portal.get(reverse("portal:case", args=[case.pk])).content.decode()
    assert case.clocks.filter(state="paused").exists()
    assert "paused while waiting for your reply" in page


@pytest.mark.rule("R9")
def test_the_customer_says_the_case_can_be_closed(portal: Client, case: Case) -> None:
    page = portal.get(reverse("portal:case", args=[case.pk])).content.decode()
    assert "This can be closed" in page
    response = portal.post(reverse("portal:case-closable", args=[case.pk]), follow=True)
    case.refresh_from_db()
    assert case.closable
    assert "support may now resolve the case" in response.content.decode()
    assert "This can be closed</button>" not in response.content.decode()


@pytest.mark.rule("R9")
def test_the_customer_confirms_the_resolution_once_service_is_restored(
    bob: Persona, portal: Client, case: Case
) -> None:
    assert (
        "Confirm the resolution"
        not in portal.get(reverse("portal:case", args=[case.pk])).content.decode()
    )
    case_transition(case=case, actor=bob.user, status=Status.SERVICE_RESTORED,
                    by_customer=False, at=timezone.now())  # fmt: skip
    assert (
        "Confirm the resolution"
        in portal.get(reverse("portal:case", args=[case.pk])).content.decode()
    )
    response = portal.post(reverse("portal:case-status", args=[case.pk]), {"status": "resolved"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Status.RESOLVED


def test_the_customer_reopens_a_resolved_case(alice: Persona, portal: Client, case: Case) -> None:
    case_transition(case=case, actor=alice.user, status=Status.RESOLVED, by_customer=True,
                    at=timezone.now())  # fmt: skip
    assert "Reopen the case" in portal.get(reverse("portal:case", args=[case.pk])).content.decode()
    portal.post(reverse("portal:case-status", args=[case.pk]), {"status": "open"})
    case.refresh_from_db()
    assert case.status == Status.OPEN


@pytest.mark.parametrize(
    ("status", "code", "reason"),
    [
        ("open", 409, "only a resolved or closed case can be reopened"),
        ("closed", 400, "customers may confirm a resolution or reopen a case"),
    ],
)
def test_a_refused_status_change_is_shown_with_its_reason(
    portal: Client, case: Case, status: str, code: int, reason: str
) -> None:
    response = portal.post(reverse("portal:case-status", args=[case.pk]), {"status": status})
    assert response.status_code == code
    assert reason in response.content.decode()
    case.refresh_from_db()
    assert case.status == Status.NEW


@pytest.mark.rule("R14")
def test_a_reply_to_a_case_closed_as_not_implemented_opens_a_new_case_and_says_why(
    packs: None, bob: Persona
) -> None:
    initech = organization_create(name="Initech", policy_id="liveperson", plan_id="standard",
                                  effective_from=SINCE)  # fmt: skip
    peter = contact(initech, "peter", ContactRole.ADMINISTRATOR)
    draft = CaseDraft(organization=initech, subject="Widget fails", environment="production")
    opened = case_open(draft=draft, requester=bob.user, at=timezone.now())
    case_transition(case=Case.objects.get(pk=opened.pk), actor=bob.user, status=Status.CLOSED,
                    by_customer=False, at=timezone.now(),
                    exclusion="solution-not-implemented")  # fmt: skip
    response = signed_in(peter).post(
        reverse("portal:case-reply", args=[opened.pk]), {"body": "It fails again"}, follow=True
    )
    followup = Case.objects.get(linked_from=opened)
    page = response.content.decode()
    assert f"Your reply opened a new case, {followup.number}" in page
    assert "(R14)" in page
    assert Case.objects.get(pk=opened.pk).status == Status.CLOSED


@pytest.mark.rule("R53")
def test_a_reclassification_shows_old_and_new_priority_and_its_reason(
    bob: Persona, portal: Client, case: Case
) -> None:
    case_reclassify(case=case, actor=bob.user, priority="P2", reason="calls drop for most agents",
                    at=timezone.now())  # fmt: skip
    page = portal.get(reverse("portal:case", args=[case.pk])).content.decode()
    assert "Priority changed from P3 to P2. Reason: calls drop for most agents" in page


def test_htmx_filtering_gets_only_the_results_part(alice: Persona, portal: Client) -> None:
    low = open_case(alice.user, subject="A question", priority="P3")
    response = portal.get(
        reverse("portal:cases"), {"priority": "P2"}, headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="results"')
    assert low.number not in page
    assert "cases.csv?priority=P2" in page


def test_the_clocks_part_refreshes_alone_for_htmx(portal: Client, case: Case) -> None:
    response = portal.get(reverse("portal:case", args=[case.pk]), headers={"HX-Request": "true"})
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="clocks"')
    assert "Conversation" not in page


def test_attachments_download_as_files_the_browser_must_not_render(
    alice: Persona, portal: Client, case: Case
) -> None:
    attachment = attachment_add(case=case, uploaded_by=alice.user, name="a.png", content=PNG)
    response = portal.get(reverse("portal:attachment", args=[attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG  # type: ignore[attr-defined]
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"


def test_an_internal_notes_attachment_is_a_404_for_the_customer(
    bob: Persona, portal: Client, case: Case
) -> None:
    note = case_message_add(case=case, author=bob.user, body="internal", public=False,
                            from_support=True, at=timezone.now())  # fmt: skip
    attachment = attachment_add(case=case, uploaded_by=bob.user, name="n.png", content=PNG,
                                message=note)  # fmt: skip
    assert portal.get(reverse("portal:attachment", args=[attachment.pk])).status_code == 404
    page = portal.get(reverse("portal:case", args=[case.pk])).content.decode()
    assert "n.png" not in page


# -- outsiders and forgeries ----------------------------------------------------------------


@pytest.mark.rule("R30")
def test_outsider_gets_404_on_every_portal_url_of_the_case(
    alice: Persona, eve: Persona, case: Case
) -> None:
    attachment = attachment_add(case=case, uploaded_by=alice.user, name="a.png", content=PNG)
    outsider = signed_in(eve.user)
    gets = [
        reverse("portal:case", args=[case.pk]),
        reverse("portal:attachment", args=[attachment.pk]),
    ]
    posts = [
        (reverse("portal:case-reply", args=[case.pk]), {"body": "hi"}),
        (reverse("portal:case-closable", args=[case.pk]), {}),
        (reverse("portal:case-status", args=[case.pk]), {"status": "resolved"}),
        (reverse("portal:case-status", args=[case.pk]), {"status": "open"}),
    ]
    for url in gets:
        assert outsider.get(url).status_code == 404, url
    for url, data in posts:
        assert outsider.post(url, data).status_code == 404, url
    case.refresh_from_db()
    assert (case.status, case.closable, case.messages.count()) == (Status.NEW, False, 0)
    assert case.number not in _listed(outsider)


def test_staff_get_404_on_portal_pages(bob: Persona, case: Case) -> None:
    staff = signed_in(bob.user)
    assert staff.get(reverse("portal:cases")).status_code == 404
    assert staff.get(reverse("portal:case", args=[case.pk])).status_code == 404


def test_the_anonymous_are_sent_to_sign_in(case: Case) -> None:
    response = Client().get(reverse("portal:case", args=[case.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_form_without_its_csrf_token_is_refused(alice: Persona, case: Case) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice.user)
    response = client.post(reverse("portal:case-reply", args=[case.pk]), {"body": "forged"})
    assert response.status_code == 403
    assert case.messages.count() == 0
    response = client.post(reverse("portal:case-new"), _new_case(priority="P3"))
    assert response.status_code == 403
    assert Case.objects.count() == 1


def test_every_form_of_the_portal_carries_a_csrf_token(portal: Client, case: Case) -> None:
    for url in (reverse("portal:case-new"), reverse("portal:case", args=[case.pk])):
        page = portal.get(url).content.decode()
        assert page.count('method="post"') == page.count('name="csrfmiddlewaretoken"'), url


# -- the plan page --------------------------------------------------------------------------


def test_the_plan_page_shows_the_plan_its_targets_and_an_unassigned_team(
    portal: Client,
) -> None:
    page = portal.get(reverse("portal:plan")).content.decode()
    assert "Standard plan" in page
    assert '<h4 id="targets-1">Priority 1 — Business critical</h4>' in page
    assert "<dt>Time to open</dt><dd>Within 2 hours</dd>" in page
    assert 'href="/policy/liveops/#plan-standard"' in page
    assert page.count("not assigned") == 3


def test_the_plan_page_names_the_account_team(acme: Organization, portal: Client) -> None:
    tam = user_create(username="terry", email="terry@support.test", role="tam")
    tam.first_name, tam.last_name = "Terry", "Lane"
    tam.save()
    Organization.objects.filter(pk=acme.pk).update(tam=tam)
    page = portal.get(reverse("portal:plan")).content.decode()
    assert "Terry Lane" in page
    assert 'href="mailto:terry@support.test"' in page
    assert page.count("not assigned") == 2


def test_an_organisation_without_a_plan_in_effect_is_told_so(packs: None) -> None:
    later = timezone.now() + timedelta(days=30)
    hooli = organization_create(name="Hooli", policy_id="liveops", plan_id="standard",
                                effective_from=later)  # fmt: skip
    client = signed_in(contact(hooli, "gavin", ContactRole.ADMINISTRATOR))
    response = client.get(reverse("portal:case-new"))
    assert response.status_code == 409
    assert "no support plan in effect" in response.content.decode()
    assert "no support plan in effect now" in client.get(reverse("portal:plan")).content.decode()
    assert client.get(reverse("portal:cases")).status_code == 200


def test_the_case_list_shows_only_the_clocks_that_concern_the_customer(
    alice: Persona, bob: Persona, acme: Organization
) -> None:
    from casework.cases.portal_page import CUSTOMER_METRICS

    draft = CaseDraft(organization=acme, subject="Old", environment="production", priority="P2")
    case = case_open(draft=draft, requester=alice.user, at=timezone.now() - timedelta(days=3))
    case = Case.objects.get(pk=case.pk)
    case_message_add(
        case=case, author=bob.user, body="internal", public=False, from_support=True,
        at=timezone.now(),
    )  # fmt: skip
    breached = [c.metric for c in case.clocks.all() if c.state == "breached"]
    shown = [m for m in breached if m in CUSTOMER_METRICS]
    assert shown
    assert len(shown) < len(breached)  # the case has an internal breach to leave out
    client = Client()
    client.force_login(alice.user)
    page = client.get("/portal/").content.decode()
    assert page.count('class="clock clock-breach"') == len(shown)
