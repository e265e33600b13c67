"""The agent console (``casework/cases/views/console.py``) through Django's test client: the
queues, the case page and each action's success and refusal."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from casework.accounts.models import Organization
from casework.accounts.services import organization_create, product_create, user_create
from casework.cases.models import Case, Message
from casework.cases.services import CaseDraft, case_assign, case_message_add, case_open
from tests.cases.conftest import SINCE, Persona

NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)  # Friday 10:00 in Los Angeles


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def agent(bob: Persona) -> Client:
    """Bob, a Level 1 engineer, signed in to the console (his zone: Berlin)."""
    profile = bob.user.staff_profile
    profile.time_zone = "Europe/Berlin"
    profile.save()
    client = Client()
    client.force_login(bob.user)
    return client


def open_case(
    organization: Organization,
    requester: User | None,
    *,
    ago: timedelta = timedelta(0),
    **fields: Any,
) -> Case:
    values: dict[str, Any] = {"subject": "Calls drop", "environment": "production"} | fields
    draft = CaseDraft(organization=organization, **values)
    return case_open(draft=draft, requester=requester, at=NOW - ago)


def rows(response: Any) -> list[str]:
    """The case numbers of a queue page, in order."""
    return [case.number for case in response.context["cases"]]


# -- gates ---------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client: Client, acme: Organization) -> None:
    response = client.get("/console/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/console/"


def test_a_contact_gets_404_for_the_queue_and_a_case(alice: Persona) -> None:
    case = open_case(alice.user.contact.organization, alice.user)
    client = Client()
    client.force_login(alice.user)
    assert client.get("/console/").status_code == 404
    assert client.get(f"/console/cases/{case.pk}/").status_code == 404
    assert client.post(f"/console/cases/{case.pk}/reply/", {"body": "hi"}).status_code == 404


def test_an_unknown_case_is_404(agent: Client) -> None:
    assert agent.get("/console/cases/999999/").status_code == 404


# -- queues --------------------------------------------------------------------------------------


def test_my_tier_is_the_default_queue_next_due_first(
    agent: Client, alice: Persona, globex: Organization
) -> None:
    acme = alice.user.contact.organization
    later = open_case(acme, alice.user, subject="later")  # P3: due in 24 h
    sooner = open_case(globex, None, subject="sooner", ago=timedelta(hours=4))  # 8 h
    open_case(acme, alice.user, priority="P1", subject="a P1 is Level 2's")  # R61
    response = agent.get("/console/")
    assert response.status_code == 200
    assert response.context["current"] == "tier"
    assert rows(response) == [sooner.number, later.number]
    page = response.content.decode()
    assert f'href="/console/cases/{sooner.pk}/" data-row-link' in page
    assert "data-keyboard-list" in page
    assert 'data-key="/"' in page
    assert 'hx-trigger="every 30s"' in page
    assert "due in 4 h" in page


def test_someone_without_a_tier_sees_all_by_default(alice: Persona, packs: None) -> None:
    manager = user_create(username="mia", email="mia@support.test", role="manager")
    p1 = open_case(alice.user.contact.organization, alice.user, priority="P1")
    client = Client()
    client.force_login(manager)
    response = client.get("/console/")
    assert response.context["current"] == "all"
    assert rows(response) == [p1.number]


def test_each_queue_holds_its_cases(agent: Client, bob: Persona, alice: Persona) -> None:
    acme = alice.user.contact.organization
    mine = open_case(acme, alice.user, subject="mine")
    case_assign(case=mine, actor=bob.user, assignee=bob.user, reason="mine now", at=NOW)
    fresh = open_case(acme, alice.user, subject="fresh")
    at_risk = open_case(acme, alice.user, subject="at risk", ago=timedelta(hours=20))
    breached = open_case(acme, alice.user, subject="breached", ago=timedelta(hours=30))
    # Any change recomputes the stored clocks: the first response is now past due.
    case_message_add(
        case=breached, author=bob.user, body="looking", public=False, from_support=True, at=NOW
    )
    p1 = open_case(acme, alice.user, priority="P1", subject="level 2")
    expected = {
        "mine": [mine],
        # An unanswered breach is the most overdue clock of all: its case comes first.
        "unassigned": [breached, p1, at_risk, fresh],
        "at_risk": [at_risk],
        "breached": [breached],
        "all": [breached, p1, at_risk, mine, fresh],
        "tier": [breached, at_risk, mine, fresh],
    }
    for queue, cases in expected.items():
        response = agent.get("/console/", {"queue": queue})
        assert response.status_code == 200, queue
        assert rows(response) == [c.number for c in cases], queue
    page = agent.get("/console/", {"queue": "all"}).content.decode()
    assert "at risk: due in 4 h" in page
    assert "breached 6 h ago" in page


def test_filters_narrow_the_queue(agent: Client, alice: Persona, globex: Organization) -> None:
    acme = alice.user.contact.organization
    product = product_create(name="Dialer")
    dialer = open_case(acme, alice.user, product=product)
    other = open_case(globex, None, environment="staging")
    query = {"queue": "all"}
    assert rows(agent.get("/console/", query | {"organization": acme.pk})) == [dialer.number]
    assert rows(agent.get("/console/", query | {"plan": "support-plus"})) == [other.number]
    assert rows(agent.get("/console/", query | {"product": product.pk})) == [dialer.number]
    assert rows(agent.get("/console/", query | {"priority": "P1"})) == []
    assert rows(agent.get("/console/", query | {"status": "new", "tier": "L1"})) == [
        other.number,  # 8 h on Support Plus
        dialer.number,
    ]


def test_a_bad_filter_is_a_400_naming_the_field(agent: Client, acme: Organization) -> None:
    response = agent.get("/console/", {"queue": "all", "priority": "P9"})
    assert response.status_code == 400
    assert response.context["form"].errors["priority"]
    response = agent.get("/console/", {"queue": "nowhere"})
    assert response.status_code == 400
    response = agent.get("/console/", {"queue": "all", "cursor": "!!!"})
    assert response.status_code == 400
    assert "not a cursor" in response.content.decode()


def test_htmx_gets_only_the_rows(agent: Client, alice: Persona) -> None:
    case = open_case(alice.user.contact.organization, alice.user)
    response = agent.get("/console/", {"queue": "all"}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert response.status_code == 200
    assert case.number in page
    assert "<tr data-row>" in page
    assert "<html" not in page
    assert "<table" not in page


def test_the_search_box_finds_a_case_by_its_words(agent: Client, alice: Persona) -> None:
    acme = alice.user.contact.organization
    wanted = open_case(acme, alice.user, subject="Voicemail greeting is silent")
    open_case(acme, alice.user, subject="Calls drop")
    assert rows(agent.get("/console/", {"queue": "all", "q": "voicemail"})) == [wanted.number]


def test_the_next_page_link_follows_the_cursor(agent: Client, alice: Persona) -> None:
    acme = alice.user.contact.organization
    cases = [open_case(acme, alice.user, ago=timedelta(minutes=n)) for n in range(51)]
    first = agent.get("/console/", {"queue": "all"})
    assert len(rows(first)) == 50
    following = first.context["next_query"]
    assert 'rel="next"' in first.content.decode()
    second = agent.get(f"/console/?{following}")
    assert rows(second) == [cases[0].number]  # the youngest is due last


# -- the case page -------------------------------------------------------------------------------


def test_the_case_page_shows_the_header_clocks_in_my_zone_and_the_account_team(
    agent: Client, alice: Persona, bob: Persona
) -> None:
    acme = alice.user.contact.organization
    tam = user_create(username="tara", email="tara@support.test", role="tam")
    acme.tam = tam
    acme.save()
    case = open_case(acme, alice.user, priority="P1", description="All calls fail")
    page = agent.get(f"/console/cases/{case.pk}/").content.decode()
    expected = [case.number, "Acme", "Standard", "P1: Priority 1 — Business critical", "L2"]
    expected += ["Production", "portal", "TAM tara", 'href="/policy/liveops/"', "LiveOps", "v1"]
    for text in [*expected, "All calls fail"]:
        assert text in page, text
    # 2 h after 18:00 UTC, read in Berlin (UTC+1 in November).
    assert 'First response</span> <span class="clock-text">due in 2 h</span>' in page
    assert "Fri 20 Nov, 21:00 CET" in page
    assert "Time to open" in page


def test_replies_notes_and_calls_read_differently(
    agent: Client, alice: Persona, bob: Persona
) -> None:
    case = open_case(alice.user.contact.organization, alice.user)
    agent.post(f"/console/cases/{case.pk}/note/", {"body": "check the carrier"})
    agent.post(f"/console/cases/{case.pk}/reply/", {"body": "We are on it"})
    agent.post(f"/console/cases/{case.pk}/call/", {"body": "Talked it through"})
    page = agent.get(f"/console/cases/{case.pk}/").content.decode()
    assert 'class="msg msg-internal"' in page
    assert '<span class="msg-kind">Internal note</span>' in page
    assert '<span class="msg-kind">Public reply</span>' in page
    assert '<span class="msg-kind">Phone call</span>' in page
    assert page.index("check the carrier") < page.index("We are on it")


# -- actions -------------------------------------------------------------------------------------


def test_a_public_reply_meets_the_first_response_and_redirects_with_a_message(
    agent: Client, alice: Persona
) -> None:
    case = open_case(alice.user.contact.organization, alice.user, priority="P1")
    response = agent.post(
        f"/console/cases/{case.pk}/reply/",
        {"body": "Restarting the trunk", "eta": "2026-11-20T21:30", "workaround": "on"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/console/cases/{case.pk}/"
    message = Message.objects.get(case=case)
    assert (message.public, message.from_support, message.workaround) == (True, True, True)
    assert message.eta == datetime(2026, 11, 20, 20, 30, tzinfo=UTC)  # 21:30 in Berlin
    page = agent.get(response["Location"]).content.decode()
    assert "Reply sent to the customer." in page
    assert 'First response</span> <span class="clock-text">met' in page


def test_an_empty_reply_is_a_400_naming_the_field(agent: Client, alice: Persona) -> None:
    case = open_case(alice.user.contact.organization, alice.user)
    response = agent.post(f"/console/cases/{case.pk}/reply/", {"body": "  "})
    assert response.status_code == 400
    assert response.context["reply_form"].errors["body"] == ["This field is required."]
    assert 'aria-invalid="true"' in response.content.decode()
    response = agent.post(f"/console/cases/{case.pk}/reply/", {"body": "x", "eta": "soon"})
    assert response.status_code == 400
    assert response.context["reply_form"].errors["eta"]


def test_an_internal_note_is_not_shown_as_a_response(agent: Client, alice: Persona) -> None:
    case = open_case(alice.user.contact.organization, alice.user)
    empty = agent.post(f"/console/cases/{case.pk}/note/", {"body": ""})
    assert empty.status_code == 400
    assert "Not done: check body below." in empty.content.decode()
    response = agent.post(f"/console/cases/{case.pk}/note/", {"body": "internal"})
    assert response.status_code == 302
    message = Message.objects.get(case=case)
    assert not message.public
    assert message.kind == "note"
    assert case.clocks.get(metric="first_response").state == "running"


@pytest.mark.rule("R53", "R54")
def test_reclassify_previews_old_and_new_due_times_then_confirms(
    agent: Client, alice: Persona
) -> None:
    case = open_case(alice.user.contact.organization, alice.user, ago=timedelta(hours=1))
    url = f"/console/cases/{case.pk}/reclassify/"
    preview = agent.post(url, {"priority": "P2", "reason": "calls drop for most agents"})
    assert preview.status_code == 200
    page = preview.content.decode()
    # First response: 24 h from 17:00 UTC as P3, 8 h as P2, read in Berlin.
    assert "Sat 21 Nov, 18:00 CET" in page
    assert "Sat 21 Nov, 02:00 CET" in page
    assert "Confirm: reclassify as P2" in page
    assert '<input type="hidden" name="confirm" value="yes">' in page
    assert '<input type="hidden" name="priority" value="P2"' in page
    case.refresh_from_db()
    assert case.priority == "P3"
    done = agent.post(
        url, {"priority": "P2", "reason": "calls drop for most agents", "confirm": "yes"}
    )
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.priority == "P2"
    history = agent.get(f"/console/cases/{case.pk}/").content.decode()
    assert "Reclassified" in history
    assert "P3 → P2" in history
    assert "Reason: calls drop for most agents" in history
    assert "First response: due Sat 21 Nov, 18:00 CET → Sat 21 Nov, 02:00 CET" in history


@pytest.mark.rule("R53")
def test_reclassify_needs_a_reason(agent: Client, alice: Persona) -> None:
    case = open_case(alice.user.contact.organization, alice.user)
    response = agent.post(f"/console/cases/{case.pk}/reclassify/", {"priority": "P2"})
    assert response.status_code == 400
    assert response.context["reclassify_form"].errors["reason"]


@pytest.mark.rule("R50")
def test_reclassifying_a_staging_case_to_p1_is_refused_with_the_reason(
    agent: Client, alice: Persona
) -> None:
    case = open_case(alice.user.contact.organization, alice.user, environment="staging")
    url = f"/console/cases/{case.pk}/reclassify/"
    for confirm in ("", "yes"):
        response = agent.post(url, {"priority": "P1", "reason": "urgent", "confirm": confirm})
        assert response.status_code == 400
        assert 'name="confirm"' not in response.content.decode()  # the preview comes first
        assert response.context["reclassify_form"].errors["priority"] == [
            "Priority 1 — Business critical is only for production"
        ]
    case.refresh_from_db()
    assert case.priority == "P3"


def test_reclassifying_to_the_same_priority_is_a_409(agent: Client, alice: Persona) -> None:
    case = open_case(alice.user.contact.organization, alice.user)
    response = agent.post(
        f"/console/cases/{case.pk}/reclassify/", {"priority": "P3", "reason": "x"}
    )
    assert response.status_code == 409
    assert "the case is already Priority 3" in response.content.decode()


@pytest.mark.rule("R38")
def test_elevate_moves_the_tier_and_the_same_tier_is_refused(agent: Client, alice: Persona) -> None:
    case = open_case(alice.user.contact.organization, alice.user)
    url = f"/console/cases/{case.pk}/elevate/"
    assert agent.post(url, {"tier": "L2", "reason": "needs config"}).status_code == 302
    case.refresh_from_db()
    assert case.tier == "L2"
    refused = agent.post(url, {"tier": "L2", "reason": "again"})
    assert refused.status_code == 409
    assert "the case is already at Level 2" in refused.content.decode()
    assert agent.post(url, {"tier": "L9", "reason": "x"}).status_code == 400


def test_reassign_gives_the_case_to_another_agent_with_the_reason(
    agent: Client, alice: Persona, bob: Persona
) -> None:
    carol = user_create(username="carol", email="carol@support.test", role="engineer", tier="L2")
    case = open_case(alice.user.contact.organization, alice.user)
    url = f"/console/cases/{case.pk}/assign/"
    assert agent.post(url, {"assignee": carol.pk, "reason": "knows the carrier"}).status_code == 302
    case.refresh_from_db()
    assert case.assignee == carol
    page = agent.get(f"/console/cases/{case.pk}/").content.decode()
    assert "nobody → carol" in page
    refused = agent.post(url, {"assignee": carol.pk, "reason": "again"})
    assert refused.status_code == 409
    assert "already assigned to carol" in refused.content.decode()
    contact = agent.post(url, {"assignee": alice.user.pk, "reason": "no"})
    assert contact.status_code == 400  # a contact is not among the choices


@pytest.mark.rule("R9")
def test_status_changes_and_their_refusals(agent: Client, alice: Persona) -> None:
    case = open_case(alice.user.contact.organization, alice.user)
    url = f"/console/cases/{case.pk}/status/"
    resolved = agent.post(url, {"status": "resolved"})
    assert resolved.status_code == 409
    assert 'role="alert"><p>Not done: a case is resolved when' in resolved.content.decode()
    assert '<a href="#status">Go to the form</a>' in resolved.content.decode()
    assert "the customer confirms the resolution" in resolved.content.decode()
    closed = agent.post(url, {"status": "closed"})
    assert closed.status_code == 409
    assert "closed only as out of scope" in closed.content.decode()
    assert agent.post(url, {"status": "pending_customer", "note": "need logs"}).status_code == 302
    case.refresh_from_db()
    assert case.status == "pending_customer"
    assert agent.post(url, {"status": "service_restored"}).status_code == 302
    case.refresh_from_db()
    assert case.status == "service_restored"
    assert agent.post(url, {"status": "closed", "exclusion": "nonsense"}).status_code == 400


@pytest.mark.rule("R14")
def test_closing_as_solution_provided_not_implemented(agent: Client, packs: None) -> None:
    org = organization_create(
        name="Initech", policy_id="liveperson", plan_id="standard", effective_from=SINCE
    )
    case = open_case(org, None, channel="email")
    page = agent.get(f"/console/cases/{case.pk}/").content.decode()
    assert (
        "Solutions provided but not implemented, or data requested but not provided (R14)" in page
    )
    response = agent.post(
        f"/console/cases/{case.pk}/status/",
        {"status": "closed", "exclusion": "solution-not-implemented"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.status, case.scope_exclusion) == ("closed", "solution-not-implemented")


@pytest.mark.rule("R44")
def test_a_call_resolved_on_the_call_needs_a_recap(agent: Client, alice: Persona) -> None:
    case = open_case(alice.user.contact.organization, alice.user)
    url = f"/console/cases/{case.pk}/call/"
    response = agent.post(url, {"body": "", "resolved_on_call": "on"})
    assert response.status_code == 400
    assert response.context["call_form"].errors["body"] == [
        "closing on the call needs a recap of the solution (R44)"
    ]
    done = agent.post(url, {"body": "Reset the trunk; calls connect", "resolved_on_call": "on"})
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.status == "closed"
    again = agent.post(url, {"body": "once more", "resolved_on_call": "on"})
    assert again.status_code == 409


def test_an_attachment_uploads_and_downloads_as_a_file_never_rendered(
    agent: Client, alice: Persona, eve: Persona, tmp_path: Any
) -> None:
    case = open_case(alice.user.contact.organization, alice.user)
    with override_settings(MEDIA_ROOT=str(tmp_path)):
        upload = SimpleUploadedFile("trace.txt", b"SIP 503 at 09:00\n", content_type="text/html")
        response = agent.post(f"/console/cases/{case.pk}/attach/", {"file": upload})
        assert response.status_code == 302
        attachment = case.attachments.get()
        page = agent.get(f"/console/cases/{case.pk}/").content.decode()
        assert f'href="/console/attachments/{attachment.pk}/"' in page
        download = agent.get(f"/console/attachments/{attachment.pk}/")
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == b"SIP 503 at 09:00\n"  # type: ignore[attr-defined]
        assert download["Content-Type"] == "text/plain"
        assert download["Content-Disposition"] == 'attachment; filename="trace.txt"'
        assert download["X-Content-Type-Options"] == "nosniff"
        assert download["Content-Security-Policy"] == "sandbox; default-src 'none'"
        outsider = Client()
        outsider.force_login(eve.user)
        assert outsider.get(f"/console/attachments/{attachment.pk}/").status_code == 404
        assert agent.get("/console/attachments/999999/").status_code == 404


def test_a_file_over_the_limit_or_of_a_refused_kind_is_a_400(agent: Client, alice: Persona) -> None:
    case = open_case(alice.user.contact.organization, alice.user)
    url = f"/console/cases/{case.pk}/attach/"
    with override_settings(CASEWORK_MAX_ATTACHMENT_BYTES=8):
        big = agent.post(url, {"file": SimpleUploadedFile("a.txt", b"0123456789")})
    assert big.status_code == 400
    assert big.context["attach_form"].errors["file"] == [
        "the file is larger than the limit of 8 bytes"
    ]
    html = agent.post(url, {"file": SimpleUploadedFile("a.html", b"<script>x</script>")})
    assert html.status_code == 400
    assert "this kind of file is not accepted" in html.content.decode()


def test_a_get_on_an_action_is_405(agent: Client, alice: Persona) -> None:
    case = open_case(alice.user.contact.organization, alice.user)
    assert agent.get(f"/console/cases/{case.pk}/reply/").status_code == 405


class Controls(HTMLParser):
    """The ids of a page's visible form controls and of the labels' ``for``, and its forms'
    methods and whether each POST form carries a CSRF token."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[str] = []
        self.labelled: set[str] = set()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form":
            self.forms.append({"method": values.get("method"), "csrf": False})
        elif tag == "label" and values.get("for"):
            self.labelled.add(values["for"] or "")
        elif tag in {"input", "select", "textarea"}:
            if values.get("name") == "csrfmiddlewaretoken" and self.forms:
                self.forms[-1]["csrf"] = True
            elif values.get("type") != "hidden":
                self.controls.append(values.get("id") or f"<{tag} name={values.get('name')}>")


