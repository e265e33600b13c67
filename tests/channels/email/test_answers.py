"""``CASEWORK_EMAIL_UNKNOWN_SENDER=answer``: mail from an address nobody knows is held as
ever, and its sender is told how to get access, over real SMTP both ways: the mail comes in
through casework's listener, the answer goes out by `casework worker --once` to an aiosmtpd
server; once per sender per interval, never to an automatic message (TESTING.md A1 row 4)."""

from __future__ import annotations

import asyncio
import smtplib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import Message

import pytest
import time_machine
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.core.management import call_command
from django.test import override_settings

from casework.cases.models import Case
from casework.cases.notifications import LOOP_HEADER
from casework.channels.models import RawInbound, RawStatus
from tests.cases.conftest import Inbox, Persona, outbound_to
from tests.channels.email.conftest import crlf, mail, send
from tests.support import free_port

pytestmark = pytest.mark.django_db(transaction=True)  # the listener's thread must see the rows

START = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
STRANGER = "Sam <sam@newco.test>"
ANSWERING = override_settings(
    CASEWORK_EMAIL_UNKNOWN_SENDER="answer", CASEWORK_BASE_URL="https://help.example.com",
    CASEWORK_EMAIL_ACCESS_CONTACT="the IT desk, it@newco.test",
)  # fmt: skip


def worker_at(at: datetime) -> None:
    with time_machine.travel(at, tick=False):
        call_command("worker", "--once")


def stranger_mail(n: int, headers: str = "") -> bytes:
    return mail(sender=STRANGER, subject="Need help", message_id=f"<s{n}@newco.test>",
                headers=headers)  # fmt: skip


