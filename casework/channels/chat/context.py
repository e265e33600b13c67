"""The portal's chat widget on every portal page: its context processor."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from casework.channels.chat.selectors import chat_widget_context
from casework.lib.web import is_contact, request_user


def widget(request: HttpRequest) -> dict[str, Any]:
    """Context processor: ``chat`` for the portal's chat widget (a contact on a portal page
    whose plan includes chat or messaging), else nothing."""
    path = request.path
    if not path.startswith("/portal/") or not is_contact(request.user):
        return {}
    found = chat_widget_context(request_user(request), at=timezone.now())
    if found is None:
        return {}
    return {"chat": found, "chat_max_chars": settings.CASEWORK_CHAT_MAX_CHARS}
