"""Phone pages of the console, mounted under ``/console/`` in the ``console`` namespace."""

from __future__ import annotations

from django.urls import URLPattern, path

from casework.channels.phone import views

console_urlpatterns: list[URLPattern] = [
    path("calls/new/", views.call_new, name="call-new"),
    path("calls/billable/", views.billable_calls, name="billable-calls"),
]
