"""The chat's websockets through the real ASGI application (casework/asgi.py) served by a
real uvicorn on loopback: the session cookie signs them in, the origin is checked, and
messages cross between a contact's widget and an engineer's pane through the in-memory
channel layer of the embedded default (R1)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from casework.channels.chat.services import conversation_end
from casework.channels.models import ChatMessage, Conversation
from tests.cases.conftest import Persona
from tests.support import AsgiServer, run_async, signed_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def server() -> Iterator[AsgiServer]:
    with AsgiServer() as running:
        yield running


def session_cookie(client: Client) -> str:
    """The ``Cookie`` header of ``client``'s session."""
    return f"sessionid={client.cookies['sessionid'].value}"


def cookie_of(user: User) -> str:
    return session_cookie(signed_in(user))


class Socket:
    """A websocket client of the test's server, signed in by ``cookie`` ("": signed out)."""

    def __init__(self, server: AsgiServer, path: str, cookie: str, origin: str = "") -> None:
        self.url = f"{server.ws_url}{path}"
        self.headers = {"Cookie": cookie} if cookie else {}
        self.origin = origin or server.url
        self.ws: ClientConnection | None = None

    async def connect(self) -> bool:
        try:
            self.ws = await connect(
                self.url, additional_headers=self.headers, origin=self.origin,  # type: ignore[arg-type]
                open_timeout=5,
            )  # fmt: skip
        except InvalidStatus:
            return False
        return True

    async def send(self, frame: dict[str, Any]) -> None:
        assert self.ws is not None
        await self.ws.send(json.dumps(frame))

    async def send_text(self, text: str) -> None:
        assert self.ws is not None
        await self.ws.send(text)

    async def frame(self, kind: str, timeout: float = 1.0) -> dict[str, Any]:
        """The next frame of ``kind`` (others are skipped), within ``timeout`` seconds."""
        assert self.ws is not None
        deadline = time.monotonic() + timeout
        while True:
            left = max(deadline - time.monotonic(), 0.01)
            frame = json.loads(await asyncio.wait_for(self.ws.recv(), timeout=left))
            if frame["type"] == kind:
                return dict(frame)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()


def run(test: Callable[[], Coroutine[Any, Any, None]]) -> None:
    run_async(test())


@pytest.mark.rule("R1")
def test_messages_cross_between_the_widget_and_the_console_in_under_a_second(
    server: AsgiServer, ida: User, bob: Persona
) -> None:
    ida_cookie = cookie_of(ida)
    bob_cookie = cookie_of(bob.user)

    async def scenario() -> None:
        console = Socket(server, "/ws/console/chat/", bob_cookie)
        assert await console.connect()
        assert (await console.frame("conversations"))["conversations"] == []
        widget = Socket(server, "/ws/chat/", ida_cookie)
        assert await widget.connect()
        assert (await widget.frame("transcript"))["messages"] == []

        sent = time.monotonic()
        await widget.send({"type": "message", "body": "Our chat widget is blank"})
        listed = (await console.frame("conversation"))["conversation"]
        assert (listed["contact"], listed["organization"], listed["status"]) == (
            "Ida Lund", "Initech", "waiting",
        )  # fmt: skip
        echoed = await widget.frame("message")
        assert echoed["message"]["body"] == "Our chat widget is blank"
        assert time.monotonic() - sent < 1.0

        await console.send({"type": "open", "conversation": listed["id"]})
        transcript = await console.frame("transcript")
        assert [m["body"] for m in transcript["messages"]] == ["Our chat widget is blank"]
        sent = time.monotonic()
        await console.send(
            {"type": "message", "conversation": listed["id"], "body": "Which site is it?"}
        )
        answer = (await widget.frame("message"))["message"]
        assert (answer["body"], answer["support"], answer["author"]) == (
            "Which site is it?", True, "bob",
        )  # fmt: skip
        assert time.monotonic() - sent < 1.0

        await console.send({
            "type": "case", "conversation": listed["id"], "subject": "Blank widget",
            "priority": "sev2", "environment": "production", "case": "",
        })  # fmt: skip
        made = await widget.frame("case")
        assert made["case"].startswith("CW-")
        note = (await widget.frame("message"))["message"]
        assert (note["system"], note["body"]) == (
            True,
            f"This conversation is now case {made['case']}.",
        )
        await widget.close()
        await console.close()

    run(scenario)
    conversation = Conversation.objects.get()
    assert conversation.case is not None
    assert (conversation.case.subject, conversation.case.channel) == ("Blank widget", "chat")


