"""A real SMTP conversation with the listener ``casework smtpd`` runs (its aiosmtpd
controller on a free loopback port), spoken with ``smtplib``."""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings

from casework.cases.models import Case
from casework.channels.models import RawInbound, RawStatus
from tests.cases.conftest import Persona
from tests.channels.email.conftest import crlf, mail, send

pytestmark = pytest.mark.django_db(transaction=True)  # the listener's thread must see the rows


def test_mail_opens_a_case_a_reply_threads_and_an_auto_reply_is_ignored(
    listener: int, alice: Persona
) -> None:
    send(listener, mail(subject="Calls drop", body="Since 9:00."))
    case = Case.objects.get()
    assert (case.subject, case.requester, case.channel) == ("Calls drop", alice.user, "email")
    reply = mail(message_id="<m2@acme.test>", subject=f"Re: [{case.number}] Calls drop",
                 body="Still dropping.\n\nOn Monday, support wrote:\n> old")  # fmt: skip
    send(listener, reply)
    assert [m.body for m in case.messages.all()] == ["Still dropping."]
    send(listener, mail(message_id="<m3@acme.test>", headers="Auto-Submitted: auto-replied"))
    ignored = RawInbound.objects.get(dedup_key="<m3@acme.test>")
    assert (ignored.status, ignored.case) == (RawStatus.IGNORED, None)
    assert Case.objects.count() == 1
    assert {raw.source.split()[0] for raw in RawInbound.objects.all()} == {"smtp"}


def test_the_same_message_sent_twice_is_stored_once(listener: int, alice: Persona) -> None:
    send(listener, mail())
    send(listener, mail())
    assert (RawInbound.objects.count(), Case.objects.count()) == (1, 1)


def test_a_message_over_the_limit_is_refused_with_552_and_not_stored(listener: int) -> None:
    huge = crlf(mail(body="A line of a long log.\n" * 15_000))  # 330 kB over a 200 kB limit
    with pytest.raises(smtplib.SMTPSenderRefused) as declared:  # SIZE= in MAIL FROM
        send(listener, huge)
    assert declared.value.smtp_code == 552
    with smtplib.SMTP("127.0.0.1", listener, timeout=30) as client:  # no SIZE declared
        client.ehlo()
        assert client.mail("alice@acme.test")[0] == 250
        assert client.rcpt("support@casework.test")[0] == 250
        assert client.data(huge)[0] == 552  # data() returns the final reply, never raises
    assert not RawInbound.objects.exists()


@override_settings(CASEWORK_SMTP_RATE_LIMIT=2)
def test_a_sender_past_the_rate_limit_is_told_to_retry_with_451(
    listener: int, alice: Persona
) -> None:
    send(listener, mail(message_id="<r1@acme.test>"))
    send(listener, mail(message_id="<r2@acme.test>"))
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(listener, mail(message_id="<r3@acme.test>"))
    assert refused.value.smtp_code == 451
    assert b"try again" in refused.value.smtp_error
    assert RawInbound.objects.count() == 2


@override_settings(CASEWORK_SMTP_RATE_LIMIT=1, CASEWORK_SMTP_RATE_WINDOW_SECONDS=60)
def test_the_rate_window_setting_decides_when_the_sender_may_send_again(
    listener: int, alice: Persona
) -> None:
    start = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        send(listener, mail(message_id="<w1@acme.test>"))
        with pytest.raises(smtplib.SMTPDataError) as refused:
            send(listener, mail(message_id="<w2@acme.test>"))
        assert b"try again in 60 seconds" in refused.value.smtp_error
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        send(listener, mail(message_id="<w2@acme.test>"))
    assert RawInbound.objects.count() == 2


def test_casework_smtpd_is_a_command_with_host_and_port() -> None:
    with pytest.raises(SystemExit):
        call_command("smtpd", "--help")
