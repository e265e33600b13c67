"""Console pages for support managers: policy versions, uploading a new one."""

from __future__ import annotations

from django.urls import URLPattern, path

from casework.policies import views_console

console_urlpatterns: list[URLPattern] = [
    path("policies/", views_console.policy_versions, name="policies"),
    path("policies/upload/", views_console.policy_upload, name="policy-upload"),
    path("policies/upload/load/", views_console.policy_load, name="policy-load"),
]
