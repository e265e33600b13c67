"""`casework worker [--once] [--interval S]`: background tasks and the SLA sweep, in a loop."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from casework.cases.worker import worker_loop


class Command(BaseCommand):
    """Thin: parse, install the signal handlers, run the loop until SIGTERM/SIGINT."""

    help = (
        "Run background tasks (notification mail), the SLA sweep every "
        "CASEWORK_SWEEP_INTERVAL seconds and IMAP polls every CASEWORK_IMAP_POLL_SECONDS "
        "until SIGTERM or SIGINT."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        """--once, --interval."""
        parser.add_argument(
            "--once",
            action="store_true",
            help="sweep once, poll the mailboxes due, run the tasks due, and exit",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="seconds between sweeps (default: CASEWORK_SWEEP_INTERVAL)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Loop until told to stop; finishes the current tick first."""
        interval = options["interval"] or float(settings.CASEWORK_SWEEP_INTERVAL)
        stop = threading.Event()

        def _stop(signum: int, frame: FrameType | None) -> None:
            self.stdout.write(f"casework worker: {signal.strsignal(signum)}, stopping")
            self.stdout.flush()
            stop.set()

        if not options["once"]:
            signal.signal(signal.SIGTERM, _stop)
            signal.signal(signal.SIGINT, _stop)
            self.stdout.write(f"casework worker: running (sweep every {interval:g} s)")
            self.stdout.flush()
        worker_loop(stop=stop, sweep_interval=interval, once=options["once"])
        self.stdout.write("casework worker: stopped")
