"""URLs of the public status page (namespace ``status``) and the per-account status page of
the portal (``portal_urlpatterns``, mounted under ``portal:``)."""

from django.urls import path

from casework.status.views import portal_status, status_incident, status_index

app_name = "status"
urlpatterns = [
    path("", status_index, name="index"),
    path("incidents/<int:incident_id>/", status_incident, name="incident"),
]

portal_urlpatterns = [
    path("status/", portal_status, name="status"),
]
