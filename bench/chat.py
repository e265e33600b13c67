"""Chat latency: how long a message takes from one websocket to the other, through real
``casework serve`` processes on loopback (the embedded default: one process, the in-memory
channel layer; scale-out: two processes sharing one database and a real Redis).

    python bench/chat.py [--messages 200] [--mode one|two|both]

A script that prints figures, not a test. A fresh SQLite database in a temporary folder
gets the LivePerson pack, Initech on its Standard plan (chat, R1), a contact and an
engineer. The contact's widget and the engineer's pane connect (in ``two`` mode to
different processes), then ``--messages`` messages go back and forth, one at a time; each is
timed from the send on one socket to its arrival on the other (the service stores it, then
publishes it once its transaction has committed). Printed: p50, p95 and the slowest, per
direction. Needs Debian's ``redis-server`` for ``two``.
"""

from __future__ import annotations

import argparse
import asyncio
import http.cookiejar
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parent.parent
CASEWORK = Path(sys.executable).parent / "casework"
PEOPLE = {"ida": ("contact", "ida-bench-secret"), "bob": ("engineer", "bob-bench-secret")}


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _run(env: dict[str, str], *args: str, stdin: str = "") -> None:
    subprocess.run([str(CASEWORK), *args], env=env, input=stdin.encode(), check=True,  # noqa: S603
                   capture_output=True, timeout=120)  # fmt: skip


def _prepare(folder: Path, redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CASEWORK_REDIS_URL"}}
    env["CASEWORK_VAR_DIR"] = str(folder / "var")
    env["CASEWORK_CHAT_RATE_LIMIT"] = "100000"  # the bench writes faster than a person
    if redis_url:
        env["CASEWORK_REDIS_URL"] = redis_url
    _run(env, "migrate", "--verbosity", "0")
    _run(env, "policy", "load", str(ROOT / "policy-packs" / "liveperson.yaml"))
    _run(env, "org", "create", "Initech", "--policy", "liveperson", "--plan", "standard")
    for name, (role, password) in PEOPLE.items():
        extra = ["--org", "Initech"] if role == "contact" else ["--tier", "L1"]
        _run(env, "user", "create", name, "--email", f"{name}@bench.test", "--role", role,
             *extra, "--password-stdin", stdin=password + "\n")  # fmt: skip
    return env


@contextmanager
def _serve(env: dict[str, str], folder: Path, name: str) -> Iterator[str]:
    port = _port()
    log = (folder / f"{name}.log").open("wb")
    process = subprocess.Popen([str(CASEWORK), "serve", "--port", str(port)], env=env,  # noqa: S603
                               stdout=log, stderr=log)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=1):  # noqa: S310 - loopback
                    break
            except OSError:
                time.sleep(0.1)
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
        log.close()


@contextmanager
def _redis(folder: Path) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    port = _port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",  # noqa: S603
                                "--appendonly", "no", "--dir", str(folder)],
                               stdout=subprocess.DEVNULL)  # fmt: skip
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=20)


def _cookie(base: str, name: str) -> str:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base}/accounts/login/", timeout=10) as page:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode())
    if token is None:
        raise SystemExit(f"no sign-in form at {base}/accounts/login/")
    data = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), "username": name,
                                   "password": PEOPLE[name][1]}).encode()  # fmt: skip
    opener.open(f"{base}/accounts/login/", data=data, timeout=10).close()
    return "; ".join(f"{c.name}={c.value}" for c in jar if c.name == "sessionid")


async def _next(ws: ClientConnection, kind: str, body: str | None = None) -> dict[str, Any]:
    while True:
        frame: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
        if frame["type"] == kind and (body is None or frame["message"]["body"] == body):
            return frame


async def _exchange(widget_base: str, pane_base: str, messages: int) -> dict[str, list[float]]:
    ida, bob = _cookie(widget_base, "ida"), _cookie(pane_base, "bob")
    times: dict[str, list[float]] = {"customer → engineer": [], "engineer → customer": []}
    async with (
        connect(pane_base.replace("http", "ws") + "/ws/console/chat/", origin=pane_base,  # type: ignore[arg-type]
                additional_headers={"Cookie": bob}) as pane,
        connect(widget_base.replace("http", "ws") + "/ws/chat/", origin=widget_base,  # type: ignore[arg-type]
                additional_headers={"Cookie": ida}) as widget,
    ):  # fmt: skip
        await _next(pane, "conversations")
        await _next(widget, "transcript")
        await widget.send(json.dumps({"type": "message", "body": "hello"}))
        conversation = (await _next(pane, "conversation"))["conversation"]["id"]
        await pane.send(json.dumps({"type": "open", "conversation": conversation}))
        await _next(pane, "transcript")
        for n in range(messages):
            body = f"message {n}"
            if n % 2 == 0:
                sender, receiver, key = widget, pane, "customer → engineer"
                frame = {"type": "message", "body": body}
            else:
                sender, receiver, key = pane, widget, "engineer → customer"
                frame = {"type": "message", "body": body, "conversation": conversation}
            sent = time.perf_counter()
            await sender.send(json.dumps(frame))
            await _next(receiver, "message", body)
            times[key].append(time.perf_counter() - sent)
    return times


def _report(mode: str, times: dict[str, list[float]]) -> None:
    for direction, values in times.items():
        ms = sorted(v * 1000 for v in values)
        p95 = ms[max(0, round(0.95 * len(ms)) - 1)]
        print(f"  {mode:<28} {direction:<22} n={len(ms):<4} p50 {statistics.median(ms):6.1f} ms"
              f"   p95 {p95:6.1f} ms   max {ms[-1]:6.1f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--mode", choices=("one", "two", "both"), default="both")
    options = parser.parse_args()
    machine = platform.processor() or platform.machine()
    print(f"chat latency · {machine} · {os.cpu_count()} cores · "
          f"Python {platform.python_version()} · SQLite, loopback")  # fmt: skip
    if options.mode in ("one", "both"):
        with tempfile.TemporaryDirectory() as temp, ExitStack() as stack:
            folder = Path(temp)
            base = stack.enter_context(_serve(_prepare(folder, ""), folder, "web"))
            _report("one process, in memory", asyncio.run(_exchange(base, base, options.messages)))
    if options.mode in ("two", "both"):
        with tempfile.TemporaryDirectory() as temp, ExitStack() as stack:
            folder = Path(temp)
            env = _prepare(folder, stack.enter_context(_redis(folder)))
            first = stack.enter_context(_serve(env, folder, "web-a"))
            second = stack.enter_context(_serve(env, folder, "web-b"))
            _report("two processes, Redis", asyncio.run(_exchange(first, second, options.messages)))


if __name__ == "__main__":
    main()
