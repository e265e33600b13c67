"""The case pages of the two web surfaces: ``/console/`` (staff) and ``/portal/`` (contacts).

``casework/urls.py`` mounts each list under its namespace (``console:``, ``portal:``), next to
the pages other apps add to the same surface."""

from __future__ import annotations

from django.urls import URLPattern, path

from casework.accounts import views_portal
from casework.cases.views import console, portal
from casework.channels.chat import views as chat_views

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
    path("cases.csv", portal.case_export, name="cases-csv"),
    path("cases/new/", portal.case_new, name="case-new"),
    path("cases/<int:case_id>/", portal.case_detail, name="case"),
    path("cases/<int:case_id>/reply/", portal.case_reply, name="case-reply"),
    path("cases/<int:case_id>/closable/", portal.case_closable, name="case-closable"),
    path("cases/<int:case_id>/status/", portal.case_status, name="case-status"),
    path("attachments/<int:attachment_id>/", portal.attachment_download, name="attachment"),
    path("plan/", views_portal.plan, name="plan"),
    path("chat/", chat_views.portal_chat, name="chat"),
    path("chat/end/", chat_views.portal_chat_end, name="chat-end"),
]
