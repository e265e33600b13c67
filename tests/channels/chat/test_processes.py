"""Chat across real processes (R1): two ``casework serve`` processes sharing one database and
a real Redis (Debian's ``redis-server`` on loopback) as the channel layer: a contact's widget
on one process and an engineer's pane on the other see each other's messages in under a
second. And the embedded default: one ``casework serve`` without Redis, both sockets on it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from tests.support import (
    CASEWORK,
    RedisServer,
    free_port,
    http_sign_in,
    run_async,
    wait_for_health,
)

ROOT = Path(__file__).resolve().parents[3]
IDA = ("ida", "ida-secret-1")
BOB = ("bob", "bob-secret-1")


def casework(env: dict[str, str], *args: str, stdin: str = "") -> str:
    done = subprocess.run(  # noqa: S603 - the project's own console script
        [str(CASEWORK), *args], env=env, input=stdin.encode(), capture_output=True, check=False,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr.decode() + done.stdout.decode()
    return done.stdout.decode()


def environment(tmp_path: Path, redis_url: str = "") -> dict[str, str]:
    """A fresh SQLite database under ``tmp_path`` (shared by every process) with the
    LivePerson pack, Initech on its Standard plan (chat, R1), Ida its contact, Bob an
    engineer. The same on both CI passes: the processes need one file they all open."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CASEWORK_REDIS_URL"}}
    env["CASEWORK_VAR_DIR"] = str(tmp_path / "var")
    if redis_url:
        env["CASEWORK_REDIS_URL"] = redis_url
    casework(env, "migrate", "--verbosity", "0")
    casework(env, "policy", "load", str(ROOT / "policy-packs" / "liveperson.yaml"))
    casework(env, "org", "create", "Initech", "--policy", "liveperson", "--plan", "standard")
    casework(
        env, "user", "create", IDA[0], "--email", "ida@initech.test", "--role", "contact",
        "--org", "Initech", "--password-stdin", stdin=IDA[1] + "\n",
    )  # fmt: skip
    casework(
        env, "user", "create", BOB[0], "--email", "bob@support.test", "--role", "engineer",
        "--tier", "L1", "--password-stdin", stdin=BOB[1] + "\n",
    )  # fmt: skip
    return env


@contextmanager
def served(env: dict[str, str], tmp_path: Path, name: str) -> Iterator[str]:
    """One ``casework serve`` process on a free port; yields its base URL."""
    port = free_port()
    log = tmp_path / f"{name}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - the project's own console script
            [str(CASEWORK), "serve", "--port", str(port)], env=env, stdout=output, stderr=output
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(base, process, log)
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


async def frame(ws: ClientConnection, kind: str, timeout: float = 1.0) -> dict[str, Any]:
    """The next frame of ``kind`` within ``timeout`` seconds (others are skipped)."""
    deadline = time.monotonic() + timeout
    while True:
        left = max(deadline - time.monotonic(), 0.01)
        found = json.loads(await asyncio.wait_for(ws.recv(), timeout=left))
        if found["type"] == kind:
            return dict(found)


def ws_url(base: str, path: str) -> str:
    return base.replace("http://", "ws://") + path


async def exchange(widget_base: str, console_base: str) -> list[float]:
    """Ida writes on ``widget_base``, Bob answers on ``console_base``; the seconds each
    message took to reach the other side."""
    _, ida_cookie = http_sign_in(widget_base, *IDA)
    _, bob_cookie = http_sign_in(console_base, *BOB)
    assert ida_cookie
    assert bob_cookie
    latencies = []
    async with (
        connect(
            ws_url(console_base, "/ws/console/chat/"), origin=console_base,  # type: ignore[arg-type]
            additional_headers={"Cookie": bob_cookie},
        ) as console,
        connect(
            ws_url(widget_base, "/ws/chat/"), origin=widget_base,  # type: ignore[arg-type]
            additional_headers={"Cookie": ida_cookie},
        ) as widget,
    ):  # fmt: skip
        await frame(console, "conversations", timeout=5)
        await frame(widget, "transcript", timeout=5)
        sent = time.monotonic()
        await widget.send(json.dumps({"type": "message", "body": "Is anyone there?"}))
        listed = (await frame(console, "conversation"))["conversation"]
        latencies.append(time.monotonic() - sent)
        assert listed["contact"] == "ida"
        echoed = (await frame(widget, "message"))["message"]  # the widget hears its own too
        assert (echoed["body"], echoed["support"]) == ("Is anyone there?", False)
        await console.send(json.dumps({"type": "open", "conversation": listed["id"]}))
        opened = await frame(console, "transcript")
        assert [m["body"] for m in opened["messages"]] == ["Is anyone there?"]
        sent = time.monotonic()
        await console.send(json.dumps(
            {"type": "message", "conversation": listed["id"], "body": "Yes: Bob here."}
        ))  # fmt: skip
        answer = (await frame(widget, "message"))["message"]
        latencies.append(time.monotonic() - sent)
        assert (answer["body"], answer["support"]) == ("Yes: Bob here.", True)
    return latencies


def test_two_web_processes_share_the_chat_through_redis(tmp_path: Path) -> None:
    with ExitStack() as stack:
        redis = stack.enter_context(RedisServer(tmp_path))
        env = environment(tmp_path, redis.url)
        first = stack.enter_context(served(env, tmp_path, "web-a"))
        second = stack.enter_context(served(env, tmp_path, "web-b"))
        latencies = run_async(exchange(first, second))
    assert max(latencies) < 1.0, latencies


def test_the_embedded_default_chats_in_one_process_without_redis(tmp_path: Path) -> None:
    env = environment(tmp_path)
    with served(env, tmp_path, "web") as base:
        latencies = run_async(exchange(base, base))
    assert max(latencies) < 1.0, latencies


def test_serving_several_workers_without_redis_warns(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CASEWORK_REDIS_URL"}}
    env["CASEWORK_VAR_DIR"] = str(tmp_path / "var")
    casework(env, "migrate", "--verbosity", "0")
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - the project's own console script
        [str(CASEWORK), "serve", "--port", str(port), "--workers", "2"], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        seen = b""
        assert process.stderr is not None
        while b"CASEWORK_REDIS_URL" not in seen and time.monotonic() < deadline:
            seen += process.stderr.readline()
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert b"reaches only the websockets of the process" in seen
