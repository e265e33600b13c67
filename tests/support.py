"""Helpers for tests: import them as ``from tests.support import ...``."""

from __future__ import annotations

import grp
import http.cookiejar
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, NoReturn

import pytest
from django.contrib.auth.models import User
from django.test import Client
from imap_tools import BaseMailBox, MailBoxUnencrypted

# POLICY-RULES.md numbers its requirements R1... and its gaps G1...
RULE_ID = re.compile(r"[RG][1-9][0-9]*")


def running_in_ci() -> bool:
    """True when the CI variable says so (``CI=true``, as .ci/run and CI services set it)."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def require_service(name: str, reason: str) -> NoReturn:
    """Stop a test whose real service (``name``) is missing, saying why (``reason``).

    Locally the test is skipped, so a developer without PostgreSQL or Chromium can still run
    the rest; under ``CI=true`` it fails, because CI installs every service and a skip there
    would hide a broken set-up::

        if shutil.which("chromium") is None:
            require_service("chromium", "the browser tests drive a real headless Chromium")
    """
    message = f"{name} is not available: {reason}"
    if running_in_ci():
        pytest.fail(f"{message} (CI=true: a missing service fails the run)", pytrace=False)
    pytest.skip(message)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def rule_marker_problem(marker: pytest.Mark) -> str | None:
    """What is wrong with a ``@pytest.mark.rule(...)``, or None if it cites valid ids."""
    ids = marker.args
    if marker.kwargs or not ids or not all(RULE_ID.fullmatch(str(i)) for i in ids):
        return (
            "@pytest.mark.rule takes POLICY-RULES ids such as "
            f'rule("R56") or rule("R5", "G3"); got {marker}'
        )
    return None


def signed_in(user: User) -> Client:
    """A Django test client signed in as ``user``."""
    client = Client()
    client.force_login(user)
    return client


def assert_console_only(url: str, *, contact: User) -> None:
    """``url`` is a console page: a contact gets a 404 (the page does not exist for them) and
    the anonymous are sent to sign in."""
    assert signed_in(contact).get(url).status_code == 404
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


class AsgiServer:
    """casework's ASGI application (``casework/asgi.py``: HTTP and websockets) served by a
    real uvicorn on a free loopback port, on a thread of this process, so it shares the
    test database. Use as a context manager; ``url`` and ``ws_url`` are its addresses::

        with AsgiServer() as server:
            requests.get(f"{server.url}/healthz")
    """

    def __init__(self) -> None:
        import uvicorn

        from casework.asgi import application

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            application, host="127.0.0.1", port=self.port, lifespan="off", log_level="warning",
            ws="websockets-sansio",
        )  # fmt: skip
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="asgi-server", daemon=True)

    def __enter__(self) -> AsgiServer:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=20)


CASEWORK = Path(sys.executable).parent / "casework"


def wait_for_health(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Wait (up to 90 s) until a ``casework`` web process at ``base`` answers /healthz."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, f"casework exited early:\n{log.read_text()}"
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise AssertionError(f"casework never became healthy:\n{log.read_text()}")


def http_sign_in(
    base: str, username: str, password: str, *, form: str = "/accounts/login/"
) -> tuple[str, str]:
    """Sign in through a login form of a running casework (the site's, or the admin's):
    the path it lands on, and the session cookie (``sessionid=…``) for other clients."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base}{form}", timeout=10) as page:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode())
    assert token
    fields = {"csrfmiddlewaretoken": token.group(1), "username": username, "password": password}
    if form == "/admin/login/":
        fields["next"] = "/admin/"
    data = urllib.parse.urlencode(fields).encode()
    with opener.open(f"{base}{form}", data=data, timeout=10) as landed:
        landed_on: str = urllib.parse.urlsplit(landed.geturl()).path
    session = next((c.value for c in jar if c.name == "sessionid"), "")
    return landed_on, f"sessionid={session}" if session else ""


class RedisServer:
    """Debian's ``redis-server`` on a free loopback port, in memory only (no dump, no AOF),
    for the chat's channel layer across processes. Use as a context manager; ``url`` is
    ``redis://127.0.0.1:PORT/0``. A missing binary skips (locally) or fails (CI)."""

    def __init__(self, directory: Path) -> None:
        import shutil

        binary = shutil.which("redis-server")
        if binary is None:
            require_service("redis-server", "chat across web processes needs Debian's Redis")
        self.binary = binary
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> RedisServer:
        log = self.directory / "redis.log"
        self.process = subprocess.Popen(  # noqa: S603 - Debian's binary, our arguments
            [
                str(self.binary), "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", str(self.directory),
                "--protected-mode", "yes",
            ],
            stdout=log.open("wb"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"redis-server exited:\n{log.read_text()}"
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as probe:
                    probe.sendall(b"PING\r\n")
                    if probe.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"redis-server did not answer:\n{log.read_text()}")

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)


def run_async[T](coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to its end in an event loop of its own, on a thread of its own: a
    test thread may already have a running loop (Playwright's sync API keeps one for the
    session-wide browser), where ``asyncio.run`` refuses to start."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-async") as pool:
        return pool.submit(asyncio.run, coroutine).result()


