"""The case pages of the two web surfaces: ``/console/`` (staff) and ``/portal/`` (contacts).

``casework/urls.py`` mounts each list under its namespace (``console:``, ``portal:``), next to
the pages other apps add to the same surface."""

from __future__ import annotations

from django.urls import URLPattern, path

from casework.cases.views import console, portal

console_urlpatterns: list[URLPattern] = [
    path("", console.queue, name="queue"),
    path("cases/<int:case_id>/", console.case_detail, name="case"),
    path("cases/<int:case_id>/reply/", console.case_reply, name="reply"),
    path("cases/<int:case_id>/note/", console.case_note, name="note"),
    path("cases/<int:case_id>/attach/", console.case_attach, name="attach"),
    path("cases/<int:case_id>/reclassify/", console.case_reclassify_view, name="reclassify"),
    path("cases/<int:case_id>/elevate/", console.case_elevate_view, name="elevate"),
    path("cases/<int:case_id>/assign/", console.case_assign_view, name="assign"),
    path("cases/<int:case_id>/status/", console.case_status, name="status"),
    path("cases/<int:case_id>/call/", console.case_call, name="call"),
    path("attachments/<int:attachment_id>/", console.attachment_download, name="attachment"),
]

portal_urlpatterns: list[URLPattern] = [
    path("", portal.case_list, name="cases"),
]