def controls(page: str) -> Controls:
    parser = Controls()
    parser.feed(page)
    return parser


def test_every_control_has_a_label_and_every_post_form_a_csrf_token(
    agent: Client, alice: Persona
) -> None:
    case = open_case(alice.user.contact.organization, alice.user)
    for url in ("/console/?queue=all", f"/console/cases/{case.pk}/"):
        found = controls(agent.get(url).content.decode())
        assert found.controls, url
        assert [c for c in found.controls if c not in found.labelled] == [], url
        posts = [form for form in found.forms if form["method"] == "post"]
        assert all(form["csrf"] for form in posts), url
    assert len(posts) == 9  # eight actions and signing out


def test_a_queue_page_costs_the_same_queries_for_5_cases_as_for_25(
    agent: Client, alice: Persona
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    acme = alice.user.contact.organization

    def queries_for_all() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert agent.get("/console/", {"queue": "all"}).status_code == 200
        # Savepoints come and go with the session's save, whatever the page shows.
        statements = [q["sql"] for q in captured.captured_queries]
        return len([sql for sql in statements if not sql.startswith(("SAVEPOINT", "RELEASE"))])

    for index in range(5):
        open_case(acme, alice.user, subject=f"case {index}", ago=timedelta(minutes=index))
    queries_for_all()  # the first page fills the per-process policy caches
    few = queries_for_all()
    for index in range(20):
        open_case(acme, alice.user, subject=f"more {index}", ago=timedelta(minutes=index))
    assert queries_for_all() == few
