"""The worker's follow-ups of cases waiting on the customer: R9 auto-confirmation, G14
reminders and auto-close. Each acts once, and says so in the history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings

from casework.accounts.models import Organization
from casework.cases.followups import case_auto_confirm_due, case_pending_reminders_due
from casework.cases.models import Case, Status
from casework.cases.services import CaseDraft, case_message_add, case_open, case_transition
from casework.policies.services import policy_version_load
from tests.cases.conftest import PACKS

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


def pending(acme: Organization, *, at: datetime = OPENED) -> Case:
    case = opened(acme)
    case_transition(case=case, actor=None, status="pending_customer", by_customer=False, at=at)
    return case


@pytest.mark.rule("G14")
def test_reminders_go_at_5_and_10_days_of_waiting_once_each(acme: Organization) -> None:
    case = pending(acme)
    assert case_pending_reminders_due(at=OPENED + timedelta(days=5, seconds=-1)) == []
    first = case_pending_reminders_due(at=OPENED + timedelta(days=5))
    assert [(f.kind, f.due_at) for f in first] == [("reminder", OPENED + timedelta(days=5))]
    assert case_pending_reminders_due(at=OPENED + timedelta(days=6)) == []
    second = case_pending_reminders_due(at=OPENED + timedelta(days=10))
    assert [f.due_at for f in second] == [OPENED + timedelta(days=10)]
    reminders = case.events.filter(kind="reminder").order_by("at")
    assert [(e.data["number"], e.data["after"], e.public) for e in reminders] == [
        (1, "PT120H", True),
        (2, "PT240H", True),
    ]
    # auto-close is off in the pack (null): the case keeps waiting
    assert case_pending_reminders_due(at=OPENED + timedelta(days=90)) == []
    assert reloaded(case).status == Status.PENDING_CUSTOMER


@pytest.mark.rule("G14")
def test_a_new_wait_on_the_customer_starts_its_reminders_afresh(acme: Organization) -> None:
    case = pending(acme)
    case_pending_reminders_due(at=OPENED + timedelta(days=5))
    case_message_add(
        case=case, author=None, body="logs", public=True, from_support=False,
        at=OPENED + timedelta(days=6),
    )  # fmt: skip
    assert case_pending_reminders_due(at=OPENED + timedelta(days=10)) == []
    again = OPENED + timedelta(days=7)
    case_transition(case=case, actor=None, status="pending_customer", by_customer=False, at=again)
    due = case_pending_reminders_due(at=again + timedelta(days=5))
    assert [f.due_at for f in due] == [again + timedelta(days=5)]


@pytest.mark.rule("G14")
def test_with_auto_close_set_the_policy_closes_a_case_waiting_14_days(
    acme: Organization,
) -> None:
    text = (PACKS / "liveops.yaml").read_text(encoding="utf-8")
    assert "    auto_close_after: null\n" in text
    variant = text.replace("    auto_close_after: null\n", "    auto_close_after: 14d\n")
    loaded = policy_version_load(text=variant, filename="liveops-auto-close.yaml")
    case = pending(acme)
    assert case.policy_version == loaded.version.version == 2
    assert [f.kind for f in case_pending_reminders_due(at=OPENED + timedelta(days=13))] == [
        "reminder",
        "reminder",
    ]
    closed = case_pending_reminders_due(at=OPENED + timedelta(days=14))
    assert [(f.kind, f.due_at) for f in closed] == [("auto_closed", OPENED + timedelta(days=14))]
    assert reloaded(case).status == Status.CLOSED
    last = case.events.order_by("at", "pk").last()
    assert last is not None
    assert "for 14 days without an answer (G14)" in last.data["note"]
    assert case_pending_reminders_due(at=OPENED + timedelta(days=15)) == []


@pytest.mark.rule("G14")
def test_a_worker_that_was_down_closes_without_reminding_after_the_close(
    acme: Organization,
) -> None:
    text = (PACKS / "liveops.yaml").read_text(encoding="utf-8")
    variant = text.replace("    auto_close_after: null\n", "    auto_close_after: 7d\n")
    policy_version_load(text=variant, filename="liveops-auto-close.yaml")
    case = pending(acme)
    done = case_pending_reminders_due(at=OPENED + timedelta(days=30))
    assert [f.kind for f in done] == ["reminder", "auto_closed"]
    assert reloaded(case).status == Status.CLOSED