def test_the_widget_reconnecting_gets_its_open_conversation_back(
    server: AsgiServer, ida: User
) -> None:
    ida_cookie = cookie_of(ida)

    async def scenario() -> None:
        widget = Socket(server, "/ws/chat/", ida_cookie)
        await widget.connect()
        await widget.frame("transcript")
        await widget.send({"type": "message", "body": "First"})
        await widget.frame("message")
        await widget.close()
        again = Socket(server, "/ws/chat/", ida_cookie)
        await again.connect()
        transcript = await again.frame("transcript")
        assert [m["body"] for m in transcript["messages"]] == ["First"]
        await again.close()

    run(scenario)


@pytest.mark.rule("R1")
def test_who_may_connect(server: AsgiServer, ida: User, alice: Persona, bob: Persona) -> None:
    cookies = {user: cookie_of(user) for user in (ida, alice.user, bob.user)}

    async def refused(path: str, user: User | None, origin: str = "") -> bool:
        ws = Socket(server, path, cookies[user] if user is not None else "", origin)
        connected = await ws.connect()
        await ws.close()
        return not connected

    async def scenario() -> None:
        assert await refused("/ws/chat/", None)  # signed out
        assert await refused("/ws/chat/", alice.user)  # LiveOps Standard: no chat (R1)
        assert await refused("/ws/chat/", bob.user)  # staff use the console's socket
        assert await refused("/ws/console/chat/", ida)  # a contact is not support
        assert await refused("/ws/chat/", ida, origin="https://evil.example")  # hijacking
        assert not await refused("/ws/chat/", ida)

    run(scenario)


def test_bad_frames_are_answered_with_the_reason(server: AsgiServer, ida: User) -> None:
    ida_cookie = cookie_of(ida)

    async def scenario() -> None:
        widget = Socket(server, "/ws/chat/", ida_cookie)
        await widget.connect()
        await widget.frame("transcript")
        await widget.send_text("{not json")
        assert (await widget.frame("error"))["field"] == "type"
        await widget.send({"type": "shout"})
        assert (await widget.frame("error"))["message"] == "unknown frame"
        await widget.send({"type": "message", "body": 42})
        assert (await widget.frame("error"))["field"] == "body"
        await widget.send({"type": "message", "body": "x" * 4001})
        refusal = await widget.frame("error")
        assert (refusal["field"], refusal["message"]) == (
            "body", "a chat message is at most 4000 characters",
        )  # fmt: skip
        await widget.send({"type": "message", "body": "still here"})
        assert (await widget.frame("message"))["message"]["body"] == "still here"
        await widget.close()

    run(scenario)


def test_a_change_made_outside_the_sockets_reaches_them(
    server: AsgiServer, ida: User, bob: Persona
) -> None:
    """An HTTP view runs on a2wsgi's threads, not on the websockets' event loop: what its
    services publish is scheduled on that loop."""

    ida_cookie = cookie_of(ida)

    async def scenario() -> None:
        widget = Socket(server, "/ws/chat/", ida_cookie)
        await widget.connect()
        await widget.frame("transcript")
        await widget.send({"type": "message", "body": "Hello?"})
        await widget.frame("message")
        conversation = await asyncio.to_thread(lambda: Conversation.objects.get())

        def end_elsewhere() -> None:
            from django.utils import timezone

            conversation_end(conversation=conversation, actor=bob.user, at=timezone.now())

        await asyncio.get_running_loop().run_in_executor(None, end_elsewhere)
        ended = await widget.frame("ended")
        assert ended == {"type": "ended"}
        await widget.close()

    run(scenario)
    assert Conversation.objects.get().status == "ended"


def test_signing_out_closes_the_socket_at_its_next_frame(server: AsgiServer, ida: User) -> None:
    """Every frame is authorised again (Zammad CVE-2026-102489: a websocket that outlived its
    session): after signing out, or once the account is deactivated, the socket closes."""
    client = signed_in(ida)
    cookie = session_cookie(client)

    async def scenario(then: Callable[[], None]) -> int | None:
        widget = Socket(server, "/ws/chat/", cookie)
        assert await widget.connect()
        await widget.frame("transcript")
        await asyncio.to_thread(then)
        await widget.send({"type": "message", "body": "still there?"})
        assert widget.ws is not None
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(widget.ws.recv(), timeout=2)
        return widget.ws.close_code

    assert run_async(scenario(client.logout)) == 4401
    assert not ChatMessage.objects.exists()

    client.force_login(ida)
    cookie = session_cookie(client)

    def deactivate() -> None:
        User.objects.filter(pk=ida.pk).update(is_active=False)

    assert run_async(scenario(deactivate)) == 4401
    assert not ChatMessage.objects.exists()
