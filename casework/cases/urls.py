"""The case pages of the two web surfaces: ``/console/`` (staff) and ``/portal/`` (contacts).

``casework/urls.py`` mounts each list under its namespace (``console:``, ``portal:``), next to
the pages other apps add to the same surface."""

from __future__ import annotations

from django.urls import URLPattern, path

from casework.cases.views import console, portal

console_urlpatterns: list[URLPattern] = [
    path("", console.queue, name="queue"),
]

portal_urlpatterns: list[URLPattern] = [
    path("", portal.case_list, name="cases"),
]
