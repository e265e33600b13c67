"""Console pages for support managers: policy versions, uploading a new one."""

from __future__ import annotations

from django.urls import URLPattern

console_urlpatterns: list[URLPattern] = []
