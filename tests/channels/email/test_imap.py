"""IMAP polling against a real Dovecot (tests/support.py ``Dovecot``, TESTING.md B2): mail is
stored first and only then marked, moved or deleted on the server; a mailbox that keeps
failing alerts the administrators once, by mail through a real local SMTP server."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.utils import timezone

from casework.accounts.services import user_create
from casework.cases.models import Case
from casework.channels.email import imap
from casework.channels.email.imap import mailbox_poll
from casework.channels.email.mailboxes import mailbox_claim
from casework.channels.models import Mailbox, MailboxAfter, MailboxTls, RawInbound, RawStatus
from tests.cases.conftest import Inbox, Persona
from tests.channels.email.conftest import ImapAccount, mail, mailbox_for

SEEN, FLAGGED, DELETED = r"\Seen", r"\Flagged", r"\Deleted"


def crlf(payload: bytes) -> bytes:
    """Line endings as IMAP carries them."""
    return payload.replace(b"\n", b"\r\n")


@pytest.mark.rule("R65")
def test_a_known_contacts_mail_becomes_a_case_and_a_reply_threads_onto_it(
    db: None, alice: Persona, imap_account: ImapAccount
) -> None:
    mailbox = mailbox_for(imap_account)  # IMAPS, the server's certificate checked
    imap_account.deliver(crlf(mail(subject="Calls drop", body="Since 9:00.")))
    first = mailbox_poll(mailbox=mailbox)
    case = Case.objects.get()
    assert (case.subject, case.requester, case.channel) == ("Calls drop", alice.user, "email")
    assert (first.stored, first.error) == (1, "")
    reply = mail(message_id="<m2@acme.test>", subject=f"Re: [{case.number}] Calls drop",
                 body="Still dropping.\n\nOn Monday, support wrote:\n> old")  # fmt: skip
    imap_account.deliver(crlf(reply))
    mailbox_poll(mailbox=mailbox)
    assert [m.body for m in case.messages.all()] == ["Still dropping."]
    assert Case.objects.count() == 1
    raws = RawInbound.objects.order_by("id")
    assert [(r.source, r.status) for r in raws] == [("imap:support", RawStatus.PROCESSED)] * 2
    assert bytes(raws[0].payload) == crlf(mail(subject="Calls drop", body="Since 9:00."))
    assert imap_account.flags() == [{SEEN}, {SEEN}]  # marked only once stored


def test_the_same_message_id_delivered_twice_is_stored_once(
    db: None, alice: Persona, imap_account: ImapAccount
) -> None:
    mailbox = mailbox_for(imap_account)
    imap_account.deliver(crlf(mail()))
    imap_account.deliver(crlf(mail()))
    result = mailbox_poll(mailbox=mailbox)
    assert (result.stored, result.duplicates) == (1, 1)
    assert RawInbound.objects.count() == 1
    assert Case.objects.count() == 1
    assert imap_account.flags() == [{SEEN}, {SEEN}]


class Crash(BaseException):
    """casework stopping dead (a kill, a power cut) between two steps."""


def test_a_crash_after_storing_leaves_the_mail_unseen_and_the_next_poll_stores_it_once(
    db: None, alice: Persona, imap_account: ImapAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    mailbox = mailbox_for(imap_account)
    imap_account.deliver(crlf(mail()))

    def crash(*args: object) -> None:
        raise Crash

    with monkeypatch.context() as patched:
        patched.setattr(imap, "_after_storing", crash)
        with pytest.raises(Crash):
            mailbox_poll(mailbox=mailbox)
    assert RawInbound.objects.count() == 1  # stored before anything was done on the server
    assert imap_account.flags() == [set()]
    Mailbox.objects.filter(pk=mailbox.pk).update(polling_until=None)  # the dead poller's lease
    again = mailbox_poll(mailbox=mailbox)
    assert (again.stored, again.duplicates) == (0, 1)
    assert (RawInbound.objects.count(), Case.objects.count()) == (1, 1)
    assert imap_account.flags() == [{SEEN}]


@pytest.mark.parametrize("tls", [MailboxTls.STARTTLS, MailboxTls.NONE])
def test_stored_mail_is_moved_to_a_folder_it_creates(
    db: None, alice: Persona, imap_account: ImapAccount, tls: MailboxTls
) -> None:
    mailbox = mailbox_for(
        imap_account, tls=tls, port=imap_account.server.port,
        after_fetch=MailboxAfter.MOVE, move_to="Processed",
    )  # fmt: skip
    imap_account.deliver(crlf(mail()))
    result = mailbox_poll(mailbox=mailbox)
    assert (result.stored, result.error, result.after) == (1, "", "moved to Processed")
    assert imap_account.flags() == []
    assert imap_account.flags("Processed") == [set()]
    assert RawInbound.objects.get().status == RawStatus.PROCESSED


def test_stored_mail_is_deleted_and_nothing_else_is_expunged(
    db: None, alice: Persona, imap_account: ImapAccount
) -> None:
    mailbox = mailbox_for(imap_account, after_fetch=MailboxAfter.DELETE)
    imap_account.deliver(crlf(mail(message_id="<kept@acme.test>")))
    with imap_account.server.session(imap_account.username, imap_account.password) as box:
        box.client.uid("STORE", box.uids()[0], "+FLAGS", r"(\Seen \Deleted)")  # a person's
    imap_account.deliver(crlf(mail()))
    assert mailbox_poll(mailbox=mailbox).stored == 1
    assert imap_account.flags() == [{SEEN, DELETED}]  # only casework's message went
    assert RawInbound.objects.get().dedup_key == "<m1@acme.test>"


def test_an_oversized_message_is_kept_for_a_person_and_never_fetched_again(
    db: None, alice: Persona, imap_account: ImapAccount
) -> None:
    mailbox = mailbox_for(imap_account, after_fetch=MailboxAfter.DELETE)
    big = crlf(mail(message_id="<big@acme.test>", body="x" * 20_000))
    imap_account.deliver(big)
    with override_settings(CASEWORK_EMAIL_MAX_BYTES=10_000):
        result = mailbox_poll(mailbox=mailbox)
        assert (result.oversized, result.stored, result.error) == (1, 0, "")
        kept = RawInbound.objects.get()
        assert (kept.status, kept.case, kept.dedup_key) == (
            RawStatus.FAILED,
            None,
            "<big@acme.test>",
        )
        assert f"too big to fetch: {len(big)} bytes" in kept.reason
        assert "UID 1" in kept.reason
        assert bytes(kept.payload) == big.split(b"\r\n\r\n")[0] + b"\r\n\r\n"  # its headers
        assert imap_account.flags() == [{SEEN, FLAGGED}]  # left on the server, not deleted
        again = mailbox_poll(mailbox=mailbox)
    assert (again.oversized, again.stored, again.duplicates) == (0, 0, 0)
    assert RawInbound.objects.count() == 1
    assert Case.objects.count() == 0


def test_a_wrong_password_three_times_alerts_the_administrators_once(
    transactional_db: None, imap_account: ImapAccount, smtp: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp
    user_create(username="root", email="root@support.test", role="admin")
    user_create(username="bob", email="bob@support.test", role="engineer")
    mailbox = mailbox_for(imap_account)
    results = []
    with override_settings(CASEWORK_IMAP_PASSWORDS={imap_account.password_env: "wrong"}):
        for _ in range(4):
            results.append(mailbox_poll(mailbox=mailbox))
            call_command("worker", "--once")  # runs the alert task (the mailbox is not due)
    assert [(r.failures, r.alerted) for r in results] == [
        (1, False), (2, False), (3, True), (4, False)
    ]  # fmt: skip
    assert "AUTHENTICATIONFAILED" in results[0].error
    assert len(inbox.received) == 1
    envelope, alert = inbox.received[0]
    assert envelope.rcpt_tos == ["root@support.test"]
    assert alert["Subject"] == "casework: mailbox support failed 3 polls in a row"
    assert alert["Auto-Submitted"] == "auto-generated"
    assert "AUTHENTICATIONFAILED" in alert.get_payload()
    failing = Mailbox.objects.get()
    assert failing.consecutive_failures == 4
    assert failing.alerted_at is not None
    assert "AUTHENTICATIONFAILED" in failing.last_error
    assert mailbox_poll(mailbox=failing).error == ""  # the right password again
    recovered = Mailbox.objects.get()
    assert (recovered.consecutive_failures, recovered.alerted_at, recovered.last_error) == (
        0, None, ""
    )  # fmt: skip


def test_a_missing_password_variable_fails_the_poll_with_its_name(
    db: None, imap_account: ImapAccount
) -> None:
    unset = "CASEWORK_IMAP_PASSWORD_NOT_SET"
    mailbox = mailbox_for(imap_account, password_env=unset)
    result = mailbox_poll(mailbox=mailbox)
    assert "CASEWORK_IMAP_PASSWORD_NOT_SET is not set" in result.error
    assert Mailbox.objects.get().consecutive_failures == 1


def test_the_worker_polls_each_enabled_mailbox_every_poll_seconds(
    transactional_db: None, alice: Persona, imap_account: ImapAccount
) -> None:
    mailbox_for(imap_account)
    mailbox_for(imap_account, name="off", enabled=False)
    imap_account.deliver(crlf(mail()))
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        call_command("worker", "--once")
    assert RawInbound.objects.count() == 1
    imap_account.deliver(crlf(mail(message_id="<m2@acme.test>")))
    with time_machine.travel(start + timedelta(seconds=59), tick=False):
        call_command("worker", "--once")  # not due yet
    assert RawInbound.objects.count() == 1
    with time_machine.travel(start + timedelta(seconds=60), tick=False):
        call_command("worker", "--once")
    assert RawInbound.objects.count() == 2
    assert Mailbox.objects.get(name="off").last_polled_at is None


def test_a_mailbox_another_worker_polls_is_skipped(db: None, imap_account: ImapAccount) -> None:
    mailbox = mailbox_for(imap_account)
    assert mailbox_claim(mailbox_id=mailbox.pk, at=timezone.now()) is not None
    result = mailbox_poll(mailbox=mailbox)
    assert result.skipped
    assert result.summary().startswith("support: skipped")
    assert Mailbox.objects.get().last_polled_at is None


def test_the_command_polls_once_and_prints_what_it_did(
    db: None, alice: Persona, imap_account: ImapAccount
) -> None:
    mailbox_for(imap_account, enabled=False)  # named, a disabled mailbox is polled too
    imap_account.deliver(crlf(mail()))
    out = StringIO()
    call_command("imap", "poll", "--mailbox", "support", stdout=out)
    raw = RawInbound.objects.get()
    case = Case.objects.get()
    assert out.getvalue().splitlines() == [
        "support: 1 new, 0 duplicate, 0 too big; marked seen",
        f"  UID 1: processed as input {raw.pk}: opened {case.number}",
    ]
    with pytest.raises(CommandError, match="no mailbox is named 'nope'"):
        call_command("imap", "poll", "--mailbox", "nope")
    out = StringIO()
    call_command("imap", "poll", stdout=out)  # every enabled one: none is
    assert out.getvalue().startswith("no enabled mailbox")


def test_the_command_prints_a_failed_poll_and_exits_non_zero(
    db: None, imap_account: ImapAccount
) -> None:
    mailbox_for(imap_account, port=imap_account.server.port, tls=MailboxTls.NONE)
    out = StringIO()
    with (
        override_settings(CASEWORK_IMAP_PASSWORDS={imap_account.password_env: "wrong"}),
        pytest.raises(CommandError, match="1 of 1 mailbox"),
    ):
        call_command("imap", "poll", stdout=out)
    assert out.getvalue().startswith("support: FAILED (1 in a row): MailboxLoginError")


def test_the_admins_poll_now_action_polls_and_says_how_it_went(
    db: None, alice: Persona, imap_account: ImapAccount
) -> None:
    mailbox = mailbox_for(imap_account)
    imap_account.deliver(crlf(mail()))
    client = Client()
    client.force_login(user_create(username="root", email="root@support.test", role="admin"))
    page = client.post(
        "/admin/intake/mailbox/",
        {"action": "poll_now", "_selected_action": [mailbox.pk]},
        follow=True,
    )
    assert (
        "Support: 1 new, 0 duplicate, 0 too big; marked seen" in page.content.decode()
    )  # capfirst
    assert Case.objects.count() == 1
