"""`casework smtpd` as a real process (``manage.py smtpd``, which imports this checkout): it
listens, stores what it is sent, and stops on SIGTERM (a migrated SQLite file in a temporary
CASEWORK_VAR_DIR)."""

from __future__ import annotations

import signal
import smtplib
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.cases.test_worker import ROOT, sqlite_env, wait_for_text
from tests.support import free_port


def test_casework_smtpd_stores_a_message_and_stops_cleanly(tmp_path: Path) -> None:
    env = sqlite_env(tmp_path)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, timeout=120, cwd=ROOT)  # noqa: S603
    port = free_port()
    log = tmp_path / "smtpd.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - the project's own console script
            [*manage, "smtpd", "--host", "127.0.0.1", "--port", str(port)],
            stdout=output, stderr=output, env=env, cwd=ROOT,
        )  # fmt: skip
    try:
        wait_for_text(log, f"listening on 127.0.0.1:{port}", process)
        message = (
            b"From: someone@example.test\r\nSubject: Hello\r\nMessage-ID: <p1@x.test>\r\n\r\nHi\r\n"
        )
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            client.sendmail("someone@example.test", ["support@casework.test"], message)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert log.read_text().rstrip().endswith("casework smtpd: stopped")
    with sqlite3.connect(tmp_path / "var" / "casework.sqlite3") as db:
        rows = db.execute("SELECT channel, dedup_key, status FROM intake_rawinbound").fetchall()
    assert rows == [("email", "<p1@x.test>", "held")]
