"""The customer portal in a real browser (Debian's Chromium): a customer signs in, opens a P1
and sees what they were promised; staging refuses P1 with the reason, with and without
JavaScript (R50); the customer reads support's reply and confirms the resolution (R9); an
outsider gets 404; the case page reads on a 375 px phone. Nothing leaves the live server and
the Content-Security-Policy is never violated."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.utils import dateformat, timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from casework.accounts.models import ContactRole, Organization
from casework.accounts.services import organization_create, user_create
from casework.cases.models import Case, Status
from casework.cases.services import (
    CaseDraft,
    case_message_add,
    case_open,
    case_reclassify,
    case_transition,
)
from casework.policies.services import policy_version_load
from tests.browser.support import Watch
from tests.browser.support import sign_in as sign_in_as

PACKS = Path(__file__).resolve().parents[2] / "policy-packs"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "a long portal passphrase"  # noqa: S105  (a test account's password)
ZONE = "Europe/Berlin"


@pytest.fixture
def acme(transactional_db: None) -> Organization:
    for name in ("liveops", "liveperson"):
        path = PACKS / f"{name}.yaml"
        policy_version_load(text=path.read_text(encoding="utf-8"), filename=str(path))
    return organization_create(
        name="Acme Telecom", policy_id="liveops", plan_id="standard", time_zone=ZONE,
        effective_from=datetime(2026, 1, 1, tzinfo=UTC),
    )  # fmt: skip


@pytest.fixture
def customer(acme: Organization) -> User:
    user = user_create(
        username="alice", email="alice@acme.test", role="contact", organization=acme,
        contact_role=ContactRole.ADMINISTRATOR, password=PASSWORD,
    )  # fmt: skip
    user.first_name, user.last_name = "Alice", "Moreau"
    user.save()
    return user


@pytest.fixture
def engineer(acme: Organization) -> User:
    return user_create(username="bob", email="bob@support.test", role="engineer")


@pytest.fixture
def watch() -> Watch:
    return Watch()


@pytest.fixture
def desktop(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    yield context
    context.close()


def sign_in(page: Page, server: LiveServer, email: str) -> None:
    sign_in_as(page, server.url, email, PASSWORD)
    expect(page.get_by_role("heading", name="Your cases")).to_be_visible()


def open_case_as(user: User, *, priority: str = "P1") -> Case:
    draft = CaseDraft(
        organization=user.contact.organization, subject="No calls can be made",
        description="Every agent gets a busy tone since 09:00.", environment="production",
        priority=priority,
    )  # fmt: skip
    case = case_open(draft=draft, requester=user, at=timezone.now())
    return Case.objects.get(pk=case.pk)


def local_due(case: Case, metric: str = "first_response") -> str:
    due = case.clocks.get(metric=metric).due_at
    assert due is not None
    return dateformat.format(due.astimezone(ZoneInfo(ZONE)), "D j M Y, H:i T")


@pytest.mark.rule("R50")
def test_a_customer_signs_in_with_email_opens_a_p1_and_sees_the_promised_first_response(
    live_server: LiveServer, customer: User, desktop: BrowserContext, watch: Watch
) -> None:
    page = watch.attach(desktop.new_page())
    sign_in(page, live_server, "alice@acme.test")
    page.get_by_role("link", name="Open a case").click()
    page.get_by_label("Subject").fill("No calls can be made")
    page.get_by_label("Description").fill("Every agent gets a busy tone since 09:00 CET.")
    page.get_by_label("Environment").select_option("production")
    page.get_by_label("Priority 1 — Business critical").check()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "portal-new-case.png"))
    page.get_by_role("button", name="Open the case").click()
    case = Case.objects.get()
    expect(page).to_have_url(f"{live_server.url}/portal/cases/{case.pk}/")
    assert case.priority == "P1"
    promise = page.locator(".portal-promise").filter(has_text="First response by")
    promised = local_due(case)
    assert promised.endswith(("CET", "CEST"))  # the organisation's zone, not UTC
    expect(promise).to_contain_text(promised)
    watch.assert_clean(live_server.url)


@pytest.mark.rule("R50")
def test_staging_makes_p1_unavailable_with_the_reason_shown(
    live_server: LiveServer, customer: User, desktop: BrowserContext, watch: Watch
) -> None:
    page = watch.attach(desktop.new_page())
    sign_in(page, live_server, "alice@acme.test")
    page.goto(f"{live_server.url}/portal/cases/new/")
    p1 = page.get_by_label("Priority 1 — Business critical")
    expect(p1).to_be_enabled()
    page.get_by_label("Environment").select_option("staging")
    expect(p1).to_be_disabled()
    expect(page.get_by_label("Priority 2 — Degraded service")).to_be_disabled()
    expect(page.get_by_label("Priority 3 — General issue")).to_be_enabled()
    expect(
        page.get_by_text("Priority 1 — Business critical is for production only.")
    ).to_be_visible()
    page.get_by_label("Environment").select_option("production")
    expect(p1).to_be_enabled()
    watch.assert_clean(live_server.url)


@pytest.mark.rule("R50")
def test_without_javascript_a_p1_for_staging_is_refused_with_the_reason(
    live_server: LiveServer, customer: User, browser: Browser, watch: Watch
) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = watch.attach(context.new_page())
        sign_in(page, live_server, "alice@acme.test")
        page.goto(f"{live_server.url}/portal/cases/new/")
        page.get_by_label("Subject").fill("Staging calls fail")
        page.get_by_label("Description").fill("The staging dialler returns 503.")
        page.get_by_label("Environment").select_option("staging")
        page.get_by_label("Priority 1 — Business critical").check()
        page.get_by_role("button", name="Open the case").click()
        expect(
            page.get_by_text("Priority: Priority 1 — Business critical is only for production")
        ).to_be_visible()
        expect(page.get_by_label("Subject")).to_have_value("Staging calls fail")
        assert Case.objects.count() == 0
    finally:
        context.close()
    watch.assert_clean(live_server.url)


@pytest.mark.rule("R9")
@pytest.mark.rule("R53")
def test_the_customer_sees_supports_reply_and_confirms_the_resolution(
    live_server: LiveServer, customer: User, engineer: User, desktop: BrowserContext, watch: Watch
) -> None:
    case = open_case_as(customer)
    case_message_add(
        case=case, author=engineer, public=True, from_support=True, at=timezone.now(),
        body="We found a failed trunk and rerouted your calls; please check on your side.",
    )  # fmt: skip
    case_reclassify(
        case=Case.objects.get(pk=case.pk), actor=engineer, priority="P2", at=timezone.now(),
        reason="calls are rerouted: degraded, not down",
    )  # fmt: skip
    case_transition(
        case=Case.objects.get(pk=case.pk), actor=engineer, status=Status.SERVICE_RESTORED,
        by_customer=False, at=timezone.now(),
    )  # fmt: skip
    page = watch.attach(desktop.new_page())
    sign_in(page, live_server, "alice@acme.test")
    page.get_by_role("link", name=case.number).click()
    reply = page.locator(".portal-message-support")
    expect(reply).to_contain_text("Support")
    expect(reply).to_contain_text("rerouted your calls")
    expect(page.locator(".portal-promise").filter(has_text="First response")).to_contain_text("met")
    history = page.get_by_role("region", name="History")
    expect(history).to_contain_text(
        "Priority changed from P1 to P2. Reason: calls are rerouted: degraded, not down"
    )
    page.screenshot(path=str(SCREENSHOTS / "portal-case.png"))
    page.get_by_role("button", name="Confirm the resolution").click()
    expect(page.get_by_text("You confirmed the resolution.")).to_be_visible()
    expect(page.locator(".portal-facts")).to_contain_text("Resolved")
    assert Case.objects.get(pk=case.pk).status == Status.RESOLVED
    watch.assert_clean(live_server.url)


def test_a_contact_of_another_organisation_gets_404_on_the_case(
    live_server: LiveServer, customer: User, browser: Browser, watch: Watch
) -> None:
    case = open_case_as(customer)
    globex = organization_create(name="Globex", policy_id="liveops", plan_id="standard")
    user_create(username="eve", email="eve@globex.test", role="contact", organization=globex,
                contact_role=ContactRole.ADMINISTRATOR, password=PASSWORD)  # fmt: skip
    context = browser.new_context()
    try:
        page = watch.attach(context.new_page())
        sign_in(page, live_server, "eve@globex.test")
        response = page.goto(f"{live_server.url}/portal/cases/{case.pk}/")
        assert response is not None
        assert response.status == 404
        assert case.subject not in page.content()
    finally:
        context.close()


def test_the_case_page_does_not_scroll_sideways_on_a_375px_phone(
    live_server: LiveServer, customer: User, engineer: User, phone: Page, watch: Watch
) -> None:
    case = open_case_as(customer)
    case_message_add(
        case=case, author=engineer, public=True, from_support=True, at=timezone.now(),
        body="A long unbroken token: " + "x" * 120,
    )  # fmt: skip
    watch.attach(phone)
    sign_in(phone, live_server, "alice@acme.test")
    phone.goto(f"{live_server.url}/portal/cases/{case.pk}/")
    expect(phone.get_by_role("heading", name="What we promised")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    for path in ("/portal/", "/portal/cases/new/", "/portal/plan/"):
        phone.goto(f"{live_server.url}{path}")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375, path
    watch.assert_clean(live_server.url)
