"""The at-risk board page (casework/reports/views.py) at a fixed instant, whole and as the
htmx partial that refreshes it."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.models import User
from django.urls import reverse

from casework.accounts.models import Organization
from casework.accounts.services import user_create
from casework.cases.models import Case
from tests.reports.conftest import AT
from tests.support import assert_console_only, signed_in

BOARD = reverse("console:board")


def text_of(response: object) -> str:
    content = response.content.decode()  # type: ignore[attr-defined]
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", content)))


@pytest.mark.parametrize("role", ["engineer", "lead", "manager", "admin"])
def test_support_staff_see_the_board(cases: dict[str, Case], role: str) -> None:
    user = user_create(username=f"u-{role}", email=f"{role}@support.test", role=role)
    assert signed_in(user).get(BOARD).status_code == 200


def test_a_contact_gets_404_and_the_anonymous_are_sent_to_sign_in(acme: Organization) -> None:
    contact = user_create(username="alice", email="a@acme.test", role="contact", organization=acme)
    assert_console_only(BOARD, contact=contact)


@time_machine.travel(AT, tick=False)
def test_the_board_shows_counts_and_each_case_with_its_clock_in_words(
    cases: dict[str, Case], engineer: User
) -> None:
    response = signed_in(engineer).get(BOARD)
    text = text_of(response)
    assert "2 at risk 2 breached" in text
    assert "First response (1 at risk, 1 breached)" in text
    risk, late = cases["risk"], cases["late"]
    assert f"{risk.number} {risk.subject} Acme P2 L1 unassigned" in text
    assert "at risk: due in 1 h" in text
    assert (
        f"{late.number} {late.subject} Acme P2 L1 unassigned First response breached 1 h ago"
        in text
    )
    assert cases["fresh"].subject not in text
    content = response.content.decode()
    assert 'hx-trigger="every 30s"' in content
    assert "data-due-at=" in content  # casework.js counts the at-risk clocks down
    assert "<h1>SLA at-risk board</h1>" in content


@time_machine.travel(AT, tick=False)
def test_htmx_gets_only_the_board_partial(cases: dict[str, Case], engineer: User) -> None:
    response = signed_in(engineer).get(BOARD, headers={"HX-Request": "true"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "<h1>" not in content
    assert "<html" not in content
    assert 'class="board-counts"' in content
    assert cases["late"].subject in content


@time_machine.travel(datetime(2026, 3, 4, 6, 30, tzinfo=UTC), tick=False)
def test_a_calm_board_says_nothing_is_at_risk(cases: dict[str, Case], engineer: User) -> None:
    assert "No open case is at risk or breached." in text_of(signed_in(engineer).get(BOARD))
