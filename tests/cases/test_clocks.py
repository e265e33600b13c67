"""Stored clocks kept in step with the history, on the very object services were handed."""

from __future__ import annotations

from datetime import timedelta

from casework.accounts.models import Organization
from casework.cases.models import Clock
from casework.cases.services import CaseDraft, case_message_add, case_open
from tests.cases.conftest import Persona
from tests.cases.test_api import NOW


def test_services_chained_on_the_case_case_open_returned_store_each_clock_once(
    acme: Organization, alice: Persona, bob: Persona
) -> None:
    draft = CaseDraft(organization=acme, subject="Calls drop", environment="production",
                      priority="P2")  # fmt: skip
    case = case_open(draft=draft, requester=alice.user, at=NOW)
    for minutes in (10, 20, 30):  # each reply starts a new periodic-update cycle
        case_message_add(
            case=case, author=bob.user, body="Looking", public=True, from_support=True,
            at=NOW + timedelta(minutes=minutes),
        )  # fmt: skip
    stored = list(Clock.objects.filter(case=case).values_list("key", flat=True))
    assert len(stored) == len(set(stored))
    assert sorted(c.key for c in case.clocks.all()) == sorted(stored)
    assert Clock.objects.get(case=case, key="first_response").state == "met"
