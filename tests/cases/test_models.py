"""The case row: its number, and what opening one writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.accounts.models import Organization
from casework.cases.clocks import case_clocks_refresh
from casework.cases.models import Case, Clock
from casework.cases.services import CaseDraft, case_open

from .conftest import Persona

AT = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
CLOCK_FIELDS = ("key", "state", "started_at", "due_at", "warn_at", "next_action_at")


def test_the_number_is_derived_from_the_id(acme: Organization, bob: Persona) -> None:
    draft = CaseDraft(organization=acme, subject="Calls drop", environment="production")
    case = case_open(draft=draft, requester=bob.user, at=AT)
    assert case.number == f"CW-{case.pk:06d}"
    assert Case.id_from_number(case.number) == case.pk
    assert Case.id_from_number(" cw-000042 ") == 42


@pytest.mark.parametrize("text", ["", "CW-", "CW-12a", "XX-000001", "CW--1", "CW-" + "9" * 19])
def test_a_string_that_is_no_case_number_names_no_case(text: str) -> None:
    assert Case.id_from_number(text) is None


@pytest.mark.rule("G6")
def test_opening_writes_the_case_its_history_and_its_clocks_once_each(
    acme: Organization, bob: Persona
) -> None:
    """The clocks are computed before anything is written: one INSERT per table, no reads of
    what was just written, and the stored rows are what a replay of the history gives."""
    draft = CaseDraft(
        organization=acme, subject="Calls drop", environment="production", priority="P1",
        channel="phone", notified_at=AT - timedelta(minutes=10),
    )  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        case = case_open(draft=draft, requester=bob.user, at=AT)
    writes = [q["sql"].split(" ")[2] for q in queries if q["sql"].startswith("INSERT")]
    assert writes == ['"cases_case"', '"cases_caseevent"', '"cases_clock"']
    assert not [q for q in queries if q["sql"].startswith("UPDATE")]
    assert [e.kind for e in case.events.all()] == ["notified", "opened"]

    stored = list(Clock.objects.filter(case=case).values_list(*CLOCK_FIELDS))
    assert {row[0] for row in stored} >= {"time_to_open", "first_response"}
    returned = [tuple(getattr(c, f) for f in CLOCK_FIELDS) for c in case.clocks.all()]
    assert returned == stored  # the rows handed back are the stored ones, in their order
    due = Case.objects.values_list("next_due_at", flat=True).get(pk=case.pk)

    case_clocks_refresh(Case.objects.get(pk=case.pk), at=AT)  # replay: nothing changes
    assert list(Clock.objects.filter(case=case).values_list(*CLOCK_FIELDS)) == stored
    assert Case.objects.values_list("next_due_at", flat=True).get(pk=case.pk) == due


@pytest.mark.rule("R26")
def test_an_enhanced_sla_sets_the_case_clocks_and_stays_with_the_case(
    acme: Organization, bob: Persona
) -> None:
    """Opened under an overlay, the case keeps those figures: its stored clocks, a replay of
    its history and a later change of the subscription all agree."""
    from casework.accounts.services import subscription_set
    from tests.cases.conftest import SINCE

    subscription_set(organization=acme, policy_id="liveops", plan_id="standard",
                     effective_from=SINCE + timedelta(days=1),
                     sla_overlay={"P2": {"first_response": "1h"}})  # fmt: skip
    draft = CaseDraft(organization=acme, subject="Slow", environment="production", priority="P2")
    case = case_open(draft=draft, requester=bob.user, at=AT)
    plain = case_open(draft=CaseDraft(organization=acme, subject="Slow", environment="production",
                                      priority="P3"), requester=bob.user, at=AT)  # fmt: skip
    first = {c.key: c for c in case.clocks.all()}["first_response"]
    assert first.due_at == AT + timedelta(hours=1)  # not the plan's 8 h (R60)
    assert {c.key: c for c in plain.clocks.all()}["first_response"].due_at == AT + timedelta(
        hours=24
    )  # a priority the overlay does not name keeps the plan's figure
    assert case.events.get(kind="opened").data["sla_overlay"] == {"P2": {"first_response": "1h"}}

    subscription_set(organization=acme, policy_id="liveops", plan_id="standard",
                     effective_from=AT + timedelta(minutes=1))  # the overlay ends  # fmt: skip
    stored = Case.objects.get(pk=case.pk)
    case_clocks_refresh(stored, at=AT + timedelta(minutes=5))
    assert stored.clocks.get(key="first_response").due_at == AT + timedelta(hours=1)
