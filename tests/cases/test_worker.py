"""`casework worker` and the worker thread of `casework demo`: they run, and stop when told.

Real processes on a SQLite file in a temporary CASEWORK_VAR_DIR; SIGTERM and SIGINT must end
them cleanly (exit 0, "stopped" logged) within seconds, the demo's thread with its server.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import free_port, wait_for_health

CASEWORK = str(Path(sys.executable).parent / "casework")
ROOT = Path(__file__).resolve().parents[2]


def sqlite_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_"))}
    env["CASEWORK_VAR_DIR"] = str(tmp_path / "var")
    env["CASEWORK_SWEEP_INTERVAL"] = "1"
    return env


def wait_for_text(log: Path, text: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if text in log.read_text():
            return
        assert process.poll() is None, f"exited early:\n{log.read_text()}"
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never printed:\n{log.read_text()}")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_the_worker_sweeps_until_a_signal_stops_it_cleanly(
    tmp_path: Path, signum: signal.Signals
) -> None:
    env = sqlite_env(tmp_path)
    subprocess.run([CASEWORK, "migrate", "-v0"], env=env, check=True, timeout=120)  # noqa: S603
    log = tmp_path / "worker.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - the project's own console script
            [CASEWORK, "worker"], stdout=output, stderr=output, env=env, cwd=ROOT
        )
    try:
        wait_for_text(log, "sweeping every 1s", process)
        time.sleep(1.5)  # at least one more tick
        process.send_signal(signum)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
    printed = log.read_text()
    assert "stopping" in printed
    assert printed.rstrip().endswith("casework worker: stopped")


def test_the_worker_once_exits_by_itself(tmp_path: Path) -> None:
    env = sqlite_env(tmp_path)
    subprocess.run([CASEWORK, "migrate", "-v0"], env=env, check=True, timeout=120)  # noqa: S603
    done = subprocess.run(  # noqa: S603
        [CASEWORK, "worker", "--once"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "stopped" in done.stdout


def test_the_demo_runs_the_worker_in_a_thread_that_stops_with_the_server(tmp_path: Path) -> None:
    env = sqlite_env(tmp_path)
    port = free_port()
    log = tmp_path / "demo.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - the project's own console script
            [CASEWORK, "demo", "--no-demo-data", "--port", str(port)],
            stdout=output,
            stderr=output,
            env=env,
        )
    try:
        wait_for_health(f"http://127.0.0.1:{port}", process, log)
        wait_for_text(log, "sweeping every 1s", process)
        assert "worker thread started" in log.read_text()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
    printed = log.read_text()
    assert "casework.cases.worker: worker casework-" in printed
    assert ": stopped" in printed, printed
