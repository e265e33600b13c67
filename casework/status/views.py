"""The public status page: ``/status/`` and ``/status/incidents/<id>/`` (no login)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from casework.status.models import Incident
from casework.status.selectors import incident_get, status_now


def status_index(request: HttpRequest) -> HttpResponse:
    """The overall state, each component, the open incidents with their latest update and
    the maintenance announced."""
    return render(request, "status/index.html", {"now": status_now(at=timezone.now())})


def status_incident(request: HttpRequest, incident_id: int) -> HttpResponse:
    """One incident with its whole timeline, newest update first."""
    try:
        incident = incident_get(incident_id)
    except Incident.DoesNotExist:
        raise Http404("no such incident") from None
    updates = list(incident.updates.all())[::-1]
    return render(request, "status/incident.html", {"incident": incident, "updates": updates})
