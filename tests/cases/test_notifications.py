"""SLA notifications: recipients from role names, an in-app alert, mail over real SMTP, retries.

The SMTP tests run `casework worker --once` against a real aiosmtpd server on 127.0.0.1 and
read what it received (TESTING.md B5): the worker sweeps, the sweep's transaction commits and
enqueues the mail task (django-tasks-db), and the same tick runs it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import Message
from typing import Any

import pytest
import time_machine
from aiosmtpd.smtp import Envelope
from django.contrib.auth.models import User
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from casework.accounts.models import Organization
from casework.accounts.services import user_create
from casework.cases.models import Case, CaseEvent
from casework.cases.notifications import header_safe, notification_message, notify_recipients
from casework.cases.services import CaseDraft, case_open
from casework.cases.sweep import clock_sweep
from tests.cases.conftest import Inbox, Persona
from tests.support import free_port

OPENED = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
LATE = OPENED + timedelta(hours=9)  # P2: first response and elevation breached


def staff(username: str, role: str, tier: str | None = None) -> User:
    return user_create(username=username, email=f"{username}@support.test", role=role, tier=tier)


@pytest.fixture
def team(acme: Organization) -> dict[str, User]:
    """Support staff, and Acme's account team: Tom its TAM, Cid its CSM (no sponsor)."""
    people = {
        "lead1": staff("lena", "lead", "L1"),
        "lead2": staff("leo", "lead", "L2"),
        "manager": staff("mia", "manager"),
        "tam": staff("tom", "tam"),
        "csm": staff("cid", "csm"),
    }
    Organization.objects.filter(pk=acme.pk).update(tam=people["tam"], csm=people["csm"])
    acme.refresh_from_db()
    return people


def p2_case(acme: Organization, assignee: User | None = None, subject: str = "drops") -> Case:
    draft = CaseDraft(organization=acme, subject=subject, environment="production", priority="P2")
    case = case_open(draft=draft, requester=None, at=OPENED)
    if assignee is not None:
        Case.objects.filter(pk=case.pk).update(assignee=assignee)
        case.refresh_from_db()
    return case


@pytest.mark.rule("R35", "R57")
def test_role_names_resolve_to_people_and_a_missing_sponsor_is_recorded(
    acme: Organization, bob: Persona, team: dict[str, User]
) -> None:
    case = p2_case(acme, assignee=bob.user)
    roles = ["assignee", "tier_lead", "support_manager", "tam", "executive_sponsor", "cid"]
    found = notify_recipients(case, roles)
    assert found.addresses == {
        "bob": "bob@support.test",
        "lena": "lena@support.test",  # the lead of the case's tier (L1), not Level 2's
        "mia": "mia@support.test",
        "tom": "tom@support.test",
        "cid": "cid@support.test",
    }
    assert found.missing == ["no recipient for executive_sponsor"]
    assert notify_recipients(case, ["account_team"]).addresses.keys() == {"tom", "cid"}
    assert notify_recipients(case, ["nobody-by-that-name"]).missing == [
        "no recipient for nobody-by-that-name"
    ]


@pytest.mark.rule("R35", "R57")
def test_the_account_team_is_the_organisations_own(
    acme: Organization, globex: Organization, team: dict[str, User]
) -> None:
    """Acme's TAM is told of Acme's cases only; an organisation without an account team has
    nobody in those roles, and the event says so."""
    draft = CaseDraft(organization=globex, subject="x", environment="production", priority="P2")
    theirs = case_open(draft=draft, requester=None, at=OPENED)
    found = notify_recipients(theirs, ["tam", "account_team", "executive_sponsor"])
    assert found.addresses == {}
    assert found.missing == [
        "no recipient for tam", "no recipient for account_team",
        "no recipient for executive_sponsor",
    ]  # fmt: skip
    sponsor = staff("sam", "manager")
    Organization.objects.filter(pk=globex.pk).update(executive_sponsor=sponsor)
    theirs.refresh_from_db()
    cache: dict[tuple[str, str], list[User]] = {}
    ours = p2_case(acme)
    assert notify_recipients(ours, ["tam"], cache=cache).addresses == {"tom": "tom@support.test"}
    assert notify_recipients(theirs, ["tam", "executive_sponsor"], cache=cache).addresses == {
        "sam": "sam@support.test"
    }


@pytest.mark.rule("R35", "R57")
def test_a_breach_records_recipients_raises_an_alert_and_enqueues_one_mail_after_commit(
    acme: Organization,
    bob: Persona,
    team: dict[str, User],
    django_capture_on_commit_callbacks: Any,
) -> None:
    case = p2_case(acme, assignee=bob.user)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        lines = clock_sweep(at=LATE)
    breaches = list(case.events.filter(kind="breach"))
    assert breaches
    first = next(e for e in breaches if e.data["clock"] == "first_response")
    # The elevation breach came first and moved the case to Level 2: its lead is told.
    assert set(first.data["recipients"]) == {"bob", "leo", "mia", "tom"}
    assert first.data["unresolved"] == ["no recipient for executive_sponsor"]
    alerts = case.events.filter(kind="alert")
    assert {a.data["event"] for a in alerts} >= {e.pk for e in breaches}
    assert all(not a.public for a in alerts)
    assert len(callbacks) == len(lines) == DBTaskResult.objects.count()
    # Idempotent: nothing more to enqueue on a second sweep.
    with django_capture_on_commit_callbacks(execute=True) as again:
        assert clock_sweep(at=LATE) == []
    assert again == []


