"""URLs of the public status page (namespace ``status``)."""

from django.urls import path

from casework.status.views import status_incident, status_index

app_name = "status"
urlpatterns = [
    path("", status_index, name="index"),
    path("incidents/<int:incident_id>/", status_incident, name="incident"),
]