class Dovecot:
    """A real Dovecot IMAP server (TESTING.md B2's recipe) for the test run: a config of its
    own in a temporary folder, passwd-file users, Maildir homes there, listening on
    127.0.0.1 only, on free ports: ``port`` (plain text and STARTTLS) and ``ssl_port``
    (IMAPS), with a self-signed certificate for 127.0.0.1 in ``ca_file``. Nothing under a
    root-only path; stopped by the PID it wrote. Use as a context manager::

        with Dovecot() as server:
            server.user_add("support@casework.test", "secret")
            server.append("support@casework.test", "secret", b"From: ...")
    """

    def __init__(self) -> None:
        for program in ("dovecot", "openssl"):
            if shutil.which(program) is None:
                require_service(program, "the IMAP tests poll a real Dovecot (dovecot-imapd)")
        # The mail processes run as the mail user: every folder above the homes must be
        # traversable by it, which pytest's own 0700 temporary folders are not.
        self.root = Path(tempfile.mkdtemp(prefix="casework-dovecot-", dir="/tmp"))
        self.root.chmod(0o755)
        self.port, self.ssl_port = free_port(), free_port()
        self.ca_file = str(self.root / "cert.pem")
        self.users = self.root / "users"
        self._uid, self._gid = os.getuid(), os.getgid()
        if self._uid == 0:  # Dovecot refuses to keep mail as root: it runs as nobody
            nobody = pwd.getpwnam("nobody")
            self._uid, self._gid = nobody.pw_uid, nobody.pw_gid

    def _config(self) -> str:
        me = pwd.getpwuid(os.getuid()).pw_name
        run_as = "" if os.getuid() == 0 else (
            f"default_internal_user = {me}\ndefault_login_user = {me}\n"
            f"default_internal_group = {grp_name(os.getgid())}\n"
        )  # fmt: skip
        d = self.root
        return f"""{run_as}protocols = imap
listen = 127.0.0.1
base_dir = {d}/run
state_dir = {d}/run
log_path = {d}/dovecot.log
ssl = yes
ssl_cert = <{d}/cert.pem
ssl_key = <{d}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
# (the anvil-auth-penalty socket below, mode 0, turns off the growing delay after failed
# logins from one address: the tests fail logins on purpose)
mail_location = maildir:~/Maildir
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = {self.users}
}}
userdb {{
  driver = passwd-file
  args = {self.users}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.ssl_port}
    ssl = yes
  }}
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""

    def __enter__(self) -> Dovecot:
        (self.root / "run").mkdir()
        mail = self.root / "mail"
        mail.mkdir()
        os.chown(mail, self._uid, self._gid)
        self.users.write_text("")
        subprocess.run(  # noqa: S603 - fixed arguments, our own temporary folder
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",  # noqa: S607
             "-keyout", str(self.root / "key.pem"), "-out", self.ca_file, "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1"],
            check=True, capture_output=True,
        )  # fmt: skip
        (self.root / "key.pem").chmod(0o600)
        (self.root / "dovecot.conf").write_text(self._config())
        # Dovecot daemonises: its output goes to a file, or a pipe would never close.
        with (self.root / "start.log").open("wb") as output:
            started = subprocess.run(  # noqa: S603 - fixed arguments, our own config
                ["dovecot", "-c", str(self.root / "dovecot.conf")],  # noqa: S607
                stdin=subprocess.DEVNULL, stdout=output, stderr=output, check=False,
            )  # fmt: skip
        if started.returncode != 0:
            raise RuntimeError(f"dovecot did not start: {(self.root / 'start.log').read_text()}")
        deadline = time.monotonic() + 10
        while not _answers(self.port) or not _answers(self.ssl_port):
            if time.monotonic() > deadline:
                log = self.root / "dovecot.log"
                raise RuntimeError(
                    f"dovecot did not start: {log.read_text() if log.exists() else ''}"
                )
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        pid_file = self.root / "run" / "master.pid"
        if pid_file.exists():
            pid = int(pid_file.read_text().split()[0])
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.02)
        shutil.rmtree(self.root, ignore_errors=True)

    def user_add(self, username: str, password: str) -> None:
        """A mail account. Dovecot reads its passwd-file again when it changes, but looks at
        most once a second: add accounts before the logins that need them, not between."""
        home = self.root / "mail" / username
        line = f"{username}:{{PLAIN}}{password}:{self._uid}:{self._gid}::{home}::\n"
        with self.users.open("a") as users:
            users.write(line)

    def session(self, username: str, password: str) -> BaseMailBox:
        """imap-tools over plain text, logged in: how tests deliver and inspect mail."""
        return MailBoxUnencrypted("127.0.0.1", self.port, timeout=10).login(username, password)

    def append(self, username: str, password: str, message: bytes, folder: str = "INBOX") -> None:
        """Deliver ``message`` into ``folder`` with IMAP APPEND, unseen."""
        with self.session(username, password) as box:
            box.append(message, folder)

    def flags(self, username: str, password: str, folder: str = "INBOX") -> list[set[str]]:
        """The flags of each message in ``folder``, in order (without ``\\Recent``, which
        only says whether this session is the first to see it)."""
        with self.session(username, password) as box:
            box.folder.set(folder)
            messages = box.fetch(mark_seen=False, headers_only=True)
            return [set(m.flags) - {"\\Recent"} for m in messages]


def grp_name(gid: int) -> str:
    """The name of group ``gid``."""
    return grp.getgrgid(gid).gr_name


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
