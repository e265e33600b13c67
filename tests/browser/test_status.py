"""The status page in a real browser (Debian's Chromium): an incident's whole life on the
public page, run by the NOC through the JSON API over real HTTP, and its updates arriving on
the linked customer case, where they answer the first response and the periodic update (R8,
R23); resolving restores the case and moves the incident to the past. The public page needs
no sign-in and no JavaScript, reads on a 375 px phone, and nothing leaves the live server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import APIRequestContext, Browser, BrowserContext, Page, expect

from casework.accounts.models import ContactRole, Organization, ServiceAccount
from casework.accounts.services import organization_create, token_create, user_create
from casework.cases.models import Case, Status
from casework.cases.services import CaseDraft, case_open
from casework.policies.services import policy_version_load
from casework.status.models import Component, IncidentUpdate
from casework.status.services import component_accounts_set, component_create
from tests.browser.support import Watch, sign_in
from tests.support import AsgiServer

PACKS = Path(__file__).resolve().parents[2] / "policy-packs"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "a long status passphrase"  # noqa: S105  (a test account's password)


@pytest.fixture
def umbrella(transactional_db: None) -> Organization:
    path = PACKS / "liveperson.yaml"
    policy_version_load(text=path.read_text(encoding="utf-8"), filename=str(path))
    organization = organization_create(
        name="Umbrella", policy_id="liveperson", plan_id="enhanced",
        effective_from=datetime(2026, 1, 1, tzinfo=UTC), time_zone="America/New_York",
    )  # fmt: skip
    ServiceAccount.objects.create(organization=organization, name="Umbrella main")
    return organization


@pytest.fixture
def carol(umbrella: Organization) -> User:
    return user_create(
        username="carol", email="carol@umbrella.test", role="contact", organization=umbrella,
        contact_role=ContactRole.ADMINISTRATOR, password=PASSWORD,
    )  # fmt: skip


@pytest.fixture
def components(umbrella: Organization) -> tuple[Component, Component]:
    messaging = component_create(name="Messaging (NA)", group="Conversational Cloud", region="na")
    component_accounts_set(component=messaging, accounts=umbrella.service_accounts.all())
    return messaging, component_create(name="Reporting (EU)", group="Analytics", region="eu")


@pytest.fixture
def server(umbrella: Organization) -> Iterator[AsgiServer]:
    """casework as deployed (``casework/asgi.py`` under uvicorn): the portal's chat widget
    needs its websockets."""
    with AsgiServer() as running:
        yield running


@pytest.fixture
def noc(browser: Browser, server: AsgiServer) -> Iterator[APIRequestContext]:
    """The NOC's HTTP client for the JSON API, with nora's token."""
    nora = user_create(username="nora", email="nora@support.test", role="noc")
    _, token = token_create(user=nora, name="status test")
    context = browser.new_context(
        base_url=server.url, extra_http_headers={"Authorization": f"Bearer {token}"}
    )
    yield context.request
    context.close()


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def desktop(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, java_script_enabled=False
    )
    yield context
    context.close()


def _post(noc: APIRequestContext, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = noc.post(f"/api/v1/status/{path}", data=body)
    assert response.status == 201, response.text()
    answer: dict[str, Any] = response.json()
    return answer


@pytest.mark.rule("R23")
@pytest.mark.rule("R8")
@pytest.mark.rule("R10")
def test_an_incident_s_life_on_the_public_page_and_on_the_linked_case(
    server: AsgiServer, browser: Browser, desktop: BrowserContext, watch: Watch,
    noc: APIRequestContext, umbrella: Organization, carol: User,
    components: tuple[Component, Component],
) -> None:  # fmt: skip
    messaging, reporting = components
    draft = CaseDraft(
        organization=umbrella, subject="Messages are not delivered", description="Since 09:00.",
        environment="production", priority="sev1", channel="portal",
    )  # fmt: skip
    case = case_open(draft=draft, requester=carol, at=timezone.now())
    public = watch.attach(desktop.new_page())  # JavaScript off: the page must not need it

    public.goto(f"{server.url}/status/")
    expect(public.locator("#overall")).to_have_text("All systems operational")
    expect(public.locator(f"#component-{messaging.pk} .bars li")).to_have_count(90)
    expect(public.locator(f"#component-{messaging.pk} .uptime-figure")).to_have_text(
        "100.00% uptime"
    )

    # The NOC opens an incident on Messaging and links Carol's case to it.
    incident = _post(noc, "incidents", {
        "title": "Message delivery delayed", "impact": "major", "components": [messaging.pk],
        "message": "We are investigating delayed messages.",
    })  # fmt: skip
    _post(noc, f"incidents/{incident['id']}/cases", {"case": case.pk})
    public.reload()
    expect(public.locator("#overall")).to_have_text("Partial outage")
    article = public.locator(f"#incident-{incident['id']}")
    expect(article).to_contain_text("Message delivery delayed")
    expect(article).to_contain_text("We are investigating delayed messages.")
    expect(public.locator(f"#component-{messaging.pk} .state")).to_have_text("Partial outage")
    expect(public.locator(f"#component-{reporting.pk} .state")).to_have_text("Operational")
    expect(public.locator(f"#component-{messaging.pk} .bars li").last).to_have_class(
        "s-partial_outage"
    )

    # Its first public update since the link answers the case (R23: first response).
    first = _post(noc, f"incidents/{incident['id']}/updates", {
        "status": "identified", "message": "A message queue is backed up; draining it.",
    })  # fmt: skip
    public.reload()
    expect(article).to_contain_text("A message queue is backed up")
    expect(article).not_to_contain_text("We are investigating delayed messages.")

    customer = watch.attach(browser.new_page(viewport={"width": 1280, "height": 800}))
    sign_in(customer, server.url, "carol", PASSWORD)
    customer.goto(f"{server.url}/portal/cases/{case.pk}/")
    conversation = customer.locator(".portal-message-support")
    expect(conversation.last).to_contain_text(f"incident #{incident['id']}")
    expect(conversation.last).to_contain_text("A message queue is backed up; draining it.")
    expect(customer.locator(".portal-promise", has_text="First response")).to_contain_text("met")
    first_response = case.clocks.get(metric="first_response")
    assert first_response.state == "met"
    assert first_response.met_at == IncidentUpdate.objects.get(pk=first["id"]).at

    # The next update is the periodic update the first one started (R23, R8).
    second = _post(noc, f"incidents/{incident['id']}/updates", {
        "status": "monitoring", "message": "The queue is drained; we are watching it.",
    })  # fmt: skip
    periodic = case.clocks.filter(metric="periodic_update").order_by("cycle")
    posted = [IncidentUpdate.objects.get(pk=update["id"]).at for update in (first, second)]
    assert [(clock.state, clock.met_at) for clock in periodic] == [
        ("met", posted[0]), ("met", posted[1]), ("running", None),
    ]  # fmt: skip
    customer.reload()
    expect(conversation.last).to_contain_text("The queue is drained; we are watching it.")
    expect(customer.locator(".portal-promise", has_text="Next update")).to_be_visible()
    customer.goto(f"{server.url}/portal/status/")
    expect(customer.locator(f"#component-{messaging.pk}")).to_contain_text("Umbrella main")
    expect(customer.locator(f"#component-{reporting.pk}")).to_have_count(0)
    expect(customer.locator(f"#incident-{incident['id']}")).to_contain_text("queue is drained")

    # Resolved: every component is operational again, the incident is in the past, and the
    # linked case is marked service restored (its RCA clock starts: R21).
    _post(noc, f"incidents/{incident['id']}/updates", {
        "status": "resolved", "message": "Delivery is back to normal.",
    })  # fmt: skip
    public.reload()
    expect(public.locator("#overall")).to_have_text("All systems operational")
    expect(public.locator(f"#incident-{incident['id']}")).to_have_count(0)
    expect(public.locator(f"#past-{incident['id']}")).to_contain_text("Message delivery delayed")
    expect(public.locator(f"#component-{messaging.pk} .bars li").last).to_have_class(
        "s-partial_outage"
    )
    public.locator(f"#past-{incident['id']} a").click()
    timeline = public.locator(".timeline li")
    expect(timeline).to_have_count(4)
    expect(timeline.first).to_contain_text("Delivery is back to normal.")
    expect(timeline.last).to_contain_text("We are investigating delayed messages.")
    assert Case.objects.get(pk=case.pk).status == Status.SERVICE_RESTORED

    watch.assert_clean(server.url)


def test_the_status_page_reads_on_a_phone(
    server: AsgiServer, phone: Page, watch: Watch, noc: APIRequestContext,
    components: tuple[Component, Component],
) -> None:  # fmt: skip
    messaging, _ = components
    _post(noc, "incidents", {
        "title": "Message delivery delayed", "impact": "critical", "components": [messaging.pk],
        "message": "Messages are not delivered in North America. We are on it.",
    })  # fmt: skip
    watch.attach(phone).goto(f"{server.url}/status/")
    expect(phone.locator("#overall")).to_have_text("Major outage")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways: {width} px"
    phone.screenshot(path=str(SCREENSHOTS / "status.png"), full_page=True)
    watch.assert_clean(server.url)


@pytest.mark.rule("R23")
def test_the_noc_runs_an_incident_from_the_console_and_the_public_page_follows(
    server: AsgiServer, desktop: BrowserContext, browser: Browser, watch: Watch,
    umbrella: Organization, carol: User, components: tuple[Component, Component],
) -> None:  # fmt: skip
    user_create(username="nina", email="nina@support.test", role="noc", password=PASSWORD)
    draft = CaseDraft(
        organization=umbrella, subject="Messages are late", description="", priority="sev1",
        environment="production", channel="portal",
    )  # fmt: skip
    case = case_open(draft=draft, requester=carol, at=timezone.now())
    console = watch.attach(browser.new_page(viewport={"width": 1280, "height": 800}))
    sign_in(console, server.url, "nina", PASSWORD)
    console.goto(f"{server.url}/console/status/")
    form = console.locator("form#incident")
    form.get_by_label("Title").fill("Message delivery delayed")
    form.get_by_label("Impact").select_option("major")
    form.get_by_label("First update (public)").fill("We are investigating delayed messages.")
    form.get_by_label("Messaging (NA) (Conversational Cloud)").select_option("partial_outage")
    form.get_by_role("button", name="Open incident").click()
    expect(console.locator("h1")).to_contain_text("Message delivery delayed")

    # The case of a customer on Messaging is suggested; the NOC links it.
    suggestion = console.locator("li, tr", has_text=case.number).filter(
        has=console.get_by_role("button", name="Link")
    )
    suggestion.get_by_role("button", name="Link").click()
    update = console.locator("form#update")
    update.get_by_label("Status").select_option("identified")
    update.get_by_label("Update (public)").fill("A message queue is backed up.")
    update.get_by_role("button", name="Post update").click()
    assert case.clocks.get(metric="first_response").state == "met"
    console.screenshot(path=str(SCREENSHOTS / "console-status-incident.png"))

    public = watch.attach(desktop.new_page())
    public.goto(f"{server.url}/status/")
    expect(public.locator("#overall")).to_have_text("Partial outage")
    expect(public.locator("article.incident")).to_contain_text("A message queue is backed up.")

    update = console.locator("form#update")
    update.get_by_label("Status").select_option("resolved")
    update.get_by_label("Update (public)").fill("Delivery is back to normal.")
    update.get_by_role("button", name="Post update").click()
    public.reload()
    expect(public.locator("#overall")).to_have_text("All systems operational")
    assert Case.objects.get(pk=case.pk).status == Status.SERVICE_RESTORED
    watch.assert_clean(server.url)
