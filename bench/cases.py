"""Cases at scale: creation through the API, the agent list, search, the sweep's due query, memory.

    python bench/cases.py                                   # SQLite, in a fresh temporary folder
    python bench/cases.py --database-url postgres://postgres@127.0.0.1:5432/empty_db

A script that prints figures, not a test. The database must be empty: SQLite runs in a new
temporary ``CASEWORK_VAR_DIR``; a PostgreSQL URL must name an empty database you may fill.
Every figure is compared with django-helpdesk 2.6.1 as measured on this machine kind in
../shared/peers/FIGURES.md and with the targets of issue 3.

1. **Creation**: ``--create`` cases (default 2,000, in batches of 500) through
   ``POST /api/v1/cases`` with Django's test client, in this process (as the helpdesk figure
   was taken): token auth, validation, the case, its history and its clocks computed by the
   policy engine. An engineer opens them for a customer on LiveOps Standard.
   **Through uvicorn** (``--http``, default ``1x1,2x4``): the same number again, posted to a
   real ``uvicorn --workers W`` on 127.0.0.1 by C client threads at once (``WxC``), over
   keep-alive connections; the clients run in this process, on the same 2 cores.
2. **Seeding to 10k**: more cases through the real service (``case_open``), every tenth with
   a public reply (``case_message_add``), at instants spread over two weeks, so clocks and
   history are the engine's own.
3. **Seeding to 100k**: bulk copies of those 10k cases, each with its history and its clocks
   as stored, at the same instants: a copy's history is its original's, so its clocks are
   what the engine computes from it (the script checks a sample with ``case_clocks_refresh``,
   which must change nothing). The search index is kept by the database (triggers, generated
   column), so copies are indexed like any write.
4. **Latency**, at 10k and at 100k: a real ``uvicorn`` (one worker, ASGI) on 127.0.0.1 serving
   sequential keep-alive requests from an engineer's token: the first page of the agent list
   (``GET /api/v1/cases?limit=25``) and a search for a rare word (1 case in 1,000) and a
   common one; ``--requests`` timed requests each (default 100) after 3 untimed ones; p50/p95.
   On PostgreSQL the tables are VACUUM ANALYZEd after seeding.
5. **Sweep**: synthetic ``Clock`` rows bulk-inserted up to ``--clocks`` (default 1,000,000),
   ``next_action_at`` spread from a day ago to 30 days ahead (about 3% due), then the sweep's
   own "what is due" query (``casework.cases.sweep._due_case_ids``: ``next_action_at <= now``
   ordered, LIMIT) timed per tick.
6. **Memory**: peak RSS (VmHWM) of the uvicorn worker that served all of the above, and of
   this process.
7. **django-helpdesk in the same run** (``--helpdesk``): right after casework's creation
   figure, ../shared/peers/hd_setup.sh makes a fresh helpdesk database of the same kind (its
   own SQLite file, or a ``helpdesk`` database on the same PostgreSQL server) and
   ``hd_bench.py create`` opens the same number of tickets in batches of the same size
   through helpdesk's staff view, in its own process, as FIGURES.md measured it. The ratio
   printed is then casework's median batch over helpdesk's, both from this run.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from benchlib import bench_environment, percentile

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

_WORDS = (
    "printer network login email password server calls drop audio video latency queue "
    "agent dashboard report export import billing invoice license upgrade install crash "
    "error timeout slow screen button mobile browser certificate proxy firewall router "
    "database backup restore sync calendar contact phone voicemail transfer conference "
    "recording headset microphone speaker volume echo jitter packet loss bandwidth dns "
    "gateway trunk carrier routing outage"
)
VOCABULARY = _WORDS.split()
RARE = "quokka"  # in 1 case in 1,000
COMMON = VOCABULARY[0]  # "printer": in most cases

# django-helpdesk 2.6.1, ../shared/peers/FIGURES.md (medians; p95 where the target is a p95).
PEER = {
    "sqlite": {"create": 87.6, "list10k": 128, "list100k": 649, "rare100k": 190, "rss": 74.7},
    "postgresql": {"create": 86.4, "list10k": 176, "list100k": 913, "rare100k": 533, "rss": 277},
}
# Run by helpdesk's own Python in its project folder: a logged-in agent's session cookie (as
# ../shared/peers/hd_bench.py makes one), the queue ids and the agent ids, space-separated.
_HELPDESK_LOGIN = """
import os, sys
sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hdproj.settings")
import django
django.setup()
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from helpdesk.models import Queue
agents = get_user_model().objects.filter(username__startswith="agent").order_by("id")
client = Client()
client.force_login(agents[0])
name = settings.SESSION_COOKIE_NAME
print(f"{name}={client.cookies[name].value}",
      ",".join(str(q.id) for q in Queue.objects.order_by("id")),
      ",".join(str(a.id) for a in agents))
