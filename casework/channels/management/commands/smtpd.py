"""`casework smtpd [--host H] [--port P]`: the inbound SMTP listener (SPEC §4)."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from casework.channels.email.intake import smtp_controller


class Command(BaseCommand):
    """Thin: parse, start the aiosmtpd controller, wait for SIGTERM/SIGINT, stop it."""

    help = "Receive email over SMTP: each message is stored, then opens or joins a case."

    def add_arguments(self, parser: CommandParser) -> None:
        """--host, --port."""
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
        parser.add_argument("--port", type=int, default=8025, help="port to listen on")

    def handle(self, *args: Any, **options: Any) -> None:
        """Listen until told to stop."""
        stop = threading.Event()

        def _stop(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        controller = smtp_controller(host=options["host"], port=options["port"])
        controller.start()
        self.stdout.write(f"casework smtpd: listening on {options['host']}:{options['port']}")
        self.stdout.flush()
        stop.wait()
        controller.stop()
        self.stdout.write("casework smtpd: stopped")
