"""casework/asgi.py: what uvicorn serves is Django's WSGI handler on a fixed pool of threads."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import pytest
from django.conf import settings
from django.core.signals import request_started

from casework.asgi import application
from tests.policies.conftest import load_pack

Message = dict[str, Any]


def call(method: str, path: str, body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """One HTTP request through the ASGI application, as uvicorn makes it."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000),
        "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())],
    }  # fmt: skip
    incoming = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[Message] = []
    done = asyncio.Event()

    async def receive() -> Message:
        if incoming:
            return incoming.pop(0)
        await done.wait()  # the client stays connected until the response is complete
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            done.set()

    asgi: Any = application  # the messages are plain dicts here, not a2wsgi's TypedDicts
    # A loop of its own, on a thread of its own, as uvicorn runs one (and Playwright's sync
    # API may have left a loop running on this thread).
    server = threading.Thread(target=lambda: asyncio.run(asgi(scope, receive, send)))
    server.start()
    server.join(timeout=30)
    start = sent[0]
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], headers, b"".join(m.get("body", b"") for m in sent[1:])


@pytest.mark.django_db(transaction=True)
def test_requests_run_on_a_fixed_pool_of_reused_threads() -> None:
    seen: list[str] = []

    def record(**kwargs: object) -> None:
        seen.append(threading.current_thread().name)

    request_started.connect(record)
    try:
        for _ in range(20):
            status, headers, body = call("GET", "/healthz")
            assert (status, json.loads(body)) == (200, {"status": "ok"})
            assert headers["content-type"] == "application/json"
    finally:
        request_started.disconnect(record)
    assert len(seen) == 20
    # a2wsgi's pool of CASEWORK_WEB_THREADS threads, reused (Django's ASGI handler made a new
    # thread for each request, and with it a new database connection)
    assert all(name.startswith("WSGI") for name in seen)
    assert len(set(seen)) <= settings.CASEWORK_WEB_THREADS < len(seen)


@pytest.mark.django_db(transaction=True)
def test_request_bodies_and_errors_pass_through() -> None:
    load_pack("liveops")
    preview = {
        "policy": "liveops", "plan": "standard", "priority": "P2",
        "opened_at": "2026-11-20T10:00:00-08:00",
    }  # fmt: skip
    status, _, body = call("POST", "/api/v1/policy/preview", json.dumps(preview).encode())
    assert status == 200
    assert json.loads(body)["plan"] == "standard"
    status, _, body = call("POST", "/api/v1/policy/preview", b'{"policy": "liveops"')
    assert status == 422
    status, _, _ = call("GET", "/no/such/page/")
    assert status == 404
