"""The status pages: the public ``/status/`` (no login, no JavaScript, cached yet fresh after
every change) with 90 days of bars and uptime, the incident page, and the per-account
``/portal/status/`` of a signed-in customer (R10: the status of *their* accounts)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from casework.accounts.models import Organization
from casework.status.models import Component, Incident
from casework.status.services import incident_open, incident_update_post
from tests.cases.conftest import Persona
from tests.status.conftest import T0
from tests.support import signed_in


def _outage(
    component: Component, nora: Persona, *, hours: float, state: str = "major_outage"
) -> Incident:
    incident = incident_open(
        title=f"{component.name} is down", impact="critical", components={component: state},
        message="We are investigating.", actor=nora.user, at=T0,
    )  # fmt: skip
    incident_update_post(
        incident=incident, status="resolved", message="Fixed.", actor=nora.user,
        at=T0 + timedelta(hours=hours),
    )  # fmt: skip
    return incident


def _bars(html: str, component: Component) -> list[str]:
    """The classes of the component's bars, oldest first."""
    item = html.split(f'id="component-{component.pk}"', 1)[1].split("</li>\n", 1)[0]
    return re.findall(r'<li class="(s-[a-z_]+)"', item)


def _board(response: HttpResponseBase) -> str:
    """The page's ``<main>``: the rest carries the viewer's CSRF token."""
    assert isinstance(response, HttpResponse)
    return response.content.decode().split("<main", 1)[1]


@pytest.mark.rule("R10")
def test_the_public_page_needs_no_login_and_shows_90_days_of_bars_with_uptime(
    messaging: Component, reporting: Component, nora: Persona
) -> None:
    for component in (messaging, reporting):
        component.created_at = T0 - timedelta(days=120)
        component.save(update_fields=["created_at"])
    incident = _outage(messaging, nora, hours=2)
    with time_machine.travel(T0 + timedelta(hours=21), tick=False):  # 9 Dec, 12:00 UTC
        response = Client().get("/status/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "All systems operational" in html
    bars = _bars(html, messaging)
    assert len(bars) == 90
    assert bars[-2] == "s-major_outage"
    assert bars.count("s-operational") == 89
    # Two hours fully down in 89.5 days (today up to noon): 99.906%, shown rounded down.
    item = html.split(f'id="component-{messaging.pk}"', 1)[1].split("</li>\n", 1)[0]
    assert "99.90% uptime" in item
    assert _bars(html, reporting) == ["s-operational"] * 90
    assert "Conversational Cloud" in html
    assert "Analytics" in html
    assert f'id="past-{incident.pk}"><a href="/status/incidents/{incident.pk}/"' in html
    assert "<script" not in html.split("<main", 1)[1]


def test_an_open_incident_shows_its_latest_update_and_the_component_s_state(
    messaging: Component, reporting: Component, nora: Persona
) -> None:
    incident = incident_open(
        title="Message delivery delayed", impact="major",
        components={messaging: "partial_outage"}, message="We are investigating.",
        actor=nora.user, at=T0,
    )  # fmt: skip
    incident_update_post(
        incident=incident, status="identified", message="A queue is backed up.",
        actor=nora.user, at=T0 + timedelta(minutes=20),
    )  # fmt: skip
    with time_machine.travel(T0 + timedelta(minutes=30), tick=False):
        html = Client().get("/status/").content.decode()
        page = Client().get(f"/status/incidents/{incident.pk}/").content.decode()
    assert "Partial outage" in html.split('id="overall"', 1)[1][:80]
    assert "A queue is backed up." in html
    assert "We are investigating." not in html
    assert html.index("A queue is backed up.") < html.index("Components")
    assert _bars(html, messaging)[-1] == "s-partial_outage"
    assert page.index("A queue is backed up.") < page.index("We are investigating.")


def test_the_board_is_cached_until_something_changes_and_then_fresh_at_once(
    messaging: Component, nora: Persona, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    with time_machine.travel(T0, tick=False):
        first = Client().get("/status/")
        with django_assert_max_num_queries(3):  # the revision's aggregates, nothing else
            again = Client().get("/status/")
        assert _board(again) == _board(first)
        assert again["Cache-Control"] == "max-age=30"
        incident_open(
            title="Message delivery delayed", impact="major",
            components={messaging: "major_outage"}, message="Looking into it.",
            actor=nora.user, at=T0,
        )  # fmt: skip
        fresh = Client().get("/status/").content.decode()
    assert "Message delivery delayed" in fresh
    assert "Major outage" in fresh.split('id="overall"', 1)[1][:80]


def test_the_cached_board_holds_nothing_of_the_viewer(
    messaging: Component, bob: Persona, carol: Persona
) -> None:
    with time_machine.travel(T0, tick=False):
        as_bob = signed_in(bob.user).get("/status/").content.decode()
        anonymous = Client().get("/status/").content.decode()
    assert "Sign out" in as_bob
    assert "Sign out" not in anonymous
    assert "Sign in" in anonymous
    assert "csrfmiddlewaretoken" not in anonymous


def test_an_unknown_incident_is_404_and_the_pages_refuse_writes(messaging: Component) -> None:
    assert Client().get("/status/incidents/999/").status_code == 404
    assert Client().post("/status/").status_code == 405


@pytest.mark.rule("R10")
def test_a_customer_sees_the_status_of_their_own_accounts(
    umbrella: Organization, carol: Persona, messaging: Component, reporting: Component,
    nora: Persona,
) -> None:  # fmt: skip
    incident_open(
        title="Reports are late", impact="minor", components={reporting: "degraded"},
        message="Reports are delayed.", actor=nora.user, at=T0,
    )  # fmt: skip
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        response = signed_in(carol.user).get("/portal/status/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Umbrella main" in html.split(f'id="component-{messaging.pk}"', 1)[1][:300]
    assert "Reporting (EU)" not in html
    assert "Reports are late" not in html
    assert "All systems operational" in html
    assert len(_bars(html, messaging)) == 90


def test_the_portal_status_page_is_for_signed_in_contacts(
    bob: Persona, messaging: Component
) -> None:
    response = Client().get("/portal/status/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert signed_in(bob.user).get("/portal/status/").status_code == 404


def test_a_customer_with_no_mapped_account_is_sent_to_the_public_page(
    initech: Organization, messaging: Component
) -> None:
    from casework.accounts.models import ContactRole
    from casework.accounts.services import user_create

    dana = user_create(
        username="dana", email="dana@initech.test", role="contact", organization=initech,
        contact_role=ContactRole.ADMINISTRATOR,
    )  # fmt: skip
    html = signed_in(dana).get("/portal/status/").content.decode()
    assert "None of your service accounts is mapped to a component yet" in html
    assert "Messaging (NA)" not in html
