"""What the requester is told by mail, sent by the worker over a real SMTP conversation:
a reclassification (R53–R55, SPEC §3), reminders while a case waits on them (G14), and the
automatic resolution of a restored case they did not answer (R9)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command

from casework.accounts.models import Organization
from casework.cases.models import Case, Status
from casework.cases.services import CaseDraft, case_message_add, case_open, case_transition
from tests.cases.conftest import Inbox, Persona

OPENED = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


def alices_case(acme: Organization, alice: Persona, priority: str = "P3") -> Case:
    draft = CaseDraft(organization=acme, subject="Calls drop", environment="production",
                      priority=priority)  # fmt: skip
    return case_open(draft=draft, requester=alice.user, at=OPENED)


def worker_at(at: datetime) -> None:
    with time_machine.travel(at, tick=False):
        call_command("worker", "--once")


def mails_to(inbox: Inbox, address: str) -> list[str]:
    return [str(m["Subject"]) for env, m in inbox.received if address in env.rcpt_tos]


@pytest.mark.rule("R53", "R55", "G13")
def test_the_requester_is_told_of_a_reclassification_with_the_reason_and_new_due_times(
    transactional_db: None, acme: Organization, alice: Persona, bob: Persona,
    smtp: tuple[Inbox, int],
) -> None:  # fmt: skip
    inbox, _ = smtp
    case = alices_case(acme, alice)
    at = OPENED + timedelta(minutes=30)
    with time_machine.travel(at, tick=False):
        answer = bob.client.post(
            f"/api/v1/cases/{case.pk}/reclassify",
            {"priority": "P2", "reason": "all agents in one site affected"},
            content_type="application/json",
        )
    assert answer.status_code == 200, answer.content
    event = case.events.get(kind="priority")
    assert event.data["recipients"] == {"alice": "alice@acme.test"}  # the pack's notify list
    worker_at(at + timedelta(seconds=1))
    (envelope, message), *rest = [(e, m) for e, m in inbox.received if "Priority" in m["Subject"]]
    assert rest == []
    assert envelope.rcpt_tos == ["alice@acme.test"]
    assert str(message["Subject"]) == f"[{case.number}] Priority changed to P2"
    body = message.get_payload()
    assert isinstance(body, str)
    assert "from P3 to P2" in body
    assert "Reason: all agents in one site affected" in body
    assert f"first_response: {(OPENED + timedelta(hours=8)).isoformat()}" in body  # G13
    sent = case.events.get(kind="notification", data__event=event.pk)
    assert sent.data["status"] == "sent"
    assert not sent.public


@pytest.mark.rule("G14")
def test_the_worker_reminds_the_requester_once_per_reminder(
    transactional_db: None, acme: Organization, alice: Persona, smtp: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp
    case = alices_case(acme, alice)
    case_transition(case=case, actor=None, status="pending_customer", by_customer=False,
                    at=OPENED + timedelta(hours=1))  # fmt: skip
    worker_at(OPENED + timedelta(days=4))
    assert mails_to(inbox, "alice@acme.test") == []
    worker_at(OPENED + timedelta(days=5, hours=1))
    worker_at(OPENED + timedelta(days=5, hours=2))  # the same reminder is not sent twice
    assert mails_to(inbox, "alice@acme.test") == [f"[{case.number}] Waiting for your reply"]
    reminder = case.events.get(kind="reminder")
    assert reminder.public
    assert reminder.data["recipients"] == {"alice": "alice@acme.test"}
    worker_at(OPENED + timedelta(days=10, hours=1))
    assert len(mails_to(inbox, "alice@acme.test")) == 2


@pytest.mark.rule("R9")
def test_the_worker_resolves_an_unanswered_restored_case_and_tells_the_requester(
    transactional_db: None, acme: Organization, alice: Persona, smtp: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp
    case = alices_case(acme, alice)
    at = OPENED + timedelta(hours=1)
    case_message_add(case=case, author=None, body="fixed", public=True, from_support=True, at=at)
    case_transition(case=case, actor=None, status="service_restored", by_customer=False, at=at)
    worker_at(at + timedelta(days=13))
    assert Case.objects.get(pk=case.pk).status == Status.SERVICE_RESTORED
    worker_at(at + timedelta(days=14, minutes=1))
    assert Case.objects.get(pk=case.pk).status == Status.RESOLVED
    # Support's reply reached her by mail first, then the resolution.
    reply, subject = mails_to(inbox, "alice@acme.test")
    assert (reply, subject) == (f"[{case.number}] Re: Calls drop", f"[{case.number}] Case resolved")
    (_, message), *_ = [(e, m) for e, m in inbox.received if m["Subject"] == subject]
    assert "did not answer within 14 days" in str(message.get_payload())


def test_supports_public_reply_is_mailed_to_the_requester_by_a_person_not_a_robot(
    transactional_db: None, acme: Organization, alice: Persona, smtp: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp
    case = alices_case(acme, alice)
    at = OPENED + timedelta(minutes=10)
    case_message_add(case=case, author=None, body="Rerouted: try now.", public=True,
                     from_support=True, at=at)  # fmt: skip
    case_message_add(case=case, author=None, body="internal only", public=False,
                     from_support=True, at=at)  # fmt: skip
    worker_at(at)
    ((envelope, message),) = inbox.received
    assert envelope.rcpt_tos == ["alice@acme.test"]
    assert message["Subject"] == f"[{case.number}] Re: Calls drop"
    assert "Rerouted: try now." in str(message.get_payload())
    assert message["X-Casework-Loop"] == "1"  # inbound mail carrying it is never acted on
    assert message["Auto-Submitted"] is None  # a person's answer, not an automatic mail
    assert message["Message-ID"].startswith(f"<casework.{case.number}.message.")
