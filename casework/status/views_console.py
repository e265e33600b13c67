"""The console's status pages (``/console/status/``): the NOC runs an incident without the API.

Any member of staff sees them; only the ``noc`` and ``admin`` roles change anything (as the
API's ``NOC`` gate): anyone else's POST is a 403, and their pages show no forms. Customers
and the anonymous are turned away by ``staff_required`` like from every console page.

As on the case page, every action is a plain POST form (post/redirect/get with a message);
bad input re-renders the page with the field's error (400), a change the incident or the
policy refuses re-renders it with the reason (409). Views are thin: the reads are
``casework.status.selectors``, each write one service of ``casework.status.services``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from casework.accounts.selectors import user_role
from casework.lib.web import request_user, staff_required, viewer_zone
from casework.status.api import NOC_ROLES
from casework.status.errors import StatusInputError, StatusRefusedError
from casework.status.forms import (
    CaseLinkForm,
    ComponentForm,
    IncidentForm,
    MaintenanceForm,
    RcaForm,
    UpdateForm,
)
from casework.status.models import (
    CaseLink,
    Component,
    ComponentState,
    Incident,
    IncidentUpdate,
    Maintenance,
    Rca,
)
from casework.status.selectors import (
    case_by_reference,
    components_ordered,
    incident_case_link_get,
    incident_case_links,
    incident_get,
    incident_rca_get,
    maintenance_get,
    maintenance_policy_default,
    maintenance_unfinished,
    status_now,
)
from casework.status.services import (
    component_create,
    incident_case_link,
    incident_open,
    incident_suggestion_dismiss,
    incident_update_post,
    maintenance_cancel,
    maintenance_schedule,
    rca_publish,
    rca_submit,
    rca_write,
)

OVERVIEW_TEMPLATE = "status/console/overview.html"
INCIDENT_TEMPLATE = "status/console/incident.html"
MAINTENANCE_TEMPLATE = "status/console/maintenance.html"
NOC_ONLY = "only staff with the noc or admin role change the status page"

# Renders a page with a bound form (by context name) and the HTTP status.
Page = Callable[..., HttpResponse]
Perform = Callable[[dict[str, Any]], str]


def _can_change(user: User) -> bool:
    return user_role(user) in NOC_ROLES


def _noc(request: HttpRequest) -> User:
    """The signed-in NOC operator or administrator; a 403 for other staff."""
    user = request_user(request)
    if not _can_change(user):
        raise PermissionDenied(NOC_ONLY)
    return user


def _problem(bound: dict[str, forms.Form], refused: str | None) -> dict[str, str] | None:
    """What the top of the page says about a refused change: the reason, or which fields
    of which form need fixing (with the form's anchor)."""
    if refused:
        return {"anchor": "main", "text": refused}
    for name, form in bound.items():
        if form.errors:
            reasons = " ".join(str(reason) for reason in form.non_field_errors())
            fields = ", ".join(field for field in form.errors if field != "__all__")
            return {"anchor": name.removesuffix("_form"), "text": reasons or f"check {fields}."}
    return None


def _attempt(
    request: HttpRequest,
    name: str,
    form: forms.Form,
    perform: Perform,
    page: Page,
    to: str | Callable[[], str],
) -> HttpResponse:
    """If ``form`` is valid, ``perform`` its one service and redirect to ``to`` (a URL or
    URL name, or a function giving it once done) with the message it returns. Otherwise
    re-render ``page`` with the form (400), with the service's ``StatusInputError`` next to
    its field (400) or its ``StatusRefusedError`` (409)."""
    if not form.is_valid():
        return page(status=400, **{name: form})
    try:
        done = perform(form.cleaned_data)
    except StatusInputError as error:
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return page(status=400, **{name: form})
    except StatusRefusedError as error:
        form.add_error(None, error.reason)
        return page(status=409, **{name: form})
    messages.success(request, done)
    return redirect(to() if callable(to) else to)


def _refusable(
    request: HttpRequest, perform: Callable[[], str], page: Page, to: str
) -> HttpResponse:
    """A button without fields: do ``perform``, or re-render ``page`` with the reason (409)."""
    try:
        done = perform()
    except (StatusInputError, StatusRefusedError) as error:
        reason = error.reason if isinstance(error, StatusRefusedError) else error.message
        return page(status=409, refused=reason)
    messages.success(request, done)
    return redirect(to)


# ---------------------------------------------------------------- overview


def _overview(
    request: HttpRequest, *, status: int = 200, refused: str | None = None, **bound: forms.Form
) -> HttpResponse:
    components = list(components_ordered())
    initial: dict[str, str] = {}
    promoted = case_by_reference(request.GET.get("case", "")) if "case" in request.GET else None
    if promoted is not None:  # "Promote to incident" on a NOC case's page
        initial = {"case": promoted.number, "title": promoted.subject}
    context: dict[str, Any] = {
        "problem": _problem(bound, refused),
        "now": status_now(at=timezone.now()),
        "maintenance": maintenance_unfinished(),
        "can_change": _can_change(request_user(request)),
        "promoted": promoted,
        "component_form": bound.get("component_form") or ComponentForm(auto_id="component_%s"),
        "incident_form": bound.get("incident_form")
        or IncidentForm(components=components, initial=initial, auto_id="incident_%s"),
    }
    return render(request, OVERVIEW_TEMPLATE, context, status=status)


@staff_required
def status_overview(request: HttpRequest) -> HttpResponse:
    """Every component (grouped) with its state now, the open incidents, the maintenance
    scheduled or in progress; for the NOC, forms to add a component and open an incident
    (``?case=`` fills the latter in from a NOC case being promoted)."""
    return _overview(request)


@staff_required
@require_POST
def status_component_add(request: HttpRequest) -> HttpResponse:
    """Add a component (noc, admin), in a group made if it is new."""
    _noc(request)

    def perform(data: dict[str, Any]) -> str:
        component = component_create(
            name=data["name"], group=data["group"] or None, region=data["region"]
        )
        return f"Added the component {component.name}."

    form = ComponentForm(request.POST, auto_id="component_%s")
    page = partial(_overview, request)
    return _attempt(request, "component_form", form, perform, page, "console:status-overview")


@staff_required
@require_POST
def status_incident_open(request: HttpRequest) -> HttpResponse:
    """Open an incident with its first update (noc, admin); a NOC case named in ``case`` is
    promoted (linked to it), and the open cases of customers on the affected components are
    suggested for linking."""
    user = _noc(request)
    form = IncidentForm(request.POST, components=list(components_ordered()), auto_id="incident_%s")
    opened: list[Incident] = []

    def perform(data: dict[str, Any]) -> str:
        incident = incident_open(
            title=data["title"], impact=data["impact"], components=form.states(),
            message=data["message"], actor=user, at=timezone.now(), status=data["status"],
            security=data["security"], source_case=data["case"],
        )  # fmt: skip
        opened.append(incident)
        return f"Opened incident #{incident.pk}; its first update is public."

    page = partial(_overview, request)
    return _attempt(request, "incident_form", form, perform, page, lambda: _back(opened[0]))


# ---------------------------------------------------------------- an incident


def _incident(incident_id: int) -> Incident:
    try:
        return incident_get(incident_id)
    except Incident.DoesNotExist:
        raise Http404("no such incident") from None


def _rca_kind(kind: str) -> str:
    if kind not in Rca.Kind.values:
        raise Http404("no such RCA kind")
    return kind


def _timeline(
    incident: Incident, components: list[Component]
) -> list[tuple[IncidentUpdate, list[str]]]:
    """The incident's updates, newest first, each with the component states it set."""
    names = {str(component.pk): component.name for component in components}
    return [
        (update, [f"{names.get(pk, pk)}: {ComponentState(state).label}"
                  for pk, state in update.component_states.items()])
        for update in reversed(list(incident.updates.all()))
    ]  # fmt: skip


def _incident_page(
    request: HttpRequest,
    incident: Incident,
    *,
    status: int = 200,
    refused: str | None = None,
    **bound: forms.Form,
) -> HttpResponse:
    components = list(components_ordered())
    written = {rca.kind: rca for rca in incident.rcas.all()}
    rcas = []
    for kind in Rca.Kind:
        rca = written.get(kind.value)
        initial = {} if rca is None else {
            "summary": rca.summary, "root_cause": rca.root_cause,
            "preventive_measures": rca.preventive_measures,
        }  # fmt: skip
        form = bound.get(f"rca_{kind.value}_form") or RcaForm(
            initial=initial, auto_id=f"rca_{kind.value}_%s"
        )
        rcas.append({"kind": kind.value, "label": kind.label, "rca": rca, "form": form})
    context: dict[str, Any] = {
        "problem": _problem(bound, refused),
        "incident": incident,
        "timeline": _timeline(incident, components),
        "linked": incident_case_links(incident),
        "suggested": incident_case_links(incident, kinds=(CaseLink.Kind.SUGGESTED,)),
        "rcas": rcas,
        "can_change": _can_change(request_user(request)),
        "update_form": bound.get("update_form")
        or UpdateForm(components=components, auto_id="update_%s"),
        "link_form": bound.get("link_form") or CaseLinkForm(auto_id="link_%s"),
    }
    return render(request, INCIDENT_TEMPLATE, context, status=status)


def _back(incident: Incident) -> str:
    return reverse("console:status-incident", args=[incident.pk])


@staff_required
def status_incident(request: HttpRequest, incident_id: int) -> HttpResponse:
    """The incident: its timeline and component states, the linked and suggested cases, its
    RCAs; for the NOC, the forms to post an update, link cases and write the RCAs."""
    return _incident_page(request, _incident(incident_id))


@staff_required
@require_POST
def status_update(request: HttpRequest, incident_id: int) -> HttpResponse:
    """Post an update (noc, admin): a status post on every linked case, a response and a
    periodic update there (R8, R23); ``resolved`` marks them service restored."""
    user = _noc(request)
    incident = _incident(incident_id)
    form = UpdateForm(request.POST, components=list(components_ordered()), auto_id="update_%s")

    def perform(data: dict[str, Any]) -> str:
        incident_update_post(
            incident=incident, status=data["status"], message=data["message"], actor=user,
            at=timezone.now(), component_states=form.states(),
        )  # fmt: skip
        return "Update posted to the status page and to every linked case."

    page = partial(_incident_page, request, incident)
    return _attempt(request, "update_form", form, perform, page, _back(incident))


@staff_required
@require_POST
def status_case_link(request: HttpRequest, incident_id: int) -> HttpResponse:
    """Link a customer case to the incident by its number (noc, admin; G26)."""
    user = _noc(request)
    incident = _incident(incident_id)

    def perform(data: dict[str, Any]) -> str:
        case = data["case"]
        incident_case_link(incident=incident, case=case, actor=user, at=timezone.now())
        return f"Linked {case.number}: the incident's updates now answer it."

    form = CaseLinkForm(request.POST, auto_id="link_%s")
    page = partial(_incident_page, request, incident)
    return _attempt(request, "link_form", form, perform, page, _back(incident))


def _suggestion_step(
    request: HttpRequest, incident_id: int, link_id: int, *, dismiss: bool
) -> HttpResponse:
    user = _noc(request)
    incident = _incident(incident_id)
    try:
        link = incident_case_link_get(incident, link_id)
    except CaseLink.DoesNotExist:
        raise Http404("no such case link") from None

    def perform() -> str:
        if dismiss:
            incident_suggestion_dismiss(link=link, actor=user, at=timezone.now())
            return f"Dismissed the suggestion of {link.case.number}."
        incident_case_link(incident=incident, case=link.case, actor=user, at=timezone.now())
        return f"Linked {link.case.number}: the incident's updates now answer it."

    page = partial(_incident_page, request, incident)
    return _refusable(request, perform, page, _back(incident))


@staff_required
@require_POST
def status_suggestion_link(request: HttpRequest, incident_id: int, link_id: int) -> HttpResponse:
    """Confirm a suggested case: link it (noc, admin; G26)."""
    return _suggestion_step(request, incident_id, link_id, dismiss=False)


@staff_required
@require_POST
def status_suggestion_dismiss(request: HttpRequest, incident_id: int, link_id: int) -> HttpResponse:
    """Dismiss a suggested case: it is not about this incident (noc, admin)."""
    return _suggestion_step(request, incident_id, link_id, dismiss=True)


@staff_required
@require_POST
def status_rca_write(request: HttpRequest, incident_id: int, kind: str) -> HttpResponse:
    """Write the preliminary or final RCA as a draft (noc, admin; R21, R22)."""
    user = _noc(request)
    incident = _incident(incident_id)
    kind = _rca_kind(kind)

    def perform(data: dict[str, Any]) -> str:
        rca_write(
            incident=incident, kind=kind, summary=data["summary"], root_cause=data["root_cause"],
            preventive_measures=data["preventive_measures"], actor=user, at=timezone.now(),
        )  # fmt: skip
        return f"Saved the {kind} RCA as a draft."

    form = RcaForm(request.POST, auto_id=f"rca_{kind}_%s")
    page = partial(_incident_page, request, incident)
    return _attempt(request, f"rca_{kind}_form", form, perform, page, _back(incident))


def _rca_step(request: HttpRequest, incident_id: int, kind: str, *, publish: bool) -> HttpResponse:
    user = _noc(request)
    incident = _incident(incident_id)
    try:
        rca = incident_rca_get(incident, _rca_kind(kind))
    except Rca.DoesNotExist:
        raise Http404("no such RCA") from None

    def perform() -> str:
        if publish:
            rca_publish(rca=rca, actor=user, at=timezone.now())
            return f"Published the {kind} RCA to the linked cases."
        rca_submit(rca=rca, actor=user, at=timezone.now())
        return f"Sent the {kind} RCA for review."

    page = partial(_incident_page, request, incident)
    return _refusable(request, perform, page, _back(incident))


@staff_required
@require_POST
def status_rca_review(request: HttpRequest, incident_id: int, kind: str) -> HttpResponse:
    """Send a draft RCA for review (noc, admin)."""
    return _rca_step(request, incident_id, kind, publish=False)


@staff_required
@require_POST
def status_rca_publish(request: HttpRequest, incident_id: int, kind: str) -> HttpResponse:
    """Publish a reviewed RCA: it is posted to every linked case and meets their RCA clock
    of that kind (noc, admin; R21, R22)."""
    return _rca_step(request, incident_id, kind, publish=True)


# ---------------------------------------------------------------- maintenance (R29)


def _maintenance_page(
    request: HttpRequest, *, status: int = 200, refused: str | None = None, **bound: forms.Form
) -> HttpResponse:
    zone = str(viewer_zone(request.user))
    context: dict[str, Any] = {
        "problem": _problem(bound, refused),
        "maintenance": maintenance_unfinished(),
        "can_change": _can_change(request_user(request)),
        "zone": zone,
        "maintenance_form": bound.get("maintenance_form")
        or MaintenanceForm(zone=zone, auto_id="maintenance_%s"),
    }
    return render(request, MAINTENANCE_TEMPLATE, context, status=status)


@staff_required
def status_maintenance(request: HttpRequest) -> HttpResponse:
    """Maintenance scheduled or in progress, and for the NOC a form to schedule more."""
    return _maintenance_page(request)


@staff_required
@require_POST
def status_maintenance_schedule(request: HttpRequest) -> HttpResponse:
    """Schedule maintenance (noc, admin) under the maintenance rules of the one policy
    stating them: inside the region's window unless an emergency (R29), whose notice goes to
    the customers' emergency contacts (R28). A refusal is shown with its reason."""
    user = _noc(request)
    zone = str(viewer_zone(request.user))

    def perform(data: dict[str, Any]) -> str:
        maintenance = maintenance_schedule(
            title=data["title"], message=data["message"], components=data["components"],
            policy_id=maintenance_policy_default(), starts_at=data["starts_at"],
            ends_at=data["ends_at"], region=data["region"], emergency=data["emergency"],
            actor=user, at=timezone.now(),
        )  # fmt: skip
        return f"Scheduled “{maintenance.title}”; it starts and ends by itself."

    form = MaintenanceForm(request.POST, zone=zone, auto_id="maintenance_%s")
    page = partial(_maintenance_page, request)
    return _attempt(request, "maintenance_form", form, perform, page, "console:status-maintenance")


@staff_required
@require_POST
def status_maintenance_cancel(request: HttpRequest, maintenance_id: int) -> HttpResponse:
    """Cancel maintenance that is not over (noc, admin); subscribers who heard are told."""
    user = _noc(request)
    try:
        maintenance = maintenance_get(maintenance_id)
    except Maintenance.DoesNotExist:
        raise Http404("no such maintenance") from None

    def perform() -> str:
        maintenance_cancel(maintenance=maintenance, actor=user, at=timezone.now())
        return f"Cancelled “{maintenance.title}”."

    page = partial(_maintenance_page, request)
    return _refusable(request, perform, page, "console:status-maintenance")
