"""Helpers for tests: import them as ``from tests.support import ...``."""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from typing import NoReturn

import pytest
from django.contrib.auth.models import User
from django.test import Client

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
