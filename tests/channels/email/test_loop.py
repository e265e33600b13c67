"""casework paired with a hostile auto-responder over real SMTP (TESTING.md A1 row 4): the
exchange stops, with no extra mail and no extra case, however the robot answers."""

from __future__ import annotations

from email.message import Message

import pytest
from django.core.management import call_command

from casework.cases.models import Case
from casework.cases.notifications import LOOP_HEADER
from casework.cases.services import case_message_add
from casework.channels.email import parse
from casework.channels.email.intake import email_receive
from casework.channels.models import RawInbound, RawStatus
from tests.cases.conftest import Inbox, Persona
from tests.channels.email.conftest import mail

ROUNDS = 10


def robot_answer(message: Message, style: str) -> bytes:
    """What a badly behaved responder sends back to support about ``message``."""
    headers = [f"In-Reply-To: {message['Message-ID']}"]
    if style == "out-of-office":
        headers.append("Auto-Submitted: auto-replied")
    elif style == "copies-headers":  # echoes every X- header it got, loop marker included
        headers += [f"{name}: {value}" for name, value in message.items() if name.startswith("X-")]
    return mail(
        sender="Alice <alice@acme.test>", subject=f"Re: {message['Subject']}",
        body="I am away. Your message matters to me!", headers="\n".join(headers),
        message_id=f"<robot.{abs(hash(str(message['Message-ID'])))}@acme.test>",
    )  # fmt: skip


@pytest.mark.parametrize("style", ["out-of-office", "copies-headers", "no-auto-headers"])
def test_an_auto_responder_gets_one_answer_and_the_exchange_stops(
    transactional_db: None, alice: Persona, bob: Persona, smtp: tuple[Inbox, int], style: str
) -> None:
    inbox, _ = smtp
    opened = email_receive(payload=mail(), source="test").raw
    assert opened.case is not None
    case = Case.objects.get(pk=opened.case.pk)
    case_message_add(case=case, author=bob.user, body="Rerouted: please try again.",
                     public=True, from_support=True, at=case.created_at)  # fmt: skip
    call_command("worker", "--once")
    assert len(inbox.received) == 1  # support's one reply, threaded on the customer's mail
    ((_, reply),) = inbox.received
    assert (reply["In-Reply-To"], reply["References"]) == ("<m1@acme.test>", "<m1@acme.test>")
    handled = 0
    for _ in range(ROUNDS):  # the robot answers everything it has not answered yet
        pending = inbox.received[handled:]
        if not pending:
            break
        handled = len(inbox.received)
        for _, message in pending:
            email_receive(payload=robot_answer(message, style), source="robot")
        call_command("worker", "--once")
    assert len(inbox.received) == 1, [m["Subject"] for _, m in inbox.received]
    assert Case.objects.count() == 1  # no case opened from the robot's mail either
    robot = RawInbound.objects.get(source="robot")  # its one answer is kept, whatever it was
    if style == "no-auto-headers":  # it reads as the customer's reply: on the case, no answer
        assert (robot.status, robot.case) == (RawStatus.PROCESSED, case)
    else:
        assert robot.status == RawStatus.IGNORED
        assert robot.reason
    assert LOOP_HEADER == parse.LOOP_HEADER  # what casework sends is what it refuses
