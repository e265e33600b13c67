"""`casework demo` end to end: a fresh var/, real uvicorn, real HTTP, the printed logins work."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from tests.support import free_port

CASEWORK = Path(sys.executable).parent / "casework"
ROOT = Path(__file__).resolve().parents[2]


def wait_for_health(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, f"demo exited early:\n{log.read_text()}"
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise AssertionError(f"demo never became healthy:\n{log.read_text()}")


def sign_in(base: str, username: str, password: str, *, form: str = "/accounts/login/") -> str:
    """Sign in through a login form (the site's, or the admin's); return the path it lands on."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    with opener.open(f"{base}{form}", timeout=10) as page:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode())
    assert token
    fields = {"csrfmiddlewaretoken": token.group(1), "username": username, "password": password}
    if form == "/admin/login/":
        fields["next"] = "/admin/"
    data = urllib.parse.urlencode(fields).encode()
    with opener.open(f"{base}{form}", data=data, timeout=10) as landed:
        landed_on: str = urllib.parse.urlsplit(landed.geturl()).path
        return landed_on


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
        logins = dict(re.findall(r"^  (agent|manager|contact)\s+(\S+)\s", printed, re.MULTILINE))
        assert set(logins) == {"agent", "manager", "contact"}, printed
        assert sign_in(base, "manager", logins["manager"], form="/admin/login/") == "/admin/"
        # The README's way in: each persona lands where it works.
        assert sign_in(base, "agent", logins["agent"]) == "/console/"
        assert sign_in(base, "manager", logins["manager"]) == "/console/"
        assert sign_in(base, "contact", logins["contact"]) == "/portal/"

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
