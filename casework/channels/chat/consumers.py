"""The chat's websockets: a contact's widget in the portal and the engineers' pane in the
console (R1). Thin like views: they check who is connected, call the chat services through
``database_sync_to_async`` and relay what the channel layer publishes.

Frames are JSON objects with a ``type``. From the browser: ``message`` (``body``, and
``conversation`` in the console), ``end``, and in the console ``open`` (``conversation``)
and ``case`` (``conversation``, ``subject``, ``priority``, ``environment``, ``case``: a case
number to join instead). To the browser: ``transcript``, ``message``, ``conversation``
(a summary for the console's list), ``case``, ``ended``, ``error`` (``field`` and
``message``: a refusal, with the reason).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any, cast

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import User
from django.utils import timezone

from casework.cases.errors import CaseInputError, CaseRefusedError
from casework.channels.chat import services
from casework.channels.chat.realtime import CONSOLE_GROUP, conversation_group, loop_remember
from casework.channels.chat.selectors import (
    case_to_join,
    chat_channel_of,
    conversation_get,
    conversation_list,
    conversation_open_of,
    conversation_summary,
    transcript_view,
)
from casework.channels.models import Conversation
from casework.lib.web import is_contact, is_staff_member

# Closing codes (4000-4999 are the application's): the page says why and does not retry.
CLOSE_FORBIDDEN = 4403
CLOSE_SIGNED_OUT = 4401


class _ChatConsumer(AsyncJsonWebsocketConsumer):
    """What both sides share: the signed-in user, refusals as ``error`` frames, relaying."""

    user: User
    groups_joined: set[str]

    async def _accept(self, gate: Callable[[Any], User | None]) -> bool:
        """Accept the socket if ``gate`` lets the scope's user in; close it (4403) if not."""
        self.groups_joined = set()
        user = await database_sync_to_async(gate)(self.scope.get("user"))
        if user is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return False
        self.user = user
        loop_remember(asyncio.get_running_loop())
        await self.accept()
        return True

    async def _join(self, group: str) -> None:
        if group not in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
            self.groups_joined.add(group)

    async def _leave(self, group: str) -> None:
        if group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
            self.groups_joined.discard(group)

    async def disconnect(self, code: int) -> None:
        """Leave every group this socket joined."""
        for group in getattr(self, "groups_joined", set()):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def chat_event(self, event: dict[str, Any]) -> None:
        """Relay what a service published (``realtime.chat_publish``)."""
        await self.send_json(event["event"])

    async def _refused(self, error: Exception) -> None:
        if isinstance(error, CaseInputError):
            await self.send_json({"type": "error", "field": error.field, "message": error.message})
        elif isinstance(error, CaseRefusedError):
            await self.send_json({"type": "error", "field": None, "message": error.reason})

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        """Hand a frame to ``on_<type>``; a malformed one is answered with an error. Every
        frame checks again that its sender is still signed in and active: signing out,
        an expired session or a deactivated account closes the socket (4401)."""
        if not await database_sync_to_async(_still_signed_in)(self.scope, self.user):
            await self.close(code=CLOSE_SIGNED_OUT)
            return
        kind = content.get("type") if isinstance(content, dict) else None
        handler = getattr(self, f"on_{kind}", None) if isinstance(kind, str) else None
        if handler is None:
            await self.send_json({"type": "error", "field": "type", "message": "unknown frame"})
            return
        try:
            await handler(content)
        except (CaseInputError, CaseRefusedError) as error:
            await self._refused(error)

    @classmethod
    async def decode_json(cls, text_data: str) -> Any:
        """Malformed JSON is a frame of no type (answered with an error), not a crash."""
        try:
            return await super().decode_json(text_data)
        except ValueError:
            return None


def _text(content: dict[str, Any], name: str) -> str:
    value = content.get(name, "")
    if not isinstance(value, str):
        raise CaseInputError(name, "expected text")
    return value


class PortalChatConsumer(_ChatConsumer):
    """``/ws/chat/`` for a contact whose plan includes chat or messaging."""

    conversation: Conversation | None

    async def connect(self) -> None:
        """Accept a contact of an organisation with chat; send their open conversation."""
        if not await self._accept(_contact_with_chat):
            return
        self.conversation = await database_sync_to_async(conversation_open_of)(self.user)
        if self.conversation is not None:
            await self._join(conversation_group(self.conversation.pk))
        await self._send_transcript()

    async def _send_transcript(self) -> None:
        conversation = self.conversation
        messages = (
            await database_sync_to_async(transcript_view)(conversation) if conversation else []
        )
        await self.send_json({
            "type": "transcript", "conversation": conversation.pk if conversation else None,
            "messages": messages,
            "case": await database_sync_to_async(_case_of)(conversation),
        })  # fmt: skip

    async def on_message(self, content: dict[str, Any]) -> None:
        """Post the contact's message, starting a conversation if none is open."""
        body = _text(content, "body")
        conversation = self.conversation = await database_sync_to_async(_start)(self.user)
        # joined before posting, so that the widget hears its own message back
        await self._join(conversation_group(conversation.pk))
        await database_sync_to_async(_post)(conversation, self.user, body)

    async def on_end(self, content: dict[str, Any]) -> None:
        """End the contact's conversation."""
        if self.conversation is not None:
            await database_sync_to_async(_end)(self.conversation, self.user)
            await self._leave(conversation_group(self.conversation.pk))
            self.conversation = None


