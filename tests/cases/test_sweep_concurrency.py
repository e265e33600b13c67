"""Exactly once under concurrency: several `casework sla sweep` processes, one database.

Each test makes its own database (a fresh PostgreSQL database, or a SQLite file in a temporary
CASEWORK_VAR_DIR), migrates it and seeds it through processes (``sweep_processes.py``), then
starts the sweeps at the same instant, all at once, and counts: every due action exists
exactly once (no duplicate, none missing: one more sweep finds nothing), each with one
history event, and the processes' printed counts add up to the total.

PostgreSQL: 4 processes over 2,000 cases, in the PostgreSQL pass of CI (DATABASE_URL set to
a postgres:// URL; skipped on the SQLite pass, which runs the SQLite test). SQLite: 2
processes over 500 cases, on both passes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import dj_database_url
import psycopg
import pytest

from tests.cases.sweep_processes import AT
from tests.support import require_service

ROOT = Path(__file__).resolve().parents[2]
CASEWORK = str(Path(sys.executable).parent / "casework")
PRINTED = re.compile(r"^sweep at .*: (\d+) action\(s\)$", re.MULTILINE)


def run(args: list[str], env: dict[str, str], timeout: float = 300) -> str:
    done = subprocess.run(  # noqa: S603 - our own interpreter and entry point
        args, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{args[:3]} failed:\n{done.stderr[-3000:]}"
    return done.stdout


def helper(command: str, *args: str, env: dict[str, str]) -> dict[str, float]:
    out = run([sys.executable, "-m", "tests.cases.sweep_processes", command, *args], env)
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def seed_at_once(processes: int, each: int, env: dict[str, str]) -> dict[str, float]:
    """Open ``each`` cases in each of ``processes`` processes at once; the due actions."""
    args = [sys.executable, "-m", "tests.cases.sweep_processes", "seed", str(each), AT.isoformat()]
    procs = [
        subprocess.Popen(  # noqa: S603
            args, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(processes)
    ]
    total = {"cases": 0.0, "due": 0.0}
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"seeding failed:\n{err[-3000:]}"
        result = json.loads(out.strip().splitlines()[-1])
        total["cases"] += result["cases"]
        total["due"] += result["due"]
    return total


def sweeps_at_once(workers: int, env: dict[str, str]) -> list[int]:
    """Start ``workers`` sweep processes together; the action count each printed."""
    procs = [
        subprocess.Popen(  # noqa: S603
            [CASEWORK, "sla", "sweep", "--at", AT.isoformat()],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    printed = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"a sweep failed:\n{err[-3000:]}"
        match = PRINTED.search(out)
        assert match, out[-500:]
        printed.append(int(match.group(1)))
    return printed


def exactly_once(workers: int, cases: int, env: dict[str, str]) -> dict[str, float]:
    run([CASEWORK, "migrate", "--verbosity", "0"], env)
    helper("setup", AT.isoformat(), env=env)
    started = time.monotonic()
    # One seeding process: several contend for the same rows and took longer, on both databases.
    seeded = seed_at_once(1, cases, env)
    seeded["seed_seconds"] = round(time.monotonic() - started, 2)
    started = time.monotonic()
    printed = sweeps_at_once(workers, env)
    swept = time.monotonic() - started
    counted = helper("count", AT.isoformat(), env=env)
    due = seeded["due"]
    assert due >= 3 * cases  # each P2 case: warnings and breaches of two clocks at least
    assert counted["duplicated"] == 0
    assert counted["actions"] == counted["distinct"] == due  # none twice, none missing
    assert counted["left"] == 0  # one more sweep finds nothing left
    assert counted["events"] == due  # one history event per action
    assert counted["alerts"] == counted["breaches"] == counted["tasks"]  # one mail per breach
    assert sum(printed) == due
    report = {**seeded, "sweep_seconds": round(swept, 2), "printed": printed}
    print(f"exactly once, {workers} processes: {report}")
    return counted


def base_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env["CASEWORK_VAR_DIR"] = str(tmp_path / "var")
    env["PYTHONPATH"] = str(ROOT)
    env["CASEWORK_LOG_LEVEL"] = "WARNING"
    return env


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database on the server DATABASE_URL names; dropped after."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("PostgreSQL pass only (DATABASE_URL=postgres://…); the SQLite test runs here")
    config = dj_database_url.parse(url)
    server = {
        "host": config.get("HOST") or "127.0.0.1",
        "port": int(config.get("PORT") or 5432),
        "user": config.get("USER") or "postgres",
        "password": config.get("PASSWORD") or None,
        "dbname": "postgres",  # the maintenance database: it exists on every server
        "autocommit": True,
    }
    name = f"casework_sweep_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(**server) as admin:  # type: ignore[arg-type]
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        require_service("postgresql", f"cannot create a database at {url}: {error}")
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(**server) as admin:  # type: ignore[arg-type]
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.rule("R60", "R62")
def test_four_sweep_processes_on_postgresql_act_exactly_once(
    postgres_database: str, tmp_path: Path
) -> None:
    env = base_env(tmp_path) | {"DATABASE_URL": postgres_database}
    exactly_once(workers=4, cases=2000, env=env)


@pytest.mark.rule("R60", "R62")
def test_two_sweep_processes_on_a_sqlite_file_act_exactly_once(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    env.pop("DATABASE_URL", None)
    env.pop("DATABASE_URL_FILE", None)
    exactly_once(workers=2, cases=500, env=env)
