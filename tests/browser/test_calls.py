"""Logging a call in a real browser (R43, G6): an engineer takes a call from a known number,
opens a P1 case for production on the caller's behalf, and finds it at the top of the queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from casework.accounts.models import ContactRole, Organization
from casework.accounts.services import user_create
from casework.cases.models import Case
from casework.channels.models import PhoneCall
from tests.browser.support import Watch
from tests.browser.test_console import engineer, open_case, sign_in, world

__all__ = ["world"]


def caller(organization: Organization) -> User:
    return user_create(
        username="alice", email="alice@acme.test", role="contact", organization=organization,
        contact_role=ContactRole.ADMINISTRATOR, phone="+15550102000",
    )  # fmt: skip


@pytest.mark.rule("R43")
@pytest.mark.rule("G6")
def test_an_engineer_logs_a_call_opens_a_p1_for_the_caller_and_sees_it_first_in_the_queue(
    live_server: LiveServer, world: dict[str, Organization], desktop: Page
) -> None:
    watch = Watch()
    watch.attach(desktop)
    engineer()
    acme = world["acme"]
    alice = caller(acme)
    open_case(acme, alice, timedelta(hours=2), subject="Reports are late", priority="P2")
    sign_in(desktop, live_server.url, "dana")
    desktop.get_by_role("link", name="Log a call").first.click()
    expect(desktop.get_by_role("heading", level=1)).to_have_text("Log a call")
    desktop.get_by_label("Caller's number").fill("+1 555 010 2000")
    desktop.get_by_role("button", name="Find the caller").click()
    facts = desktop.locator(".call-caller")
    expect(facts).to_contain_text("alice@acme.test")
    expect(facts).to_contain_text("Standard")
    expect(facts).to_contain_text("covers P1 only")
    expect(desktop.get_by_label("Open a new case on their behalf")).to_be_checked()
    desktop.get_by_label("What was said").fill("No call connects since 9:00, all agents idle.")
    desktop.get_by_label("Subject").fill("No calls connect")
    desktop.get_by_label("Environment").select_option("production")
    desktop.get_by_label("Priority 1 — Business critical").check()
    desktop.get_by_role("button", name="Log the call").click()
    expect(desktop.get_by_role("status")).to_contain_text("opened on Acme Telecom")
    expect(desktop.get_by_role("heading", level=1)).to_contain_text("No calls connect")
    case = Case.objects.get(subject="No calls connect")
    assert (case.channel, case.priority, case.requester) == ("phone", "P1", alice)
    assert PhoneCall.objects.get(case=case).billable is False  # R46: P1 is included
    started = case.clocks.get(key="time_to_open").started_at
    assert started <= case.created_at  # G6: from the call's start (the form's minute)
    assert timezone.now() - started < timedelta(minutes=2)
    desktop.get_by_role("link", name="Queues").click()
    first = desktop.locator("#rows tr").first
    expect(first).to_contain_text(case.number)
    expect(first).to_contain_text("No calls connect")
    watch.assert_clean(live_server.url)