class ConsoleChatConsumer(_ChatConsumer):
    """``/ws/console/chat/`` for support staff: every conversation, and the ones opened."""

    async def connect(self) -> None:
        """Accept support staff; send the list of conversations."""
        if not await self._accept(_staff):
            return
        await self._join(CONSOLE_GROUP)
        summaries = await database_sync_to_async(_summaries)()
        await self.send_json({"type": "conversations", "conversations": summaries})

    async def _conversation(self, content: dict[str, Any]) -> Conversation:
        value = content.get("conversation")
        found = (
            await database_sync_to_async(conversation_get)(value)
            if isinstance(value, int) and not isinstance(value, bool)
            else None
        )
        if not isinstance(found, Conversation):
            raise CaseInputError("conversation", "no such conversation")
        return found

    async def on_open(self, content: dict[str, Any]) -> None:
        """Follow a conversation: its transcript now, its messages as they come."""
        conversation = await self._conversation(content)
        await self._join(conversation_group(conversation.pk))
        await self.send_json({
            "type": "transcript", "conversation": conversation.pk,
            "messages": await database_sync_to_async(transcript_view)(conversation),
            "summary": await database_sync_to_async(conversation_summary)(conversation),
        })  # fmt: skip

    async def on_message(self, content: dict[str, Any]) -> None:
        """Answer in a conversation (the first engineer to answer joins it)."""
        conversation = await self._conversation(content)
        body = _text(content, "body")
        await self._join(conversation_group(conversation.pk))
        await database_sync_to_async(_post)(conversation, self.user, body)

    async def on_case(self, content: dict[str, Any]) -> None:
        """Make a case of the conversation, or add it to one of its organisation's."""
        conversation = await self._conversation(content)
        priority = content.get("priority") or None
        if priority is not None and not isinstance(priority, str):
            raise CaseInputError("priority", "expected a priority id")
        number = _text(content, "case").strip()
        await database_sync_to_async(_make_case)(
            conversation, self.user, _text(content, "subject").strip(), priority,
            _text(content, "environment") or "production", number,
        )  # fmt: skip

    async def on_end(self, content: dict[str, Any]) -> None:
        """End a conversation."""
        conversation = await self._conversation(content)
        await database_sync_to_async(_end)(conversation, self.user)


# The synchronous halves (run on asgiref's thread for the database).


def _signed_in(user: Any) -> User | None:
    """The scope's user (AuthMiddlewareStack's lazy object) as a User, if one is signed in."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return cast(User, getattr(user, "_wrapped", user))


def _still_signed_in(scope: Mapping[str, Any], user: User) -> bool:
    """The socket's session still exists, has not expired and names ``user``, who is
    still active (the session is read afresh: the scope's copy is from the connect)."""
    key = getattr(scope.get("session"), "session_key", None)
    if not key:
        return False
    data = import_module(settings.SESSION_ENGINE).SessionStore(session_key=key).load()
    if str(data.get(SESSION_KEY, "")) != str(user.pk):
        return False
    return User.objects.filter(pk=user.pk, is_active=True).exists()


def _contact_with_chat(scope_user: Any) -> User | None:
    user = _signed_in(scope_user)
    if user is None or not is_contact(user):
        return None
    allowed = chat_channel_of(user.contact.organization, at=timezone.now()) is not None
    return user if allowed else None


def _staff(scope_user: Any) -> User | None:
    user = _signed_in(scope_user)
    return user if user is not None and is_staff_member(user) else None


def _case_of(conversation: Conversation | None) -> dict[str, Any] | None:
    case = conversation.case if conversation is not None else None
    return {"number": case.number, "id": case.pk} if case is not None else None


def _start(user: User) -> Conversation:
    return services.conversation_start(contact=user, at=timezone.now())


def _post(conversation: Conversation, user: User, body: str) -> None:
    services.chat_message_post(conversation=conversation, author=user, body=body, at=timezone.now())


def _end(conversation: Conversation, user: User) -> None:
    services.conversation_end(conversation=conversation, actor=user, at=timezone.now())


def _make_case(
    conversation: Conversation, user: User, subject: str, priority: str | None,
    environment: str, number: str,
) -> None:  # fmt: skip
    services.conversation_case_make(
        conversation=conversation, actor=user, at=timezone.now(), subject=subject,
        priority=priority, environment=environment, case=case_to_join(number),
    )  # fmt: skip


def _summaries() -> list[dict[str, Any]]:
    return [conversation_summary(c) for c in conversation_list()]
