"""The chat's websocket URLs (``casework/asgi.py`` routes the websocket scope here)."""

from __future__ import annotations

from typing import Any

from django.urls import path

from casework.channels.chat.consumers import ConsoleChatConsumer, PortalChatConsumer

# Django's path() is typed for views; Channels' URLRouter takes ASGI applications in it.
websocket_urlpatterns: list[Any] = [
    path("ws/chat/", PortalChatConsumer.as_asgi()),  # type: ignore[arg-type]
    path("ws/console/chat/", ConsoleChatConsumer.as_asgi()),  # type: ignore[arg-type]
]
