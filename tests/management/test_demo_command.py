"""`casework demo` end to end: a fresh var/, real uvicorn, real HTTP, the printed logins work."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from tests.support import CASEWORK, free_port, http_sign_in, wait_for_health

ROOT = Path(__file__).resolve().parents[2]


def test_demo_migrates_loads_the_packs_prints_logins_and_serves_the_app(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["CASEWORK_VAR_DIR"] = str(tmp_path / "var")
    log = tmp_path / "demo.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - the project's own console script
            [str(CASEWORK), "demo", "--port", str(port)], stdout=output, stderr=output, env=env
        )
    try:
        wait_for_health(base, process, log)
        printed = log.read_text()
        persona = r"^  (agent|manager|contact|initech)\s+(\S+)\s"
        logins = dict(re.findall(persona, printed, re.MULTILINE))
        assert set(logins) == {"agent", "manager", "contact", "initech"}, printed
        assert (
            http_sign_in(base, "manager", logins["manager"], form="/admin/login/")[0] == "/admin/"
        )
        # The README's way in: each persona lands where it works.
        assert http_sign_in(base, "agent", logins["agent"])[0] == "/console/"
        assert http_sign_in(base, "manager", logins["manager"])[0] == "/console/"
        assert http_sign_in(base, "contact", logins["contact"])[0] == "/portal/"
        assert http_sign_in(base, "initech", logins["initech"])[0] == "/portal/"

        with urllib.request.urlopen(f"{base}/api/v1/policies", timeout=10) as response:  # noqa: S310 - loopback
            loaded = {policy["id"] for policy in json.load(response)}
        packs = {path.stem for path in (ROOT / "policy-packs").glob("*.yaml")}
        assert packs == {"liveops", "liveperson"}
        assert loaded == packs
        with urllib.request.urlopen(f"{base}/policy/liveops/", timeout=10) as response:  # noqa: S310 - loopback
            assert response.status == 200
        with urllib.request.urlopen(f"{base}/static/admin/css/base.css", timeout=10) as response:  # noqa: S310 - loopback
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/css")
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert (tmp_path / "var" / "casework.sqlite3").exists()
