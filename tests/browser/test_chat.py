"""Chat in a real browser (Debian's Chromium) over real websockets (R1): casework's ASGI app
served by uvicorn on loopback; a customer writes in the portal's widget, the engineer's pane
lists the conversation without a reload, the answer reaches the widget, and the engineer
makes a case of it, which the widget announces. Each message crosses in under a second;
nothing leaves the server and the Content-Security-Policy is never violated."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, BrowserContext, expect

from casework.accounts.models import ContactRole, Organization
from casework.accounts.services import organization_create, user_create
from casework.cases.models import Case
from casework.channels.models import Conversation
from casework.policies.services import policy_version_load
from tests.browser.support import Watch, sign_in
from tests.support import AsgiServer

PACKS = Path(__file__).resolve().parents[2] / "policy-packs"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "a long chat passphrase"  # noqa: S105  (a test account's password)
LIVE = 1000  # ms: a message must reach the other side within a second (R1, issue 5)


@pytest.fixture
def initech(transactional_db: None) -> Organization:
    path = PACKS / "liveperson.yaml"
    policy_version_load(text=path.read_text(encoding="utf-8"), filename=str(path))
    return organization_create(
        name="Initech", policy_id="liveperson", plan_id="standard", time_zone="Europe/Berlin",
        effective_from=datetime(2026, 1, 1, tzinfo=UTC),
    )  # fmt: skip


@pytest.fixture
def ida(initech: Organization) -> User:
    user = user_create(
        username="ida", email="ida@initech.test", role="contact", organization=initech,
        contact_role=ContactRole.USER, password=PASSWORD,
    )  # fmt: skip
    user.first_name, user.last_name = "Ida", "Lund"
    user.save()
    return user


@pytest.fixture
def bob(initech: Organization) -> User:
    user = user_create(username="bob", email="bob@support.test", role="engineer", password=PASSWORD)
    user.first_name, user.last_name = "Bob", "Okafor"
    user.save()
    return user


@pytest.fixture
def server(initech: Organization) -> Iterator[AsgiServer]:
    with AsgiServer() as running:
        yield running


def context_of(browser: Browser) -> BrowserContext:
    return browser.new_context(viewport={"width": 1280, "height": 800})


@pytest.mark.rule("R1")
def test_a_customer_and_an_engineer_chat_and_make_a_case(
    browser: Browser, server: AsgiServer, ida: User, bob: User
) -> None:
    watch = Watch()
    agent_context, customer_context = context_of(browser), context_of(browser)
    try:
        agent = watch.attach(agent_context.new_page())
        sign_in(agent, server.url, "bob", PASSWORD)
        agent.goto(f"{server.url}/console/chat/")
        expect(agent.get_by_text("No conversations yet.")).to_be_visible()
        expect(agent.locator("[data-chat-live=true]")).to_have_count(1)

        customer = watch.attach(customer_context.new_page())
        sign_in(customer, server.url, "ida", PASSWORD)
        widget = customer.locator("aside.chat-widget")
        widget.get_by_text("Chat with support").click()
        expect(customer.locator("[data-chat-live=true]")).to_have_count(1)
        box = widget.get_by_label("Your message")
        box.fill("Our chat widget shows a blank frame since 9:00.")
        box.press("Enter")  # Enter sends, as in every chat

        expect(widget.locator(".chat-customer")).to_contain_text(
            "Our chat widget shows a blank frame", timeout=LIVE
        )
        listed = agent.locator("[data-chat-list] li", has_text="Ida Lund · Initech")
        expect(listed).to_be_visible(timeout=LIVE)  # no reload
        expect(listed).to_contain_text("waiting")

        listed.get_by_role("link").click()
        pane = agent.locator(".chat-pane")
        expect(pane.locator(".chat-customer")).to_contain_text("blank frame")
        expect(agent.locator("[data-chat-live=true]")).to_have_count(1)
        answer = pane.get_by_label("Answer")
        answer.fill("Which site shows it? I am looking at your account now.")
        answer.press("Enter")
        expect(widget.locator(".chat-support")).to_contain_text(
            "Which site shows it?", timeout=LIVE
        )
        expect(widget.locator(".chat-support")).to_contain_text("Bob Okafor (support)")
        # the pane's own line follows: taken by the engineer who answered
        expect(pane.locator("[data-chat-state]")).to_have_text("active, with Bob Okafor")
        box.fill("www.initech.test, every page.")
        box.press("Enter")
        expect(pane.locator(".chat-customer").last).to_contain_text(
            "www.initech.test", timeout=LIVE
        )
        agent.screenshot(path=str(SCREENSHOTS / "console-chat.png"))
        customer.screenshot(path=str(SCREENSHOTS / "portal-chat.png"))

        pane.get_by_label("Subject").fill("Chat widget blank on www.initech.test")
        pane.get_by_label("Priority").select_option(label="Severity 2")
        pane.get_by_role("button", name="Make the case").click()
        case = Case.objects.get()
        agent.wait_for_url(f"{server.url}/console/cases/{case.pk}/")
        expect(agent.get_by_role("heading", level=1)).to_contain_text(
            "Chat widget blank on www.initech.test"
        )
        expect(widget.get_by_text(f"This conversation is case {case.number}.").first).to_be_visible(
            timeout=LIVE
        )
        expect(widget.get_by_role("link", name=case.number)).to_have_attribute(
            "href", f"/portal/cases/{case.pk}/"
        )
        watch.assert_clean(server.url)
    finally:
        agent_context.close()
        customer_context.close()
    conversation = Conversation.objects.get()
    assert conversation.case == case
    assert (case.channel, case.priority) == ("chat", "sev2")
    assert "www.initech.test, every page." in case.description


def test_the_widget_works_without_javascript(
    browser: Browser, server: AsgiServer, ida: User
) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, server.url, "ida", PASSWORD)
        page.goto(f"{server.url}/portal/chat/")
        page.get_by_label("Your message").fill("Hello from a browser without scripts")
        page.get_by_role("button", name="Send").click()
        expect(page.locator(".chat-customer")).to_contain_text("without scripts")
        page.get_by_role("button", name="End the chat").click()
        expect(page.get_by_text("The chat has ended.")).to_be_visible()
    finally:
        context.close()
    conversation = Conversation.objects.get()
    assert conversation.case is not None  # unanswered: it became a case, nothing is lost
