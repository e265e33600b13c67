"""`casework imap poll [--mailbox NAME]`: poll IMAP mailboxes once and say what it did."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework.channels.email.imap import mailbox_poll
from casework.channels.models import Mailbox
from casework.channels.selectors import mailboxes_named


class Command(BaseCommand):
    """Thin: find the mailboxes, poll each once, print a summary of each and each message's outcome;
    exit 1 when a poll failed (after printing it)."""

    help = (
        "IMAP mailboxes: `poll [--mailbox NAME]` polls each enabled one (or the one named) "
        "once, as the worker does.\n\nEvery unseen message is stored, then marked seen, moved "
        "or deleted on the server as the mailbox says; a mailbox named is polled even when "
        "disabled, to try it before it is switched on."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        """poll [--mailbox NAME]."""
        sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        poll = sub.add_parser("poll", help="poll once: store new mail, then mark/move/delete it")
        poll.add_argument(
            "--mailbox",
            metavar="NAME",
            default=None,
            help="the mailbox to poll, even if disabled (default: every enabled one)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Poll and report."""
        try:
            mailboxes = mailboxes_named(options["mailbox"])
        except Mailbox.DoesNotExist:
            raise CommandError(f"no mailbox is named {options['mailbox']!r}") from None
        if not mailboxes:
            self.stdout.write("no enabled mailbox: add one in the admin (/admin/intake/mailbox/)")
            return
        failed = 0
        for mailbox in mailboxes:
            result = mailbox_poll(mailbox=mailbox)
            self.stdout.write(result.summary())
            for line in result.lines:
                self.stdout.write(f"  {line}")
            failed += bool(result.error)
        if failed:
            raise CommandError(f"{failed} of {len(mailboxes)} mailbox(es) failed")
