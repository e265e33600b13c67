"""`casework sla sweep [--at ISO]` and `casework sla rebuild`: thin CLI over the sweep."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from casework.cases.clocks import case_clocks_refresh
from casework.cases.models import Case
from casework.cases.sweep import clock_sweep


def _instant(text: str) -> datetime:
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--at: expected an ISO 8601 instant, got {text!r}") from None
    if instant.utcoffset() is None:
        raise CommandError(f"--at: {text!r} has no UTC offset; add one (e.g. Z or +01:00)")
    return instant


class Command(BaseCommand):
    """Evaluate every running clock and act on what is due, or rebuild stored clocks."""

    help = "SLA clocks: `sweep [--at ISO]` acts on due warnings and breaches; `rebuild` recomputes."

    def add_arguments(self, parser: CommandParser) -> None:
        """sweep [--at ISO] | rebuild [--at ISO]."""
        sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        sweep = sub.add_parser("sweep", help="act on every warning and breach due (once each)")
        sweep.add_argument("--at", type=_instant, default=None, help="instant (default: now)")
        rebuild = sub.add_parser("rebuild", help="recompute every case's stored clocks")
        rebuild.add_argument("--at", type=_instant, default=None, help="instant (default: now)")

    def handle(self, *args: Any, **options: Any) -> None:
        """Dispatch."""
        at = options["at"] or timezone.now()
        if options["action"] == "sweep":
            lines = clock_sweep(at=at)
            for line in lines:
                self.stdout.write(str(line))
            self.stdout.write(f"sweep at {at.isoformat()}: {len(lines)} action(s)")
            return
        total = Case.objects.count()
        for done, case in enumerate(Case.objects.order_by("pk").iterator(), start=1):
            case_clocks_refresh(case, at=at)
            if done % 1000 == 0 or done == total:
                self.stdout.write(f"rebuilt {done}/{total} cases")
        if total == 0:
            self.stdout.write("no cases to rebuild")
