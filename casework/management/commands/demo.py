"""`casework demo`: the embedded setup with demo data, in one command."""

import signal
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from casework.cases.worker import worker_thread_start
from casework.demo import demo_logins_create


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


class Command(BaseCommand):
    """Thin: migrate, load the packs, make the demo logins, print them, serve."""

    help = (
        "Migrate, load the policy packs, create demo data, print its logins and serve "
        "on 127.0.0.1:8000."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        """--port, --no-demo-data."""
        parser.add_argument("--port", type=int, default=8000, help="port to serve on (8000)")
        parser.add_argument(
            "--no-demo-data", action="store_true", help="skip the demo users and data"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Set up, then serve until interrupted."""
        self.stdout.write("casework demo: migrating the database...")
        call_command("migrate", interactive=False, verbosity=0)
        self._load_packs(sorted((settings.BASE_DIR / "policy-packs").glob("*.yaml")))
        if not options["no_demo_data"]:
            self.stdout.write("Demo logins (the passwords are new on every run):")
            for login in demo_logins_create():
                self.stdout.write(f"  {login.username:<8}  {login.password}  {login.role}")
            base = f"http://127.0.0.1:{options['port']}"
            self.stdout.write(
                f"Sign in at {base}/accounts/login/ with a username and its password: "
                f"staff land on the console ({base}/console/), the contacts on the portal "
                f"({base}/portal/). Administration: {base}/admin/"
            )
        # SPEC §2: one process serves HTTP and runs the worker (tasks, the SLA sweep, IMAP).
        thread, stop = worker_thread_start(sweep_interval=settings.CASEWORK_SWEEP_INTERVAL)
        # uvicorn shuts down on SIGTERM and then raises it again: make that an orderly exit,
        # so the worker thread finishes its tick and stops below (SIGINT already is one).
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
        self.stdout.write("casework demo: worker thread started (tasks, SLA sweep, IMAP polls)")
        try:
            call_command("serve", host="127.0.0.1", port=options["port"])
        finally:
            stop.set()
            thread.join(timeout=10)

    def _load_packs(self, packs: list[Path]) -> None:
        """Load each pack through `casework policy load` (a no-op for unchanged files)."""
        if not packs:
            self.stdout.write(self.style.WARNING("no policy packs found in policy-packs/"))
        for pack in packs:
            self.stdout.write(f"casework demo: loading {pack.name}...")
            call_command("policy", "load", str(pack))