"""

TARGET = {"create": 450, "list_p95": 50, "growth": 1.5, "search": 50, "sweep": 5, "rss": 100}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: SQLite)")
    parser.add_argument("--create", type=int, default=2000)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--clocks", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument(
        "--http", default="1x1,2x4",
        help="creation through uvicorn: WORKERSxCLIENTS configurations ('' to skip)",
    )  # fmt: skip
    parser.add_argument(
        "--helpdesk", action="store_true",
        help="also time django-helpdesk's creation in this run (../shared/peers, PEERBENCH_DIR)",
    )  # fmt: skip
    args = parser.parse_args()
    env = bench_environment(args.database_url)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")
    import django

    django.setup()
    Bench(args, env).run()


def _words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(VOCABULARY) for _ in range(n))


def _text(rng: random.Random, n: int) -> tuple[str, str]:
    """A 6-word subject and a 40-word description; the rare word in 1 case in 1,000."""
    subject = _words(rng, 6)
    description = COMMON + " " + _words(rng, 39) if rng.random() < 0.55 else _words(rng, 40)
    if n % 1000 == 500:
        description += " " + RARE
    return subject, description


class Bench:
    def __init__(self, args: argparse.Namespace, env: dict[str, str]) -> None:
        from django.db import connection

        self.args = args
        self.env = env
        self.vendor = connection.vendor
        self.figures: dict[str, Any] = {"database": self.vendor}
        self.rng = random.Random(42)  # noqa: S311 - reproducible text, not secrets
        self.made = 0  # cases so far, for the text generator

    # -- set-up ------------------------------------------------------------------------------

    def run(self) -> None:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        self._people()
        self._say(f"casework cases benchmark on {self._machine()}")
        self.create()
        if self.args.helpdesk:
            self.helpdesk_create()
        for config in filter(None, self.args.http.split(",")):
            workers, clients = (int(n) for n in config.split("x"))
            self.create_http(workers, clients)
            if self.args.helpdesk:
                self.helpdesk_create_http(workers, clients)
        sizes = [int(s) for s in self.args.sizes.split(",")]
        self.server = Server(self.env)
        try:
            for size in sizes:
                self.seed(size)
                self.latency(size)
            self.sweep()
            self.figures["rss_worker_mb"] = self.server.peak_rss_mb()
        finally:
            self.server.stop()
        self.figures["rss_bench_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.report(sizes)

    def _people(self) -> None:
        from casework.accounts.services import organization_create, token_create, user_create
        from casework.policies.services import policy_version_load

        for name in ("liveops", "liveperson"):
            path = ROOT / "policy-packs" / f"{name}.yaml"
            policy_version_load(text=path.read_text(encoding="utf-8"), filename=str(path))
        self.org = organization_create(
            name="Acme", policy_id="liveops", plan_id="standard",
            effective_from=datetime(2026, 1, 1, tzinfo=UTC),
        )  # fmt: skip
        self.engineer = user_create(username="bob", email="bob@support.test", role="engineer")
        _, self.token = token_create(user=self.engineer, name="bench")

    def _machine(self) -> str:
        from django.db import connection

        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute("SHOW server_version")
            else:
                cursor.execute("SELECT sqlite_version()")
            db_version = cursor.fetchone()[0]
        return (
            f"{platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"{self.vendor} {db_version}"
        )

    def _say(self, text: str) -> None:
        print(text, flush=True)

    # -- 1. creation through the API ---------------------------------------------------------

    def create(self) -> None:
        from django.test import Client

        client = Client(headers={"Authorization": f"Bearer {self.token}"})
        rates: list[float] = []
        total = self.args.create
        batch = 500
        started = time.perf_counter()
        done = 0
        while done < total:
            n = min(batch, total - done)
            t0 = time.perf_counter()
            for _ in range(n):
                subject, description = _text(self.rng, self.made)
                body = {
                    "organization": self.org.pk, "subject": subject,
                    "description": description, "environment": "production",
                }  # fmt: skip
                response = client.post("/api/v1/cases", body, content_type="application/json")
                if response.status_code != 201:
                    raise SystemExit(f"create failed: {response.status_code} {response.content!r}")
                self.made += 1
            rates.append(n / (time.perf_counter() - t0))
            done += n
        overall = total / (time.perf_counter() - started)
        self.figures["create_per_s"] = statistics.median(rates)
        self.figures["create_overall_per_s"] = overall
        self.figures["create_batches"] = [round(r, 1) for r in rates]
        self._say(
            f"created {total} cases through POST /api/v1/cases (test client, in-process): "
            f"median batch {statistics.median(rates):.0f}/s, overall {overall:.0f}/s, "
            f"batches {[round(r) for r in rates]}"
        )

    # -- 1b. creation through a real uvicorn, with clients at once ------------------------------

    def create_http(self, workers: int, clients: int) -> None:
        """``--create`` cases posted by ``clients`` threads (one keep-alive connection each)
        to a real ``uvicorn --workers N`` on 127.0.0.1; the figure is cases/s over the whole
        run, after 100 untimed ones. The threads share this process and the 2 cores."""
        bodies = []
        for _ in range(self.args.create + 100):
            subject, description = _text(self.rng, self.made)
            self.made += 1
            bodies.append(json.dumps({
                "organization": self.org.pk, "subject": subject,
                "description": description, "environment": "production",
            }).encode())  # fmt: skip
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        server = Server(self.env, workers=workers)
        rate = server.rate("/api/v1/cases", headers, bodies, clients, expect=201)
        self.figures[f"create_http_{workers}x{clients}"] = rate
        self._say(f"created {self.args.create} cases through uvicorn ({workers} worker(s), "
                  f"{clients} client(s) at once): {rate:.0f}/s")  # fmt: skip

    # -- 7. django-helpdesk's creation, same run --------------------------------------------

    def _helpdesk_env(self) -> tuple[dict[str, str], Path]:
        """The environment of ../shared/peers' helpdesk project, on this run's database kind
        (its own SQLite file, or a ``helpdesk`` database on the same PostgreSQL server)."""
        env = os.environ.copy()
        for name in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "CASEWORK_VAR_DIR"):
            env.pop(name, None)
        env.setdefault("PEERBENCH_DIR", str(Path(tempfile.gettempdir()) / "peerbench"))
        if self.vendor == "postgresql":
            url = urlsplit(self.args.database_url)
            env |= {"HD_DB": "pg", "HD_PG_PORT": str(url.port or 5432)}
        else:
            env |= {"HD_DB": "sqlite", "HD_SQLITE_NAME": "hd-same-run.sqlite3"}
        return env, Path(env["PEERBENCH_DIR"]) / "venv-hd" / "bin" / "python"

    def helpdesk_create(self) -> None:
        peers = ROOT.parent / "shared" / "peers"
        env, python = self._helpdesk_env()
        subprocess.run(["bash", str(peers / "hd_setup.sh")], env=env, check=True,  # noqa: S603,S607
                       stdout=subprocess.DEVNULL)  # fmt: skip
        batch = min(500, self.args.create)
        done = subprocess.run(  # noqa: S603
            [str(python), "hd_bench.py", "create", "--n", str(self.args.create),
             "--batch", str(batch)],
            cwd=peers, env=env, check=True, capture_output=True, text=True,
        )  # fmt: skip
        rates = [float(m) for m in re.findall(r"batch \d+: ([\d.]+) tickets/s", done.stdout)]
        self.figures["helpdesk_create_per_s"] = statistics.median(rates)
        self.figures["helpdesk_create_batches"] = rates
        self._say(
            f"django-helpdesk, same run: {self.args.create} tickets through its staff view: "
            f"median batch {statistics.median(rates):.0f}/s, batches {[round(r) for r in rates]}"
        )

    def helpdesk_create_http(self, workers: int, clients: int) -> None:
        """django-helpdesk's staff view through ``gunicorn --workers N`` (its usual server,
        sync workers), with the same clients as :meth:`create_http`: a logged-in agent's
        session cookie and a CSRF cookie/header pair, form posts answered by 302."""
        env, python = self._helpdesk_env()
        peers = ROOT.parent / "shared" / "peers"
        login = subprocess.run(  # noqa: S603
            [str(python), "-c", _HELPDESK_LOGIN], cwd=peers / "hdproj", env=env, check=True,
            capture_output=True, text=True,
        ).stdout.split()  # fmt: skip
        cookie, queues, agents = login[0], login[1].split(","), login[2].split(",")
        csrf = "b" * 32  # Django accepts an unmasked secret equal to the cookie's
        server = Server(self.env, workers=workers, command=[
            str(python.with_name("gunicorn")), "--workers", str(workers), "--log-level",
            "warning", "--chdir",
            str(peers / "hdproj"), "hdproj.wsgi:application",
        ], child_env=env)  # fmt: skip
        bodies = []
        for k in range(self.args.create + 100):
            subject, description = _text(self.rng, k)
            bodies.append(urlencode({
                "queue": queues[k % len(queues)], "title": subject, "body": description,
                "priority": str(k % 5 + 1), "submitter_email": f"customer{k}@example.org",
                "assigned_to": agents[k % len(agents)] if k % 3 else "", "due_date": "",
            }).encode())  # fmt: skip
        headers = {
            "Cookie": f"{cookie}; csrftoken={csrf}", "X-CSRFToken": csrf,
            "Content-Type": "application/x-www-form-urlencoded",
        }  # fmt: skip
        rate = server.rate("/helpdesk/tickets/submit/", headers, bodies, clients, expect=302)
        self.figures[f"helpdesk_create_http_{workers}x{clients}"] = rate
        self._say(f"django-helpdesk, same run: {self.args.create} tickets through gunicorn "
                  f"({workers} worker(s), {clients} client(s) at once): {rate:.0f}/s")  # fmt: skip

    # -- 2-3. seeding --------------------------------------------------------------------------

    def seed(self, size: int) -> None:
        from casework.cases.models import Case

        have = Case.objects.count()
        if have >= size:
            return
        t0 = time.perf_counter()
        service_limit = 10_000
        if have < service_limit:
            self._seed_services(min(size, service_limit) - have)
        have = Case.objects.count()
        if have < size:
            self._seed_copies(size - have)
        self._analyze()
        self._say(f"seeded to {Case.objects.count()} cases in {time.perf_counter() - t0:.0f} s")

    def _seed_services(self, count: int) -> None:
        from casework.cases.services import CaseDraft, case_message_add, case_open

        base = datetime(2026, 11, 9, 8, 0, tzinfo=UTC)
        for i in range(count):
            at = base + timedelta(seconds=(i * 7919) % (14 * 86400))
            subject, description = _text(self.rng, self.made)
            draft = CaseDraft(
                organization=self.org, subject=subject, description=description,
                environment=("production", "staging", "development")[i % 3], channel="api",
            )  # fmt: skip
            case = case_open(draft=draft, requester=self.engineer, at=at)
            if i % 10 == 0:
                case_message_add(
                    case=case, author=self.engineer, body=_words(self.rng, 30), public=True,
                    from_support=True, at=at + timedelta(minutes=20),
                )  # fmt: skip
            self.made += 1

    def _seed_copies(self, count: int) -> None:
        from django.db import transaction

        from casework.cases.clocks import case_clocks_refresh
        from casework.cases.models import Case, CaseEvent, Clock

        sources = list(Case.objects.order_by("pk").values_list("pk", flat=True))
        made = 0
        chunk = 1000
        copies: list[Case] = []
        while made < count:
            for start in range(0, len(sources), chunk):
                ids = sources[start : start + chunk][: count - made]
                if not ids:
                    break
                with transaction.atomic():
                    copies += self._copy(ids, Case, CaseEvent, Clock)
                made += len(ids)
                if made >= count:
                    break
        for copy in random.Random(7).sample(copies, 20):  # noqa: S311
            before = list(copy.clocks.values_list("key", "state", "due_at", "next_action_at"))
            last = copy.events.order_by("-at").values_list("at", flat=True).first()
            case_clocks_refresh(copy, at=last)
            after = list(copy.clocks.values_list("key", "state", "due_at", "next_action_at"))
            if before != after:  # the copies' clocks must be the engine's
                raise SystemExit(f"copy {copy.pk}: stored {before}, engine {after}")

    def _copy(self, ids: list[int], case_model: Any, event_model: Any,
              clock_model: Any) -> list[Any]:  # fmt: skip
        originals = list(case_model.objects.filter(pk__in=ids).order_by("pk"))
        new = []
        for case in originals:
            copy_of = case.pk
            case.pk = None
            case._copy_of = copy_of
            new.append(case)
        case_model.objects.bulk_create(new, batch_size=500)
        mapping = {case._copy_of: case.pk for case in new}
        events = []
        for event in event_model.objects.filter(case_id__in=ids):
            event.pk = None
            event.case_id = mapping[event.case_id]
            events.append(event)
        event_model.objects.bulk_create(events, batch_size=500)
        clocks = []
        for clock in clock_model.objects.filter(case_id__in=ids):
            clock.pk = None
            clock.case_id = mapping[clock.case_id]
            clocks.append(clock)
        clock_model.objects.bulk_create(clocks, batch_size=500)
        return new

    def _analyze(self) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                for table in ("cases_case", "cases_caseevent", "cases_clock", "cases_message"):
                    cursor.execute(f"VACUUM ANALYZE {table}")
            else:
                cursor.execute("ANALYZE")

    # -- 4. latency through uvicorn ------------------------------------------------------------

    def latency(self, size: int) -> None:
        self.server.start()
        n = self.args.requests
        token = self.token
        paths = {
            "list": "/api/v1/cases?limit=25",
            "rare": f"/api/v1/cases?limit=25&q={RARE}",
            "common": f"/api/v1/cases?limit=25&q={COMMON}",
        }
        for name, path in paths.items():
            times, rows = self.server.timed_get(path, token, n)
            p50, p95 = statistics.median(times), percentile(times, 0.95)
            self.figures[f"{name}{size // 1000}k"] = {"p50": p50, "p95": p95, "rows": rows}
            self._say(f"{size:>7} cases  {name:<6} {path:<40} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms"
                      f"  ({rows} rows, n={n})")  # fmt: skip

    # -- 5. the sweep's due query ------------------------------------------------------------

    def sweep(self) -> None:
        from django.utils import timezone

        from casework.cases.models import Clock
        from casework.cases.sweep import _due_case_ids

        t0 = time.perf_counter()
        have = Clock.objects.count()
        self._insert_clocks(self.args.clocks - have)
        self._analyze()
        total = Clock.objects.count()
        self._say(f"{total} clock rows ({total - have} synthetic) in "
                  f"{time.perf_counter() - t0:.0f} s")  # fmt: skip
        now = timezone.now()
        times = []
        for i in range(self.args.requests + 3):
            t = time.perf_counter()
            ids = _due_case_ids(now, 200, set())
            if i >= 3:
                times.append((time.perf_counter() - t) * 1000)
        p50, p95 = statistics.median(times), percentile(times, 0.95)
        self.figures["sweep"] = {"p50": p50, "p95": p95, "clocks": total, "ids": len(ids)}
        self._say(f"sweep 'what is due' over {total} clocks: p50 {p50:.2f} ms  p95 {p95:.2f} ms"
                  f"  ({len(ids)} cases per batch)")  # fmt: skip

    def _insert_clocks(self, count: int) -> None:
        from django.db import connection, transaction

        from casework.cases.models import Case

        case_ids = list(Case.objects.values_list("pk", flat=True))
        adapt = connection.ops.adapt_datetimefield_value
        now = datetime.now(UTC)
        rng = random.Random(3)  # noqa: S311
        sql = (
            "INSERT INTO cases_clock (case_id, key, metric, cycle, state, priority, calendar, "
            "target, started_at, due_at, warn_at, paused_seconds, elevate_to, next_action_at) "
            "VALUES (%s, %s, 'synthetic', 0, 'running', 'P3', '24x7', '1 day', %s, %s, %s, 0, "
            "'', %s)"
        )

        def rows(start: int, stop: int) -> Iterator[tuple[Any, ...]]:
            for n in range(start, stop):
                due = now + timedelta(seconds=rng.randint(-86400, 30 * 86400))
                started = due - timedelta(days=1)
                action = None if n % 10 == 0 else due
                warn = due - timedelta(hours=2)
                yield (case_ids[n % len(case_ids)], f"synthetic#{n}", adapt(started), adapt(due),
                       adapt(warn), adapt(action) if action else None)  # fmt: skip

        step = 50_000
        for start in range(0, count, step):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(sql, list(rows(start, min(count, start + step))))

    # -- report --------------------------------------------------------------------------------

    def report(self, sizes: list[int]) -> None:
        f = self.figures
        peer = PEER[self.vendor]
        lines = [f"\n== {self.vendor}: figure, casework, target, django-helpdesk, ratio"]

        def line(name: str, value: float, target: str, helpdesk: float | None, unit: str,
                 ok: Callable[[float], bool]) -> None:  # fmt: skip
            ratio = ""  # how many times casework's figure is better than helpdesk's
            if helpdesk:
                times = value / helpdesk if unit == "/s" else helpdesk / value
                ratio = f"casework {times:.2f}x as good"
            verdict = "meets" if ok(value) else "MISSES"
            lines.append(f"{name:<36} {value:>8.1f} {unit:<3} target {target:<10} {verdict:<6} "
                         f"helpdesk {f'{helpdesk:.1f}' if helpdesk else '-'} {ratio}")  # fmt: skip

        line("cases created per s (median batch)", f["create_per_s"], "≥ 450",
             peer["create"], "/s", lambda v: v >= TARGET["create"])  # fmt: skip
        if "helpdesk_create_per_s" in f:
            line("  vs django-helpdesk in this run", f["create_per_s"], "≥ 5x",
                 f["helpdesk_create_per_s"], "/s",
                 lambda v: v >= 5 * f["helpdesk_create_per_s"])  # fmt: skip
        for key in sorted(k for k in f if k.startswith("create_http_")):
            same_run = f.get("helpdesk_" + key)
            line(f"  through uvicorn, {key[12:]} (w x clients)", f[key], "≥ 450", same_run,
                 "/s", lambda v: v >= TARGET["create"])  # fmt: skip
        small, big = f"list{sizes[0] // 1000}k", f"list{sizes[-1] // 1000}k"
        for key in dict.fromkeys((small, big)):
            if key in f:
                helpdesk = peer.get(key)
                line(f"{key} first page p95", f[key]["p95"], "≤ 50 ms", helpdesk, "ms",
                     lambda v: v <= TARGET["list_p95"])  # fmt: skip
        if small in f and big in f and small != big:
            growth = f[big]["p95"] / f[small]["p95"]
            f["list_growth"] = growth
            line("list growth p95 (ratio)", growth, "≤ 1.5x", None, "x",
                 lambda v: v <= TARGET["growth"])  # fmt: skip
        rare = f"rare{sizes[-1] // 1000}k"
        line(f"{rare} search p95", f[rare]["p95"], "≤ 50 ms", peer.get(rare), "ms",
             lambda v: v <= TARGET["search"])  # fmt: skip
        line("sweep due query per tick p95", f["sweep"]["p95"], "≤ 5 ms", None, "ms",
             lambda v: v <= TARGET["sweep"])  # fmt: skip
        line("uvicorn worker peak RSS", f["rss_worker_mb"], "≤ 100 MB", peer["rss"], "MB",
             lambda v: v <= TARGET["rss"])  # fmt: skip
        line("bench process peak RSS", f["rss_bench_mb"], "-", None, "MB", lambda v: True)
        self._say("\n".join(lines))
        self._say("JSON " + json.dumps(f, default=str))


class Server:
    """One uvicorn worker on 127.0.0.1 serving casework, and a keep-alive client."""

    def __init__(
        self, env: dict[str, str], workers: int = 1, command: list[str] | None = None,
        child_env: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        self.env = env
        self.workers = workers
        self.command = command  # another server (gunicorn for helpdesk), bound by start()
        self.child_env = child_env
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.connection: http.client.HTTPConnection | None = None

    def start(self) -> None:
        if self.process is not None:
            return
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        if self.command is None:
            command = [
                sys.executable, "-m", "uvicorn", "casework.asgi:application", "--host",
                "127.0.0.1", "--port", str(self.port), "--no-access-log", "--log-level",
                "warning", "--workers", str(self.workers),
            ]  # fmt: skip
            env = os.environ | self.env
        else:
            command = [*self.command, "--bind", f"127.0.0.1:{self.port}"]
            env = self.child_env or {}
        self.process = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("uvicorn did not start")
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def timed_get(self, path: str, token: str, n: int) -> tuple[list[float], int]:
        if self.connection is None:
            raise RuntimeError("start() first")
        self.connection.close()  # uvicorn drops idle keep-alive connections while we seed
        headers = {"Authorization": f"Bearer {token}"}
        times: list[float] = []
        rows = 0
        for i in range(n + 3):
            t = time.perf_counter()
            self.connection.request("GET", path, headers=headers)
            response = self.connection.getresponse()
            body = response.read()
            elapsed = (time.perf_counter() - t) * 1000
            if response.status != 200:
                raise SystemExit(f"GET {path}: {response.status} {body[:300]!r}")
            rows = len(json.loads(body)["items"])
            if i >= 3:
                times.append(elapsed)
        return times, rows

    def rate(
        self, path: str, headers: dict[str, str], bodies: list[bytes], clients: int, expect: int
    ) -> float:
        """Start, POST every body, stop: POSTs per second after the first 100 (sent untimed,
        to warm up)."""
        self.start()
        try:
            self.post_all(path, headers, bodies[:100], clients, expect)
            t0 = time.perf_counter()
            self.post_all(path, headers, bodies[100:], clients, expect)
            return (len(bodies) - 100) / (time.perf_counter() - t0)
        finally:
            self.stop()

    def post_all(
        self, path: str, headers: dict[str, str], bodies: list[bytes], clients: int, expect: int
    ) -> None:
        """POST every body, ``clients`` at a time (a thread and a connection each); stop at the
        first answer that is not ``expect``."""
        queue = list(reversed(bodies))
        lock = threading.Lock()
        failures: list[str] = []

        def client() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                while not failures:
                    with lock:
                        if not queue:
                            return
                        body = queue.pop()
                    connection.request("POST", path, body, headers)
                    response = connection.getresponse()
                    answer = response.read()
                    if response.status != expect:
                        failures.append(f"POST {path}: {response.status} {answer[:300]!r}")
            finally:
                connection.close()

        threads = [threading.Thread(target=client) for _ in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if failures:
            raise SystemExit(failures[0])

    def peak_rss_mb(self) -> float:
        if self.process is None:
            raise RuntimeError("start() first")
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        for row in status.splitlines():
            if row.startswith("VmHWM:"):
                return int(row.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        if self.connection is not None:
            self.connection.close()
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None


if __name__ == "__main__":
    main()