@ANSWERING
def test_an_unknown_sender_is_held_and_told_how_to_get_access_once(
    listener: int, packs: None, smtp: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp
    with time_machine.travel(START, tick=False):
        send(listener, stranger_mail(1, "References: <older@newco.test>"),
             sender="bounces+sam@newco.test")  # fmt: skip
    held = RawInbound.objects.get()
    assert held.status == RawStatus.HELD
    assert held.reason.endswith("; bounces+sam@newco.test was told how to get access")
    assert not Case.objects.exists()
    worker_at(START)
    ((envelope, answer),) = inbox.received
    assert envelope.rcpt_tos == ["bounces+sam@newco.test"]  # the envelope sender (RFC 3834 §4)
    assert envelope.mail_from == "<>"  # MAIL FROM:<> (RFC 3834 §3.3): its bounce goes nowhere
    assert answer["From"] == "casework@support.test"
    assert answer["Auto-Submitted"] == "auto-replied"
    assert answer[LOOP_HEADER] == "1"
    assert answer["In-Reply-To"] == "<s1@newco.test>"
    assert answer["References"] == "<older@newco.test> <s1@newco.test>"
    assert answer["Subject"] == "Auto: Need help"
    assert answer["Reply-To"] is None
    body = bytes(answer.get_payload(decode=True)).decode()
    for told in ("the IT desk, it@newco.test", "https://help.example.com/portal/",
                 "https://help.example.com/policy/"):  # fmt: skip
        assert told in body
    with time_machine.travel(START + timedelta(hours=23), tick=False):
        send(listener, stranger_mail(2), sender="bounces+sam@newco.test")
    worker_at(START + timedelta(hours=23))
    assert len(inbox.received) == 1  # held again, not answered again within the interval
    assert RawInbound.objects.filter(status=RawStatus.HELD).count() == 2
    with time_machine.travel(START + timedelta(hours=25), tick=False):
        send(listener, stranger_mail(3), sender="bounces+sam@newco.test")
    worker_at(START + timedelta(hours=25))
    assert len(inbox.received) == 2  # a day later it is answered again


@ANSWERING
@pytest.mark.parametrize(
    "headers", ["Auto-Submitted: auto-replied", "Precedence: bulk", "List-Id: <x.newco.test>",
                f"{LOOP_HEADER}: 1"],
)  # fmt: skip
def test_an_automatic_message_from_an_unknown_sender_is_never_answered(
    listener: int, packs: None, smtp: tuple[Inbox, int], headers: str
) -> None:
    inbox, _ = smtp
    send(listener, stranger_mail(1, headers), sender="sam@newco.test")
    send(listener, stranger_mail(2), sender="")  # a null envelope sender: a bounce
    assert set(RawInbound.objects.values_list("status", flat=True)) == {RawStatus.IGNORED}
    call_command("worker", "--once")
    assert inbox.received == []


def test_with_hold_an_unknown_sender_is_held_and_not_answered(
    listener: int, packs: None, smtp: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp
    send(listener, stranger_mail(1), sender="sam@newco.test")
    assert RawInbound.objects.get().status == RawStatus.HELD
    call_command("worker", "--once")
    assert inbox.received == []


@ANSWERING
def test_a_known_contact_is_not_answered_and_our_own_address_never(
    listener: int, alice: Persona, smtp: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp
    send(listener, mail())
    send(listener, mail(sender="casework@support.test", message_id="<own@support.test>"),
         sender="casework@support.test")  # fmt: skip
    assert Case.objects.count() == 1
    assert RawInbound.objects.get(dedup_key="<own@support.test>").status == RawStatus.HELD
    call_command("worker", "--once")
    assert inbox.received == []


@ANSWERING
def test_a_refused_answer_is_retried_after_the_backoff(
    listener: int, packs: None, smtp: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp
    inbox.refuse = 1
    with time_machine.travel(START, tick=False):
        send(listener, stranger_mail(1), sender="sam@newco.test")
    worker_at(START)
    assert inbox.received == []  # refused once (451), a retry is queued
    worker_at(START + timedelta(seconds=30))
    assert inbox.received == []  # not due yet (CASEWORK_NOTIFY_RETRY_SECONDS=60)
    worker_at(START + timedelta(seconds=61))
    ((_, answer),) = inbox.received
    assert answer["Message-ID"].startswith("<casework.access.")


# -- an auto-responder on the other side -------------------------------------------------------


class Robot:
    """An aiosmtpd handler that answers every mail it gets by mailing casework's listener
    back at once, as ``sam@newco.test``, in one of three badly behaved styles."""

    def __init__(self, casework_port: int, style: str) -> None:
        self.casework_port, self.style = casework_port, style
        self.received: list[Message] = []

    def reply_to(self, message: Message) -> bytes:
        headers = [f"In-Reply-To: {message['Message-ID']}"]
        if self.style == "out-of-office":
            headers.append("Auto-Submitted: auto-replied")
        elif self.style == "copies-headers":  # echoes every X- header, loop marker included
            headers += [f"{k}: {v}" for k, v in message.items() if k.startswith("X-")]
        return mail(
            sender=STRANGER, subject=f"Re: {message['Subject']}", body="I am away.",
            headers="\n".join(headers), message_id=f"<robot{len(self.received)}@newco.test>",
        )  # fmt: skip

    def _answer(self, message: Message) -> None:
        with smtplib.SMTP("127.0.0.1", self.casework_port, timeout=30) as client:
            client.sendmail("sam@newco.test", ["support@casework.test"],
                            crlf(self.reply_to(message)))  # fmt: skip

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        import email

        content = envelope.content
        message = email.message_from_bytes(content if isinstance(content, bytes) else b"")
        self.received.append(message)
        await asyncio.get_running_loop().run_in_executor(None, self._answer, message)
        return "250 OK"


@pytest.fixture
def robot(request: pytest.FixtureRequest, listener: int) -> Iterator[Robot]:
    """The robot as casework's outbound SMTP server: whatever casework sends reaches it."""
    handler = Robot(listener, request.param)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with outbound_to(port):
            yield handler
    finally:
        controller.stop()


@ANSWERING
@pytest.mark.parametrize(
    "robot", ["out-of-office", "copies-headers", "no-auto-headers"], indirect=True
)
def test_an_unknown_auto_responder_gets_one_answer_and_the_exchange_stops(
    listener: int, packs: None, robot: Robot
) -> None:
    send(listener, stranger_mail(1), sender="sam@newco.test")  # the robot writes first
    for _ in range(10):  # the worker sends what is due; the robot answers it at once
        before = len(robot.received)
        call_command("worker", "--once")
        if len(robot.received) == before:
            break
    assert len(robot.received) == 1  # one access answer, whatever the robot did
    assert not Case.objects.exists()
    first, answer = RawInbound.objects.order_by("id")
    assert first.status == RawStatus.HELD
    assert first.reason.endswith("was told how to get access")
    if robot.style == "no-auto-headers":  # reads as a person's mail: held, not answered again
        assert (answer.status, answer.reason.endswith("access")) == (RawStatus.HELD, False)
    else:
        assert answer.status == RawStatus.IGNORED
