"""The worker's follow-ups of cases waiting on the customer: R9 auto-confirmation, G14
reminders and auto-close. Each acts once, and says so in the history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings

from casework.accounts.models import Organization
from casework.cases.followups import case_auto_confirm_due
from casework.cases.models import Case, Status
from casework.cases.services import CaseDraft, case_message_add, case_open, case_transition

OPENED = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


def opened(acme: Organization) -> Case:
    draft = CaseDraft(organization=acme, subject="drops", environment="production")
    return case_open(draft=draft, requester=None, at=OPENED)


def restored(acme: Organization) -> Case:
    case = opened(acme)
    at = OPENED + timedelta(hours=1)
    case_message_add(case=case, author=None, body="fixed", public=True, from_support=True, at=at)
    case_transition(case=case, actor=None, status="service_restored", by_customer=False, at=at)
    return case


def reloaded(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


@pytest.mark.rule("R9")
def test_a_restored_case_the_customer_does_not_answer_is_resolved_once_after_14_days(
    acme: Organization,
) -> None:
    case = restored(acme)
    restored_at = OPENED + timedelta(hours=1)
    assert case_auto_confirm_due(at=restored_at + timedelta(days=14) - timedelta(seconds=1)) == []
    done = case_auto_confirm_due(at=restored_at + timedelta(days=14))
    assert [(f.case_number, f.kind) for f in done] == [(case.number, "auto_confirmed")]
    assert reloaded(case).status == Status.RESOLVED
    last = case.events.order_by("at", "pk").last()
    assert last is not None
    assert last.data["auto_confirmed"] is True
    assert "did not answer within 14 days" in last.data["note"]
    assert case_auto_confirm_due(at=restored_at + timedelta(days=30)) == []


@pytest.mark.rule("R9")
def test_a_customer_answer_after_service_restored_stops_the_auto_confirmation(
    acme: Organization,
) -> None:
    case = restored(acme)
    case_message_add(
        case=case, author=None, body="still broken", public=True, from_support=False,
        at=OPENED + timedelta(days=2),
    )  # fmt: skip
    assert case_auto_confirm_due(at=OPENED + timedelta(days=20)) == []
    assert reloaded(case).status == Status.SERVICE_RESTORED


@pytest.mark.rule("R9")
def test_the_auto_confirmation_delay_comes_from_the_setting_and_can_be_turned_off(
    acme: Organization,
) -> None:
    case = restored(acme)
    with override_settings(CASEWORK_AUTO_CONFIRM_AFTER=None):
        assert case_auto_confirm_due(at=OPENED + timedelta(days=60)) == []
    with override_settings(CASEWORK_AUTO_CONFIRM_AFTER=timedelta(days=3)):
        done = case_auto_confirm_due(at=OPENED + timedelta(days=3, hours=1))
    assert [f.case_id for f in done] == [case.pk]
    assert "within 3 days" in done[0].detail


def test_a_case_never_restored_is_not_auto_confirmed(acme: Organization) -> None:
    case = opened(acme)
    assert case_auto_confirm_due(at=OPENED + timedelta(days=60)) == []
    assert reloaded(case).status == Status.NEW
