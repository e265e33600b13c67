"""Publishing chat events to the websockets that show them, from any thread.

Groups: ``chat.conversation.<id>`` (the customer's widget and every engineer who opened the
conversation) and ``chat.console`` (every engineer's list of conversations). Services call
:func:`chat_publish` once their transaction has committed.

The channel layer is asynchronous and services are not. With Redis, ``async_to_sync``
sends from any thread. The in-memory layer's queues belong to the event loop the websockets
of this process run on (:func:`loop_remember` keeps it when one connects), so its sends are
scheduled on that loop, whether they come from a consumer's database thread or from an HTTP
view on a2wsgi's pool.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

logger = logging.getLogger(__name__)

CONSOLE_GROUP = "chat.console"
_loop: asyncio.AbstractEventLoop | None = None
_lock = threading.Lock()


def conversation_group(conversation_id: int) -> str:
    """The group of one conversation's websockets."""
    return f"chat.conversation.{conversation_id}"


def loop_remember(loop: asyncio.AbstractEventLoop) -> None:
    """Keep the event loop the websockets of this process run on (called on connect)."""
    global _loop
    with _lock:
        _loop = loop


def chat_publish(group: str, event: dict[str, Any]) -> None:
    """Send ``event`` (``{"type": "chat.event", ...}``) to every websocket in ``group``.
    A layer that cannot be reached is logged, never raised: the message is stored already
    and the pages read it again when they reconnect."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        if not isinstance(layer, InMemoryChannelLayer):
            async_to_sync(layer.group_send)(group, event)
            return
        loop = _loop
        if loop is None or not loop.is_running():
            return  # no websocket ever connected to this process: nobody to tell
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            loop.create_task(layer.group_send(group, event))
            return
        asyncio.run_coroutine_threadsafe(layer.group_send(group, event), loop).result(timeout=5)
    except Exception:
        logger.exception("chat: publishing to %s failed", group)
