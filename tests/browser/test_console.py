"""The agent console in a real browser: an engineer signs in, finds a new P1 at the top of
the queue counting down, replies, and the first response is met; a reply made with the
keyboard alone; the committed screenshots of the queue and the case page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from casework.accounts.models import ContactRole, Organization
from casework.accounts.services import organization_create, product_create, user_create
from casework.cases.models import Case
from casework.cases.services import CaseDraft, case_assign, case_message_add, case_open
from casework.policies.services import policy_version_load
from tests.browser.support import sign_in as sign_in_as

PACKS = Path(__file__).resolve().parents[2] / "policy-packs"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PASSWORD = "correct horse battery staple"  # noqa: S105  (a test login)


@dataclass
class Watch:
    """What a page did: every request's URL and the console's CSP complaints."""

    requests: list[str] = field(default_factory=list)
    csp: list[str] = field(default_factory=list)

    def check(self, origin: str) -> None:
        assert all(url.startswith(origin) for url in self.requests), self.requests
        assert self.csp == []


@pytest.fixture
def watch(desktop: Page) -> Watch:
    seen = Watch()
    desktop.on("request", lambda request: seen.requests.append(request.url))
    desktop.on(
        "console",
        lambda message: (
            seen.csp.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return seen


@pytest.fixture
def world(transactional_db: None) -> dict[str, Organization]:
    for name in ("liveops", "liveperson"):
        path = PACKS / f"{name}.yaml"
        policy_version_load(text=path.read_text(encoding="utf-8"), filename=str(path))
    since = timezone.now() - timedelta(days=30)
    acme = organization_create(
        name="Acme Telecom", policy_id="liveops", plan_id="standard", effective_from=since,
        time_zone="America/Los_Angeles",
    )  # fmt: skip
    globex = organization_create(
        name="Globex", policy_id="liveops", plan_id="support-plus", effective_from=since
    )
    return {"acme": acme, "globex": globex}


def engineer(tier: str = "L2") -> User:
    user = user_create(
        username="dana", email="dana@support.test", role="engineer", tier=tier, password=PASSWORD
    )
    user.first_name, user.last_name = "Dana", "Reyes"
    user.save()
    profile = user.staff_profile
    profile.time_zone = "Europe/Berlin"
    profile.save()
    return user


def contact(organization: Organization, name: str) -> User:
    return user_create(
        username=name, email=f"{name}@{organization.slug}.test", role="contact",
        organization=organization, contact_role=ContactRole.ADMINISTRATOR,
    )  # fmt: skip


def open_case(
    organization: Organization, requester: User | None, ago: timedelta, **values: object
) -> Case:
    fields: dict[str, object] = {"environment": "production", **values}
    draft = CaseDraft(organization=organization, **fields)  # type: ignore[arg-type]
    return case_open(draft=draft, requester=requester, at=timezone.now() - ago)


def sign_in(page: Page, origin: str, username: str) -> None:
    sign_in_as(page, origin, username, PASSWORD)


def test_an_engineer_finds_a_new_p1_at_the_top_replies_and_the_first_response_is_met(
    live_server: LiveServer, world: dict[str, Organization], desktop: Page, watch: Watch
) -> None:
    engineer()
    acme = world["acme"]
    alice = contact(acme, "alice")
    open_case(acme, alice, timedelta(hours=3), subject="Reports are late", priority="P2")
    p1 = open_case(acme, alice, timedelta(0), subject="No calls connect", priority="P1")
    sign_in(desktop, live_server.url, "dana")
    expect(desktop).to_have_url(f"{live_server.url}/console/")
    first = desktop.locator("#rows tr").first
    expect(first).to_contain_text(p1.number)
    expect(first).to_contain_text("No calls connect")
    # The server's words, then the script's countdown (it ticks every second).
    expect(first.locator(".clock-text")).to_have_text(re.compile(r"^due in (2 h|1 h 5\d min)$"))
    first.get_by_role("link", name=p1.number).click()
    expect(desktop.get_by_role("heading", level=1)).to_contain_text("No calls connect")
    first_response = desktop.locator(".case-clocks .clock", has_text="First response")
    expect(first_response).to_contain_text("due in")
    desktop.get_by_label("Reply to the customer").fill("We are restarting the trunk now.")
    desktop.get_by_role("button", name="Send reply").click()
    expect(desktop.get_by_role("status")).to_contain_text("Reply sent to the customer.")
    expect(first_response.locator(".clock-text")).to_have_text(re.compile(r"^met \d+ s ago$"))
    expect(
        desktop.locator(".msg-public", has_text="We are restarting the trunk now.")
    ).to_be_visible()
    watch.check(live_server.url)


def test_an_agent_replies_with_the_keyboard_only(
    live_server: LiveServer, world: dict[str, Organization], desktop: Page, watch: Watch
) -> None:
    engineer(tier="L1")
    case = open_case(world["globex"], None, timedelta(minutes=5), subject="Voicemail is silent")
    sign_in(desktop, live_server.url, "dana")
    expect(desktop.locator("#rows")).to_contain_text(case.number)
    desktop.keyboard.press("j")
    expect(desktop.locator("#rows tr.current")).to_contain_text(case.number)
    desktop.keyboard.press("Enter")
    expect(desktop).to_have_url(f"{live_server.url}/console/cases/{case.pk}/")
    desktop.keyboard.press("r")
    reply = desktop.get_by_label("Reply to the customer")
    expect(reply).to_be_focused()
    desktop.keyboard.type("Re-recorded the greeting; please call in to check.")
    send = desktop.get_by_role("button", name="Send reply")
    for _ in range(20):  # the ETA's date and time parts, the checkbox, then the button
        desktop.keyboard.press("Tab")
        if send.evaluate("button => button === document.activeElement"):
            break
    expect(send).to_be_focused()
    desktop.keyboard.press("Enter")
    expect(desktop.get_by_role("status")).to_contain_text("Reply sent to the customer.")
    expect(desktop.locator(".msg-public")).to_contain_text("Re-recorded the greeting")
    desktop.keyboard.press("n")
    expect(desktop.get_by_label("Internal note (not shown to the customer)")).to_be_focused()
    watch.check(live_server.url)


def demo(world: dict[str, Organization]) -> Case:
    """Six cases of two organisations, one breached, one at risk, the rest counting down
    (LiveOps Standard's P3 first response is 24 h, at risk from 18 h; Support Plus's 8 h, at
    risk from 6 h), and the case the screenshot shows, worked for two hours."""
    dana = engineer(tier="L1")
    acme, globex = world["acme"], world["globex"]
    alice, bruno = contact(acme, "alice"), contact(globex, "bruno")
    dialer = product_create(name="Dialer")
    tam = user_create(username="tara", email="tara@support.test", role="tam")
    tam.first_name, tam.last_name = "Tara", "Okafor"
    tam.save()
    acme.tam = tam
    acme.save()
    now = timezone.now()
    late = open_case(acme, alice, timedelta(hours=26), subject="Agents cannot transfer calls")
    say(late, dana, "Asked the carrier for the SIP traces.", public=False, at=now)
    open_case(globex, bruno, timedelta(hours=7), subject="Wallboard shows yesterday's totals")
    main = open_case(
        acme, alice, timedelta(hours=2), subject="Outbound campaign dials the wrong caller ID",
        product=dialer, description="Since this morning every outbound call shows our old number.",
    )  # fmt: skip
    say(main, dana, "Thanks, we are looking at the trunk settings now.", public=True,
        at=now - timedelta(hours=1, minutes=40))  # fmt: skip
    say(main, dana, "The caller ID override was reset by Tuesday's change; asking L2.",
        public=False, at=now - timedelta(hours=1))  # fmt: skip
    main = Case.objects.get(pk=main.pk)
    case_assign(case=main, actor=dana, assignee=dana, reason="taking it", at=now)
    open_case(globex, bruno, timedelta(minutes=30), subject="How do I export call recordings?",
              environment="staging")  # fmt: skip
    open_case(acme, alice, timedelta(minutes=10), subject="Reports are delayed", priority="P2")
    return main


def say(case: Case, author: User, body: str, *, public: bool, at: datetime) -> None:
    """A message from support, on a fresh read of the case (a case returned by ``case_open``
    keeps the clocks it opened with in its prefetch cache)."""
    case_message_add(
        case=Case.objects.get(pk=case.pk), author=author, body=body, public=public,
        from_support=True, at=at,
    )  # fmt: skip


def test_screenshots_of_the_queue_and_the_case_page(
    live_server: LiveServer, world: dict[str, Organization], desktop: Page, watch: Watch
) -> None:
    main = demo(world)
    sign_in(desktop, live_server.url, "dana")
    desktop.goto(f"{live_server.url}/console/?queue=all")
    expect(desktop.locator("#rows")).to_contain_text("at risk: due in")
    expect(desktop.locator("#rows")).to_contain_text("breached")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    desktop.screenshot(path=str(SCREENSHOTS / "console-queue.png"))
    desktop.goto(f"{live_server.url}/console/cases/{main.pk}/")
    expect(desktop.locator(".msg-internal")).to_contain_text("Internal note")
    desktop.screenshot(path=str(SCREENSHOTS / "console-case.png"), full_page=True)
    width = desktop.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280
    watch.check(live_server.url)


def test_the_case_page_reads_on_a_375px_phone(
    live_server: LiveServer, world: dict[str, Organization], phone: Page
) -> None:
    engineer()
    case = open_case(world["acme"], None, timedelta(0), subject="No calls connect", priority="P1")
    sign_in(phone, live_server.url, "dana")
    phone.goto(f"{live_server.url}/console/cases/{case.pk}/")
    expect(phone.get_by_role("heading", level=1)).to_contain_text("No calls connect")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375


def test_the_queue_and_the_case_read_without_javascript(
    live_server: LiveServer, world: dict[str, Organization], browser: Browser
) -> None:
    engineer()
    case = open_case(world["acme"], None, timedelta(0), subject="No calls connect", priority="P1")
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 800}
    )
    page = context.new_page()
    try:
        sign_in(page, live_server.url, "dana")
        expect(page.locator("#rows")).to_contain_text(re.compile(r"due in (2 h|1 h 5\d min)"))
        page.get_by_role("link", name=case.number).click()
        expect(page.locator(".case-clocks")).to_contain_text(
            re.compile(r"First response due in (2 h|1 h 5\d min)")
        )
        page.get_by_label("Reply to the customer").fill("Looking now.")
        page.get_by_role("button", name="Send reply").click()
        expect(page.get_by_role("status")).to_contain_text("Reply sent to the customer.")
        expect(page.locator(".case-clocks")).to_contain_text("First response met")
    finally:
        context.close()


def test_the_queue_refreshes_its_rows_every_30_s_keeping_the_current_row(
    live_server: LiveServer, world: dict[str, Organization], desktop: Page, watch: Watch
) -> None:
    engineer(tier="L1")
    acme = world["acme"]
    older = open_case(acme, None, timedelta(hours=2), subject="Older")
    newer = open_case(acme, None, timedelta(hours=1), subject="Newer")
    sign_in(desktop, live_server.url, "dana")
    desktop.clock.install()  # the page's timers run on Playwright's clock from the next load
    desktop.goto(f"{live_server.url}/console/")
    desktop.evaluate("window.notReloaded = true")
    desktop.keyboard.press("j")
    desktop.keyboard.press("j")
    expect(desktop.locator("#rows tr.current")).to_contain_text(newer.number)
    arrived = open_case(acme, None, timedelta(hours=3), subject="Arrived meanwhile")
    with desktop.expect_response(lambda response: "/console/" in response.url) as answer:
        desktop.clock.run_for("00:31")
    assert answer.value.request.headers.get("hx-request") == "true"
    expect(desktop.locator("#rows tr").first).to_contain_text(arrived.number)
    expect(desktop.locator("#rows tr.current")).to_contain_text(newer.number)
    expect(desktop.get_by_role("link", name=newer.number)).to_be_focused()
    assert desktop.evaluate("window.notReloaded") is True
    assert older.number in desktop.locator("#rows").inner_text()
    watch.check(live_server.url)
