"""The console's status pages (``casework/status/views_console.py``) through Django's test
client: the NOC runs an incident without the API (its updates answering the linked cases,
R23; its RCA published to them, R21), schedules maintenance inside the policy's windows (R29);
other staff only look, bad input is a form error and never a 500, and CSRF is enforced."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from casework.accounts.models import Organization
from casework.accounts.services import user_create
from casework.cases.models import Case, Message, Origin, Status
from casework.cases.services import CaseDraft, case_open
from casework.status.models import (
    CaseLink,
    Component,
    Incident,
    Maintenance,
    MaintenanceStatus,
    Rca,
)
from casework.status.services import incident_open, maintenance_schedule
from tests.cases.conftest import Persona
from tests.status.conftest import T0
from tests.support import assert_console_only, signed_in

OVERVIEW = "/console/status/"
MAINTENANCE = "/console/status/maintenance/"
# Sunday 13 December 2026, 03:00-07:00 America/New_York is 08:00-12:00 UTC: the NA window.
NA_WINDOW = T0.replace(day=13, hour=8)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>")


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def noc(nora: Persona, clock: time_machine.Traveller) -> Client:
    """Nora, a NOC operator (zone UTC), signed in to the console."""
    return signed_in(nora.user)


@pytest.fixture
def engineer(bob: Persona, clock: time_machine.Traveller) -> Client:
    """Bob, a Level 1 engineer: staff, but not the NOC."""
    return signed_in(bob.user)


def _case(organization: Organization, requester: Persona | None, **fields: Any) -> Case:
    values: dict[str, Any] = {
        "subject": "Messages are not delivered", "environment": "production", "priority": "sev1",
        "channel": "portal",
    } | fields  # fmt: skip
    draft = CaseDraft(organization=organization, **values)
    return case_open(draft=draft, requester=requester.user if requester else None,
                     at=timezone.now())  # fmt: skip


def _incident(component: Component, nora: Persona) -> Incident:
    return incident_open(
        title="Message delivery delayed", impact="major",
        components={component: "partial_outage"}, message="We are investigating.",
        actor=nora.user, at=timezone.now(),
    )  # fmt: skip


def _opening(component: Component, **fields: str) -> dict[str, str]:
    return {
        "title": "Chat outage", "impact": "major", "status": "investigating",
        "message": "We are investigating.", f"state_{component.pk}": "partial_outage",
    } | fields  # fmt: skip


def _page(response: Any) -> str:
    return str(response.content.decode())


def _errors(response: Any, name: str) -> Mapping[str, list[str]]:
    return dict(response.context[name].errors)


# -- the pages and who may do what ----------------------------------------------------------


def test_each_page_renders_for_the_noc_with_its_forms_and_no_inline_script_or_style(
    noc: Client, nora: Persona, messaging: Component
) -> None:
    incident = _incident(messaging, nora)
    pages = {
        OVERVIEW: ['action="/console/status/incidents/"', 'action="/console/status/components/"',
                   "Conversational Cloud", "partial outage", incident.title],
        f"/console/status/incidents/{incident.pk}/": [
            f'action="/console/status/incidents/{incident.pk}/updates/"',
            f'action="/console/status/incidents/{incident.pk}/cases/"',
            f'action="/console/status/incidents/{incident.pk}/rca/preliminary/"',
            "We are investigating."],
        MAINTENANCE: ['action="/console/status/maintenance/schedule/"', 'type="datetime-local"',
                      "Starts (UTC)"],
    }  # fmt: skip
    for url, expected in pages.items():
        response = noc.get(url)
        assert response.status_code == 200, url
        page = _page(response)
        for text in expected:
            assert text in page, (url, text)
        assert 'href="/console/status/" aria-current="page"' in page  # the console's nav
        assert "csrfmiddlewaretoken" in page
        assert "style=" not in page
        assert INLINE_SCRIPT.findall(page) == []
        assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_other_staff_see_the_pages_without_forms_and_every_change_is_403(
    engineer: Client, nora: Persona, umbrella: Organization, carol: Persona,
    messaging: Component,
) -> None:  # fmt: skip
    _case(umbrella, carol)
    incident = _incident(messaging, nora)
    link = CaseLink.objects.get(incident=incident)
    maintenance = maintenance_schedule(
        title="Upgrade", components=[messaging], policy_id="liveperson", starts_at=NA_WINDOW,
        ends_at=NA_WINDOW + timedelta(hours=2), actor=nora.user, at=timezone.now(),
    )  # fmt: skip
    overview = engineer.get(OVERVIEW)
    assert overview.status_code == 200
    assert "Only NOC operators and administrators change the status page" in _page(overview)
    assert 'action="/console/status/incidents/"' not in _page(overview)
    page = _page(engineer.get(f"/console/status/incidents/{incident.pk}/"))
    assert "updates/" not in page
    assert "Dismiss" not in page
    base = f"/console/status/incidents/{incident.pk}"
    posts = {
        "/console/status/components/": {"name": "Voice"},
        "/console/status/incidents/": _opening(messaging),
        f"{base}/updates/": {"status": "resolved", "message": "Fixed."},
        f"{base}/cases/": {"case": "1"},
        f"{base}/cases/{link.pk}/link/": {},
        f"{base}/cases/{link.pk}/dismiss/": {},
        f"{base}/rca/preliminary/": {"summary": "Disk."},
        f"{base}/rca/preliminary/review/": {},
        f"{base}/rca/preliminary/publish/": {},
        "/console/status/maintenance/schedule/": {"title": "Upgrade"},
        f"/console/status/maintenance/{maintenance.pk}/cancel/": {},
    }
    for url, data in posts.items():
        assert engineer.post(url, data).status_code == 403, url
    assert Component.objects.count() == 1
    assert Incident.objects.get().status == "investigating"
    assert CaseLink.objects.get().kind == "suggested"
    assert not Rca.objects.exists()
    assert Maintenance.objects.get().status == MaintenanceStatus.SCHEDULED
    assert "Cancel this maintenance" not in _page(engineer.get(MAINTENANCE))


def test_the_pages_are_the_consoles_a_contact_gets_404_and_the_anonymous_sign_in(
    carol: Persona, clock: time_machine.Traveller
) -> None:
    for url in (OVERVIEW, MAINTENANCE):
        assert_console_only(url, contact=carol.user)
    assert signed_in(carol.user).post("/console/status/components/", {"name": "X"}).status_code \
        == 404  # fmt: skip


# -- running an incident --------------------------------------------------------------------


@pytest.mark.rule("R23", "G26")
def test_an_incident_opened_and_updated_in_the_console_answers_its_linked_case(
    noc: Client, clock: time_machine.Traveller, umbrella: Organization, carol: Persona,
    messaging: Component,
) -> None:  # fmt: skip
    case = _case(umbrella, carol)  # Sev1 on Enhanced: 1 h response, 2 h periodic updates
    clock.move_to(T0 + timedelta(minutes=5))
    opened = noc.post("/console/status/incidents/", _opening(messaging))
    incident = Incident.objects.get()
    assert opened.status_code == 302
    assert opened["Location"] == f"/console/status/incidents/{incident.pk}/"
    page = _page(noc.get(opened["Location"]))
    assert f"Opened incident #{incident.pk}" in page
    link = CaseLink.objects.get(incident=incident, case=case)
    assert link.kind == "suggested"
    assert f'id="suggested-{case.pk}"' in page

    clock.move_to(T0 + timedelta(minutes=10))
    linked = noc.post(f"/console/status/incidents/{incident.pk}/cases/{link.pk}/link/")
    assert linked.status_code == 302
    link.refresh_from_db()
    assert link.kind == "linked"

    clock.move_to(T0 + timedelta(minutes=40))
    posted = noc.post(f"/console/status/incidents/{incident.pk}/updates/", {
        "status": "identified", "message": "A queue is backed up.",
        f"state_{messaging.pk}": "degraded",
    })  # fmt: skip
    assert posted.status_code == 302
    post = case.messages.get(kind=Message.Kind.STATUS)
    assert (post.public, post.from_support) == (True, True)
    assert "A queue is backed up." in post.body
    first = case.clocks.get(metric="first_response")
    assert (first.state, first.met_at) == ("met", T0 + timedelta(minutes=40))
    periodic = case.clocks.filter(metric="periodic_update").order_by("-cycle").first()
    assert periodic is not None
    assert periodic.due_at == T0 + timedelta(minutes=40, hours=2)
    assert incident.affected.get().state == "degraded"

    clock.move_to(T0 + timedelta(hours=2))
    noc.post(f"/console/status/incidents/{incident.pk}/updates/",
             {"status": "monitoring", "message": "Drained; watching."})  # fmt: skip
    cycles = list(case.clocks.filter(metric="periodic_update").order_by("cycle"))
    met = [(cycle.state, cycle.met_at) for cycle in cycles]
    assert met == [("met", T0 + timedelta(minutes=40)), ("met", T0 + timedelta(hours=2)),
                   ("running", None)]  # fmt: skip
    assert cycles[-1].due_at == T0 + timedelta(hours=4)
    page = _page(noc.get(f"/console/status/incidents/{incident.pk}/"))
    assert f'id="linked-{case.pk}"' in page
    assert page.index("Drained; watching.") < page.index("A queue is backed up.")  # newest first
    assert "<li>Messaging (NA): degraded performance</li>" in page


def test_a_case_is_linked_by_its_number_and_a_suggestion_dismissed(
    noc: Client, nora: Persona, umbrella: Organization, initech: Organization, carol: Persona,
    messaging: Component,
) -> None:  # fmt: skip
    suggested = _case(umbrella, carol)
    other = _case(initech, None, subject="Reports are late")
    incident = _incident(messaging, nora)
    link = CaseLink.objects.get(incident=incident, case=suggested)
    base = f"/console/status/incidents/{incident.pk}"

    assert noc.post(f"{base}/cases/{link.pk}/dismiss/").status_code == 302
    link.refresh_from_db()
    assert link.kind == "dismissed"
    assert f'id="suggested-{suggested.pk}"' not in _page(noc.get(f"{base}/"))
    again = noc.post(f"{base}/cases/{link.pk}/dismiss/")
    assert again.status_code == 409
    assert "not suggested" in _page(again)

    assert noc.post(f"{base}/cases/", {"case": other.number}).status_code == 302
    assert CaseLink.objects.get(incident=incident, case=other).kind == "linked"
    unknown = noc.post(f"{base}/cases/", {"case": "CW-999999"})
    assert unknown.status_code == 400
    assert _errors(unknown, "link_form") == {"case": ["no case CW-999999"]}


def test_a_noc_case_is_promoted_to_an_incident_from_its_page(
    noc: Client, engineer: Client, umbrella: Organization, carol: Persona, messaging: Component
) -> None:
    alert = _case(umbrella, None, subject="Queue depth alarm", origin=Origin.NOC,
                  channel="monitoring")  # fmt: skip
    customer = _case(umbrella, carol)
    case_page = _page(noc.get(f"/console/cases/{alert.pk}/"))
    assert f'href="/console/status/?case={alert.pk}#incident">Promote to incident' in case_page
    assert "Promote to incident" not in _page(noc.get(f"/console/cases/{customer.pk}/"))
    assert "Promote to incident" not in _page(engineer.get(f"/console/cases/{alert.pk}/"))

    prefilled = noc.get(f"{OVERVIEW}?case={alert.pk}")
    assert prefilled.context["incident_form"].initial == {
        "case": alert.number,
        "title": "Queue depth alarm",
    }
    refused = noc.post("/console/status/incidents/", _opening(messaging, case=customer.number))
    assert refused.status_code == 400
    assert _errors(refused, "incident_form") == {
        "case": [f"{customer.number} is not a NOC case; link it instead"]
    }
    assert noc.post("/console/status/incidents/",
                    _opening(messaging, case=alert.number)).status_code == 302  # fmt: skip
    incident = Incident.objects.get()
    assert incident.source_case == alert
    assert CaseLink.objects.get(incident=incident, case=alert).kind == "linked"


@pytest.mark.rule("R21", "R22")
def test_an_rca_goes_from_draft_through_review_to_published_on_the_linked_case(
    noc: Client, clock: time_machine.Traveller, nora: Persona, umbrella: Organization,
    carol: Persona, messaging: Component,
) -> None:  # fmt: skip
    case = _case(umbrella, carol)
    incident = _incident(messaging, nora)
    base = f"/console/status/incidents/{incident.pk}"
    noc.post(f"{base}/cases/", {"case": case.number})
    clock.move_to(T0 + timedelta(hours=3))
    noc.post(f"{base}/updates/", {"status": "resolved", "message": "Fixed."})
    case.refresh_from_db()
    assert case.status == Status.SERVICE_RESTORED

    final = noc.post(f"{base}/rca/final/", {"summary": "A full disk."})
    assert final.status_code == 400
    (form,) = [entry["form"] for entry in final.context["rcas"] if entry["kind"] == "final"]
    assert dict(form.errors) == {
        "preventive_measures": ["a final RCA states its preventive measures (R22)"]
    }
    draft = {"summary": "A full disk.", "root_cause": "Logs filled it."}
    assert noc.post(f"{base}/rca/preliminary/", draft).status_code == 302
    early = noc.post(f"{base}/rca/preliminary/publish/")
    assert early.status_code == 409
    assert "published after review" in _page(early)
    assert noc.post(f"{base}/rca/preliminary/review/").status_code == 302
    assert "Publish the preliminary RCA" in _page(noc.get(f"{base}/"))
    clock.move_to(T0 + timedelta(days=1))
    noc.force_login(nora.user)  # a day later the session has expired
    assert noc.post(f"{base}/rca/preliminary/publish/").status_code == 302

    assert Rca.objects.get(kind="preliminary").state == Rca.State.PUBLISHED
    met = case.clocks.get(metric="rca_preliminary")
    assert (met.state, met.met_at) == ("met", T0 + timedelta(days=1))
    assert "A full disk." in case.messages.filter(kind=Message.Kind.STATUS).last().body  # type: ignore[union-attr]
    rewrite = noc.post(f"{base}/rca/preliminary/", {"summary": "Other."})
    assert rewrite.status_code == 409
    assert "cannot change" in _page(rewrite)
    late = noc.post(f"{base}/updates/", {"status": "monitoring", "message": "Again?"})
    assert late.status_code == 409
    assert "open a new incident" in _page(late)


# -- maintenance (R29) ----------------------------------------------------------------------


def _window(component: Component, starts: str, ends: str, **fields: str) -> dict[str, Any]:
    return {"title": "Database upgrade", "components": [str(component.pk)],
            "starts_at": starts, "ends_at": ends} | fields  # fmt: skip


@pytest.mark.rule("R29")
def test_maintenance_inside_the_window_is_scheduled_and_can_be_cancelled(
    noc: Client, messaging: Component
) -> None:
    scheduled = noc.post(
        "/console/status/maintenance/schedule/",
        _window(messaging, "2026-12-13T08:00", "2026-12-13T10:00"),
    )
    assert scheduled.status_code == 302
    maintenance = Maintenance.objects.get()
    assert (maintenance.starts_at, maintenance.ends_at) == (
        NA_WINDOW,
        NA_WINDOW + timedelta(hours=2),
    )
    assert (maintenance.region, maintenance.policy_id) == ("na", "liveperson")
    assert maintenance.announced_at == T0  # within the 10-day notice period: at once
    page = _page(noc.get(MAINTENANCE))
    assert f'id="maintenance-{maintenance.pk}"' in page
    assert "Database upgrade" in _page(noc.get(OVERVIEW))

    cancel = f"/console/status/maintenance/{maintenance.pk}/cancel/"
    assert noc.post(cancel).status_code == 302
    maintenance.refresh_from_db()
    assert maintenance.status == MaintenanceStatus.CANCELLED
    again = noc.post(cancel)
    assert again.status_code == 409
    assert "cannot be cancelled" in _page(again)


@pytest.mark.rule("R29")
def test_the_window_is_read_in_the_viewers_zone_and_an_administrator_may_schedule_too(
    messaging: Component, clock: time_machine.Traveller
) -> None:
    admin = user_create(username="ada", email="ada@support.test", role="admin")
    profile = admin.staff_profile
    profile.time_zone = "America/New_York"
    profile.save()
    client = signed_in(admin)
    assert "Starts (America/New_York)" in _page(client.get(MAINTENANCE))
    scheduled = client.post(
        "/console/status/maintenance/schedule/",
        _window(messaging, "2026-12-13T03:00", "2026-12-13T05:00"),  # 08:00-10:00 UTC
    )
    assert scheduled.status_code == 302
    assert Maintenance.objects.get().starts_at == NA_WINDOW


@pytest.mark.rule("R29")
def test_maintenance_outside_the_regions_window_is_refused_with_the_reason(
    noc: Client, messaging: Component
) -> None:
    late = noc.post(
        "/console/status/maintenance/schedule/",
        _window(messaging, "2026-12-13T11:00", "2026-12-13T13:00"),  # 06:00-08:00 ET
    )
    assert late.status_code == 400
    errors = _errors(late, "maintenance_form")
    assert list(errors) == ["starts_at"]
    assert "North America maintenance window" in errors["starts_at"][0]
    assert "North America maintenance window" in _page(late)
    assert not Maintenance.objects.exists()
    emergency = noc.post(
        "/console/status/maintenance/schedule/",
        _window(messaging, "2026-12-13T11:00", "2026-12-13T13:00", emergency="on"),
    )
    assert emergency.status_code == 302
    assert Maintenance.objects.get().emergency


# -- bad input --------------------------------------------------------------------------------


def test_bad_input_is_a_form_error_never_a_500(
    noc: Client, nora: Persona, messaging: Component
) -> None:
    opening = "/console/status/incidents/"
    cases: list[tuple[str, dict[str, Any], str, Mapping[str, list[str]]]] = [
        (opening, _opening(messaging, title=""), "incident_form",
         {"title": ["This field is required."]}),
        (opening, _opening(messaging, state_99999="degraded"), "incident_form",
         {"__all__": ["no component 99999"]}),
        (opening, _opening(messaging, state_abc="degraded"), "incident_form",
         {"__all__": ["no component abc"]}),
        (opening, _opening(messaging, case="abc"), "incident_form", {"case": ["no case abc"]}),
        (opening, {**_opening(messaging), f"state_{messaging.pk}": ""}, "incident_form",
         {"__all__": ["give at least one affected component its state"]}),
        (opening, _opening(messaging, impact="dire"), "incident_form",
         {"impact": ["Select a valid choice. dire is not one of the available choices."]}),
        ("/console/status/components/", {"name": "Messaging (NA)"}, "component_form",
         {"name": ["there is already a component named 'Messaging (NA)'"]}),
        ("/console/status/maintenance/schedule/",
         _window(messaging, "2026-12-13T08:00", "2026-12-13T10:00", components="x"),
         "maintenance_form", {"components": ["“x” is not a valid value."]}),
        ("/console/status/maintenance/schedule/",
         _window(messaging, "soon", "2026-12-13T07:00"), "maintenance_form",
         {"starts_at": ["Enter a valid date/time."]}),
        ("/console/status/maintenance/schedule/",
         _window(messaging, "2026-12-13T08:00", "2026-12-13T07:00"), "maintenance_form",
         {"ends_at": ["the maintenance must end after it starts"]}),
    ]  # fmt: skip
    for url, data, form, expected in cases:
        response = noc.post(url, data)
        assert response.status_code == 400, (data, response.status_code)
        assert _errors(response, form) == expected, data
        assert "Not done:" in _page(response)
    assert not Incident.objects.exists()
    assert not Maintenance.objects.exists()
    incident = _incident(messaging, nora)
    update = noc.post(f"/console/status/incidents/{incident.pk}/updates/",
                      {"status": "fixed", "message": ""})  # fmt: skip
    assert update.status_code == 400
    assert set(_errors(update, "update_form")) == {"status", "message"}
    assert noc.get("/console/status/incidents/999999/").status_code == 404
    assert noc.post(f"/console/status/incidents/{incident.pk}/rca/initial/",
                    {"summary": "x"}).status_code == 404  # fmt: skip


def test_a_component_is_added_in_its_group(noc: Client, packs: None) -> None:
    added = noc.post("/console/status/components/",
                     {"name": "Voice", "group": "Telephony", "region": "eu"})  # fmt: skip
    assert added.status_code == 302
    component = Component.objects.get()
    assert (component.name, str(component.group), component.region) == ("Voice", "Telephony", "eu")


def test_csrf_is_enforced_on_every_form(nora: Persona, messaging: Component) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(nora.user)
    assert client.post("/console/status/components/", {"name": "Voice"}).status_code == 403
    assert client.post("/console/status/incidents/", _opening(messaging)).status_code == 403
    assert not Incident.objects.exists()
    assert Component.objects.count() == 1
    token = client.get(OVERVIEW).context["csrf_token"]
    sent = client.post("/console/status/components/",
                       {"name": "Voice", "csrfmiddlewaretoken": token})  # fmt: skip
    assert sent.status_code == 302
