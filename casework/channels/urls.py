"""Console pages of the intake channels (mounted under ``/console/`` in ``casework/urls.py``)."""

from __future__ import annotations

from django.urls import URLPattern, path

from casework.channels import views_console
from casework.channels.chat import views as chat_views

console_urlpatterns: list[URLPattern] = [
    path("intake/", views_console.intake_list, name="intake"),
    path("intake/<int:raw_id>/", views_console.intake_detail, name="intake-detail"),
    path("intake/<int:raw_id>/retry/", views_console.intake_retry, name="intake-retry"),
    path("intake/<int:raw_id>/case/", views_console.intake_case_open, name="intake-case"),
    path("chat/", chat_views.console_chat, name="chat"),
    path(
        "chat/<int:conversation_id>/message/", chat_views.console_chat_message, name="chat-message"
    ),
    path("chat/<int:conversation_id>/case/", chat_views.console_chat_case, name="chat-case"),
    path("chat/<int:conversation_id>/end/", chat_views.console_chat_end, name="chat-end"),
]