def test_no_recipient_means_no_alert_and_no_mail(
    acme: Organization, django_capture_on_commit_callbacks: Any
) -> None:
    case = p2_case(acme)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert clock_sweep(at=LATE)
    assert callbacks == []
    assert not case.events.filter(kind="alert").exists()
    unresolved = case.events.filter(kind="breach").first()
    assert unresolved is not None
    assert "no recipient for support_manager" in unresolved.data["unresolved"]


def test_headers_cannot_be_injected_through_the_case_subject(
    acme: Organization, bob: Persona, team: dict[str, User]
) -> None:
    case = p2_case(acme, assignee=bob.user, subject="down\r\nBcc: victim@evil.test")
    clock_sweep(at=LATE)
    event = case.events.filter(kind="breach").first()
    assert event is not None
    raw = notification_message(event).message().as_string()
    headers = raw.split("\n\n", 1)[0]
    assert "Bcc:" not in headers
    assert header_safe("a\r\nb\x00c") == "a b c"


# -- a real SMTP conversation -----------------------------------------------------------------


def breach_mails(inbox: Inbox) -> list[tuple[Envelope, Message]]:
    return [(env, msg) for env, msg in inbox.received if "SLA breach" in str(msg["Subject"])]


@pytest.mark.rule("R35", "R57", "R58")
def test_the_worker_mails_a_breach_over_smtp(
    transactional_db: None,
    acme: Organization,
    bob: Persona,
    team: dict[str, User],
    smtp: tuple[Inbox, int],
) -> None:
    inbox, _ = smtp
    case = p2_case(acme, assignee=bob.user)
    with time_machine.travel(LATE, tick=False):
        call_command("worker", "--once")
    mails = breach_mails(inbox)
    first = [m for m in mails if "first_response" in str(m[1]["Subject"])]
    assert len(first) == 1
    envelope, message = first[0]
    assert sorted(envelope.rcpt_tos) == sorted(
        ["bob@support.test", "leo@support.test", "mia@support.test", "tom@support.test"]
    )
    assert envelope.mail_from == "casework@support.test"
    subject = str(message["Subject"])
    assert case.number in subject
    assert "due 2026-11-21T" in subject
    assert message["Auto-Submitted"] == "auto-generated"
    event = case.events.get(kind="breach", data__clock="first_response")
    assert message["Message-ID"] == f"<casework.{case.number}.breach.{event.pk}@support.test>"
    sent = case.events.filter(kind="notification", data__event=event.pk)
    assert [e.data["status"] for e in sent] == ["sent"]
    # A second tick at the same instant sends nothing more.
    count = len(inbox.received)
    with time_machine.travel(LATE, tick=False):
        call_command("worker", "--once")
    assert len(inbox.received) == count


@pytest.mark.rule("R57")
@override_settings(CASEWORK_NOTIFY_RETRY_SECONDS=60)
def test_a_refused_mail_is_retried_after_the_backoff(
    transactional_db: None,
    acme: Organization,
    bob: Persona,
    team: dict[str, User],
    smtp: tuple[Inbox, int],
) -> None:
    inbox, _ = smtp
    case = p2_case(acme, assignee=bob.user)
    actions = len(clock_sweep(at=OPENED + timedelta(hours=6)))  # the warnings: not tested here
    inbox.received.clear()
    inbox.refuse = 1_000
    with time_machine.travel(LATE, tick=False) as traveller:
        call_command("worker", "--once")
        assert breach_mails(inbox) == []
        failed = case.events.filter(kind="notification", data__status="failed")
        assert failed.count() >= 1
        assert all(e.data["attempt"] == 1 and "retry_at" in e.data for e in failed)
        assert all("451" in e.data["error"] for e in failed)
        inbox.refuse = 0
        call_command("worker", "--once")  # the backoff has not passed: nothing is sent
        assert breach_mails(inbox) == []
        traveller.shift(timedelta(seconds=61))
        call_command("worker", "--once")
    mails = breach_mails(inbox)
    breaches = case.events.filter(kind="breach").count()
    assert len(mails) == breaches >= 1
    resent = case.events.filter(kind="notification", data__status="sent")
    assert {e.data["attempt"] for e in resent} == {2}
    assert actions >= 1


@override_settings(CASEWORK_NOTIFY_RETRY_SECONDS=0, CASEWORK_NOTIFY_MAX_ATTEMPTS=3)
def test_a_mail_that_keeps_failing_is_given_up_after_the_last_attempt(
    transactional_db: None, acme: Organization, bob: Persona, team: dict[str, User]
) -> None:
    case = p2_case(acme, assignee=bob.user)
    dead_port = free_port()  # nothing listens there: connection refused
    mailers = {
        "default": {
            "BACKEND": "casework.lib.mail.SMTPBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": dead_port, "timeout": 5},
        }
    }
    with override_settings(MAILERS=mailers), time_machine.travel(LATE, tick=True):
        call_command("worker", "--once")
    event = case.events.filter(kind="breach", data__clock="first_response").get()
    attempts = case.events.filter(kind="notification", data__event=event.pk).order_by("pk")
    assert [(e.data["attempt"], e.data["status"]) for e in attempts] == [
        (1, "failed"),
        (2, "failed"),
        (3, "gave_up"),
    ]
    assert not DBTaskResult.objects.ready().exists()
    assert mail.outbox == []


def test_worker_once_with_nothing_due_does_nothing(transactional_db: None, packs: None) -> None:
    call_command("worker", "--once")
    assert not CaseEvent.objects.exists()
