"""One case worked end to end by both sides at once, each in its own browser, through the
pages only: the customer opens a P1 and is told what was promised; the engineer finds it at
the top of the queue counting down, replies (the first response is met), reclassifies it with
a reason after previewing the new due times, and marks the service restored; the customer
reads the reply and the reason and confirms the resolution."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, expect
from pytest_django.live_server_helper import LiveServer

from casework.accounts.models import ContactRole, Organization
from casework.accounts.services import organization_create, user_create
from casework.cases.models import Case
from casework.policies.services import policy_version_load
from tests.browser.support import Watch, sign_in

PACKS = Path(__file__).resolve().parents[2] / "policy-packs"
PASSWORD = "two sides of one case"  # noqa: S105 - test logins


@pytest.fixture
def acme(transactional_db: None) -> Organization:
    path = PACKS / "liveops.yaml"
    policy_version_load(text=path.read_text(encoding="utf-8"), filename=str(path))
    organization = organization_create(
        name="Acme Telecom", policy_id="liveops", plan_id="standard",
        time_zone="America/New_York", effective_from=timezone.now() - timedelta(days=30),
    )  # fmt: skip
    user_create(
        username="alice", email="alice@acme.test", role="contact", organization=organization,
        contact_role=ContactRole.ADMINISTRATOR, password=PASSWORD,
    )  # fmt: skip
    user_create(
        username="dana", email="dana@support.test", role="engineer", tier="L2",
        password=PASSWORD,
    )  # fmt: skip
    return organization


@pytest.fixture
def two(browser: Browser) -> Iterator[tuple[BrowserContext, BrowserContext]]:
    customer = browser.new_context(viewport={"width": 1280, "height": 900})
    engineer = browser.new_context(viewport={"width": 1280, "height": 900})
    yield customer, engineer
    customer.close()
    engineer.close()


@pytest.mark.rule("R9", "R53", "R54")
def test_a_p1_worked_by_the_customer_and_the_engineer_through_their_pages(
    live_server: LiveServer, acme: Organization, two: tuple[BrowserContext, BrowserContext]
) -> None:
    watch = Watch()
    customer, engineer = (watch.attach(context.new_page()) for context in two)
    base = live_server.url

    # The customer opens a Priority 1 for production and is told what was promised.
    sign_in(customer, base, "alice@acme.test", PASSWORD)
    customer.get_by_role("link", name="Open a case").click()
    customer.get_by_label("Subject").fill("No calls connect")
    customer.get_by_label("Description").fill("Every inbound call fails since 09:00.")
    customer.get_by_label("Environment").select_option("production")
    customer.get_by_label("Priority 1 — Business critical").check()
    customer.get_by_role("button", name="Open the case").click()
    case = Case.objects.get(subject="No calls connect")
    expect(customer.locator(".portal-promise").first).to_contain_text("First response by")

    # The engineer finds it first in the queue, counting down, and replies.
    sign_in(engineer, base, "dana", PASSWORD)
    first_row = engineer.locator("#rows tr").first
    expect(first_row).to_contain_text(case.number)
    expect(first_row.locator(".clock-text").first).to_have_text(re.compile(r"^due in "))
    first_row.get_by_role("link", name=case.number).click()
    engineer.get_by_label("Reply to the customer").fill("We are rerouting your calls now.")
    engineer.get_by_role("button", name="Send reply").click()
    clocks = engineer.locator(".case-clocks")
    expect(clocks).to_contain_text(re.compile(r"First response\s+met"))

    # Reclassified with a reason, after seeing the new due times.
    reclassify = engineer.locator("#reclassify")
    reclassify.get_by_label("New priority").select_option("P2")
    reclassify.get_by_label("Reason").fill("A workaround restores most calls")
    reclassify.get_by_role("button", name="Preview new due times").click()
    expect(engineer.get_by_role("heading", level=1)).to_contain_text("from P1 to P2")
    engineer.get_by_role("button", name="Confirm: reclassify as P2").click()
    expect(engineer.get_by_role("status")).to_be_visible()
    status = engineer.locator("#status")
    status.get_by_label("New status").select_option("service_restored")
    status.get_by_role("button", name="Change status").click()
    expect(engineer.locator("main")).to_contain_text("Service restored")

    # The customer reads the reply and the reason, and confirms the resolution (R9).
    customer.reload()
    expect(customer.get_by_text("We are rerouting your calls now.")).to_be_visible()
    history = customer.get_by_role("region", name="History")
    expect(history).to_contain_text("A workaround restores most calls")
    customer.get_by_role("button", name="Confirm the resolution").click()
    expect(customer.get_by_text("You confirmed the resolution.")).to_be_visible()
    case.refresh_from_db()
    assert (case.priority, case.status) == ("P2", "resolved")
    watch.assert_clean(base)
