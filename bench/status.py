"""The public status page under load: ``/status/`` with 100 components and 1,000 past
incidents, through a real server on loopback, cached and uncached; and what the incident
suggestion costs each case opened.

    python bench/status.py [--components 100] [--incidents 1000] [--requests 300]

A script that prints figures, not a test. A fresh SQLite database in a temporary folder (or
``--database-url``, an empty PostgreSQL database) gets the LivePerson pack, 100 components
in 10 groups, 50 customers each with a service account on two components, 1,000 resolved
incidents spread over the last two years (1-3 components each, three updates: investigating,
identified, resolved; about 120 fall in the 90 days the bars show), two open incidents and
one maintenance window in progress. All of it is made through the services, as the NOC
would.

1. **In process**: the board rendered without the cache (status, history and template), the
   median of ``--renders`` renders.
2. **Through a server**: ``casework serve`` (uvicorn, the threads of the embedded default) on
   127.0.0.1, ``--requests`` sequential ``GET /status/`` on one kept-alive connection: the
   page as deployed (board cached under the database revision) and with
   ``CASEWORK_STATUS_CACHE_SECONDS=0`` (every request renders). Median, p95, slowest.
3. **Case creation**: ``case_open`` for a customer whose account is on a component with an
   open incident (two suggestions made each time), for one whose are not (one query), and
   with the receiver that suggests links disconnected.

There is no peer in ../shared/peers for a status page (django-helpdesk has none, and the
hosted pages users pick instead, Atlassian Statuspage and the like, cannot run here).
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from casework.accounts.models import Organization

from benchlib import bench_environment, percentile

ROOT = Path(__file__).resolve().parent.parent
CASEWORK = Path(sys.executable).parent / "casework"
STATES = ("degraded", "partial_outage", "major_outage")


class Bench:
    def __init__(self, args: argparse.Namespace, env: dict[str, str]) -> None:
        from django.db import connection

        self.args = args
        self.env = env
        self.vendor = connection.vendor
        self.rng = random.Random(42)  # noqa: S311 - reproducible data, not secrets
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.figures: dict[str, Any] = {}

    def run(self) -> None:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        self.seed()
        print(f"casework status benchmark on {platform.node()}: {self._machine()}")
        print(f"database {self.vendor}; seeded in {time.perf_counter() - started:.1f} s: "
              f"{self.args.components} components, {self.args.incidents} past incidents "
              f"({self.recent} in the last 90 days), 2 open, 1 maintenance in progress",
        )  # fmt: skip
        if self.args.profile:
            from pyinstrument import Profiler

            with Profiler() as profiler:
                self.render()
            profiler.print(short_mode=True)
        self.render()
        for cached in (True, False):
            self.serve(cached=cached)
        self.creation()
        self.report()

    @staticmethod
    def _machine() -> str:
        cpus = os.cpu_count()
        return f"{platform.machine()}, {cpus} CPU, Python {platform.python_version()}"

    # -- data ------------------------------------------------------------------------------

    def seed(self) -> None:
        from casework.accounts.models import ContactRole, ServiceAccount
        from casework.accounts.services import organization_create, user_create
        from casework.policies.services import policy_version_load
        from casework.status.models import Maintenance, MaintenanceStatus
        from casework.status.services import (
            component_accounts_set,
            component_create,
            incident_open,
            incident_update_post,
        )

        path = ROOT / "policy-packs" / "liveperson.yaml"
        policy_version_load(text=path.read_text(encoding="utf-8"), filename=str(path))
        self.noc = user_create(username="nora", email="nora@bench.test", role="noc")
        since = self.now - timedelta(days=800)
        components = []
        for n in range(self.args.components):
            component = component_create(
                name=f"Component {n:03d}", group=f"Group {n // 10}", region="na"
            )
            component.created_at = since
            component.save(update_fields=["created_at"])
            components.append(component)
        self.components = components
        self.customers: list[tuple[Organization, User]] = []
        for n in range(50):
            organization = organization_create(
                name=f"Customer {n:02d}", policy_id="liveperson", plan_id="enhanced",
                effective_from=since,
            )  # fmt: skip
            account = ServiceAccount.objects.create(organization=organization, name=f"Acct {n}")
            for component in (
                components[n % len(components)],
                components[(n * 7 + 3) % len(components)],
            ):
                component_accounts_set(
                    component=component, accounts=[*component.service_accounts.all(), account]
                )
            if n < 2:  # customer 0 runs on a component with an open incident, 1 does not
                contact = user_create(
                    username=f"carol{n}", email=f"carol{n}@bench.test", role="contact",
                    organization=organization, contact_role=ContactRole.ADMINISTRATOR,
                )  # fmt: skip
                self.customers.append((organization, contact))
        self.recent = 0
        for _ in range(self.args.incidents):
            start = self.now - timedelta(seconds=self.rng.randrange(3 * 86400, 730 * 86400))
            self.recent += start > self.now - timedelta(days=90)
            length = timedelta(minutes=self.rng.randrange(10, 360))
            affected = self.rng.sample(components, self.rng.randint(1, 3))
            incident = incident_open(
                title="Elevated errors", impact="major",
                components={c: self.rng.choice(STATES) for c in affected},
                message="We are investigating.", actor=self.noc, at=start,
            )  # fmt: skip
            incident_update_post(
                incident=incident, status="identified", message="Found it.", actor=self.noc,
                at=start + length / 3, component_states={affected[0]: "degraded"},
            )  # fmt: skip
            incident_update_post(
                incident=incident, status="resolved", message="Fixed.", actor=self.noc,
                at=start + length,
            )  # fmt: skip
        for target in (components[0], components[5]):
            incident_open(
                title="Delivery delayed", impact="major", components={target: "partial_outage"},
                message="We are investigating.", actor=self.noc, at=self.now - timedelta(hours=1),
            )  # fmt: skip
        window = Maintenance.objects.create(
            title="Database upgrade", policy_id="liveperson", region="na",
            status=MaintenanceStatus.IN_PROGRESS, starts_at=self.now - timedelta(minutes=30),
            ends_at=self.now + timedelta(hours=2), announce_at=self.now - timedelta(days=5),
            announced_at=self.now - timedelta(days=5), started_at=self.now - timedelta(minutes=30),
        )  # fmt: skip
        window.components.set(components[40:43])

    # -- 1. in process ---------------------------------------------------------------------

    def render(self) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext
        from django.utils import timezone

        from casework.status.views import _board

        times = []
        for _ in range(self.args.renders):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                board, _groups = _board(at=timezone.now())
            times.append((time.perf_counter() - started) * 1000)
        self.figures["render_ms"] = statistics.median(times)
        self.figures["render_queries"] = len(queries)
        self.figures["board_kb"] = len(board.encode()) / 1024

    # -- 2. through a server ---------------------------------------------------------------

    def serve(self, *, cached: bool) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        env = {**os.environ, **self.env}
        env["CASEWORK_STATUS_CACHE_SECONDS"] = "30" if cached else "0"
        command = [str(CASEWORK), "serve", "--port", str(port)]
        log = open(Path(tempfile.gettempdir()) / "casework-bench-status.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(command, env=env, stdout=log, stderr=log)  # noqa: S603
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.1)
            else:
                raise SystemExit("casework serve did not start")
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            times = []
            for n in range(self.args.requests + 5):
                started = time.perf_counter()
                connection.request("GET", "/status/")
                response = connection.getresponse()
                body = response.read()
                elapsed = (time.perf_counter() - started) * 1000
                if response.status != 200 or b"Component 099" not in body:
                    raise SystemExit(f"/status/ answered {response.status}")
                if n >= 5:  # the first requests warm the process (and fill the cache)
                    times.append(elapsed)
            key = "cached" if cached else "uncached"
            self.figures[f"http_{key}"] = (
                statistics.median(times),
                percentile(times, 0.95),
                max(times),
            )
            self.figures["page_kb"] = len(body) / 1024
        finally:
            process.terminate()
            process.wait(timeout=30)
            log.close()

    # -- 3. case creation ------------------------------------------------------------------

    def creation(self) -> None:
        from casework.cases.models import Case
        from casework.cases.services import CaseDraft, case_open
        from casework.cases.signals import case_opened
        from casework.status.models import CaseLink
        from casework.status.receivers import case_opened_suggest

        def one(customer: int) -> float:
            organization, contact = self.customers[customer]
            draft = CaseDraft(
                organization=organization, subject="Messages are delayed", description="",
                environment="production", priority="sev2", channel="portal",
            )  # fmt: skip
            started = time.perf_counter()
            case_open(draft=draft, requester=contact, at=self.now)
            return (time.perf_counter() - started) * 1000

        # The three kinds take turns, case by case, so that neither the tables' growth nor
        # the database warming up favours one of them.
        times: dict[str, list[float]] = {"affected": [], "clear": [], "without": []}
        for n in range(self.args.cases + 20):
            kept = n >= 20  # the first rounds warm up
            for kind, customer in (("affected", 0), ("clear", 1)):
                elapsed = one(customer)
                if kept:
                    times[kind].append(elapsed)
            case_opened.disconnect(sender=Case, dispatch_uid="status-suggest")
            try:
                elapsed = one(1)
            finally:
                case_opened.connect(case_opened_suggest, sender=Case, dispatch_uid="status-suggest")
            if kept:
                times["without"].append(elapsed)
        suggested = CaseLink.objects.filter(kind=CaseLink.Kind.SUGGESTED).count()
        affected, clear, without = (statistics.median(times[k]) for k in times)
        self.figures["case_open_ms"] = (affected, clear, without, suggested)

    # -- report ----------------------------------------------------------------------------

    def report(self) -> None:
        f = self.figures
        print()
        print(f"{'workload':<52} {'median':>9} {'p95':>9} {'slowest':>9}")
        for key, label in (
            ("http_cached", "GET /status/ through casework serve, cached"),
            ("http_uncached", "GET /status/ through casework serve, uncached"),
        ):
            median, p95, top = f[key]
            print(f"{label:<52} {median:>6.1f} ms {p95:>6.1f} ms {top:>6.1f} ms")  # fmt: skip
        print(f"{'board rendered in process, no cache':<52} {f['render_ms']:>6.1f} ms"
              f"   ({f['render_queries']} queries, board {f['board_kb']:.0f} KiB, "
              f"page {f['page_kb']:.0f} KiB)")  # fmt: skip
        affected, clear, without, suggested = f["case_open_ms"]
        for label, value in (
            ("case_open, customer on an affected component", affected),
            ("case_open, customer on unaffected components", clear),
        ):
            print(f"{label:<52} {value:>6.2f} ms   (+{value - without:.2f} ms, "
                  f"{100 * (value / without - 1):+.0f}%)")  # fmt: skip
        print(f"{'case_open without the suggestion (disconnected)':<52} {without:>6.2f} ms"
              f"   ({suggested} suggestions made)")  # fmt: skip
        target = "met" if f["http_cached"][0] < 50 else "MISSED"
        print(f"\ntarget: /status/ under 50 ms median with {self.args.components} components "
              f"and {self.args.incidents} past incidents: {target}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: SQLite)")
    parser.add_argument("--components", type=int, default=100)
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--renders", type=int, default=20)
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--profile", action="store_true", help="profile the in-process render")
    args = parser.parse_args()
    env = bench_environment(args.database_url)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    Bench(args, env).run()


if __name__ == "__main__":
    main()
