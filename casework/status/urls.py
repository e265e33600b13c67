"""URLs of the public status page (namespace ``status``), the per-account status page of the
portal (``portal_urlpatterns``, mounted under ``portal:``) and the console's status pages
(``console_urlpatterns``, mounted under ``/console/`` in the ``console`` namespace)."""

from __future__ import annotations

from django.urls import URLPattern, path

from casework.status import views_console as console
from casework.status.views import (
    StatusFeed,
    portal_status,
    status_incident,
    status_index,
    status_subscribe,
    status_subscription_confirm,
    status_unsubscribe,
)

app_name = "status"
urlpatterns = [
    path("", status_index, name="index"),
    path("incidents/<int:incident_id>/", status_incident, name="incident"),
    path("feed.atom", StatusFeed(), name="feed"),
    path("subscribe/", status_subscribe, name="subscribe"),
    path("subscriptions/<str:token>/confirm/", status_subscription_confirm,
         name="subscription-confirm"),
    path("subscriptions/<str:token>/unsubscribe/", status_unsubscribe, name="unsubscribe"),
]  # fmt: skip

portal_urlpatterns: list[URLPattern] = [
    path("status/", portal_status, name="status"),
]

INCIDENT = "status/incidents/<int:incident_id>/"
console_urlpatterns: list[URLPattern] = [
    path("status/", console.status_overview, name="status-overview"),
    path("status/components/", console.status_component_add, name="status-component-add"),
    path("status/incidents/", console.status_incident_open, name="status-incident-open"),
    path(INCIDENT, console.status_incident, name="status-incident"),
    path(f"{INCIDENT}updates/", console.status_update, name="status-update"),
    path(f"{INCIDENT}cases/", console.status_case_link, name="status-case-link"),
    path(f"{INCIDENT}cases/<int:link_id>/link/", console.status_suggestion_link,
         name="status-suggestion-link"),
    path(f"{INCIDENT}cases/<int:link_id>/dismiss/", console.status_suggestion_dismiss,
         name="status-suggestion-dismiss"),
    path(f"{INCIDENT}rca/<slug:kind>/", console.status_rca_write, name="status-rca-write"),
    path(f"{INCIDENT}rca/<slug:kind>/review/", console.status_rca_review,
         name="status-rca-review"),
    path(f"{INCIDENT}rca/<slug:kind>/publish/", console.status_rca_publish,
         name="status-rca-publish"),
    path("status/maintenance/", console.status_maintenance, name="status-maintenance"),
    path("status/maintenance/schedule/", console.status_maintenance_schedule,
         name="status-maintenance-schedule"),
    path("status/maintenance/<int:maintenance_id>/cancel/", console.status_maintenance_cancel,
         name="status-maintenance-cancel"),
]  # fmt: skip
