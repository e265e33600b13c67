"""Report pages of the console, mounted under ``/console/`` in the ``console`` namespace."""

from __future__ import annotations

from django.urls import URLPattern, path

from casework.reports import views

console_urlpatterns: list[URLPattern] = [
    path("board/", views.board, name="board"),
]
