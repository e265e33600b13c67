"""``/api/v1/status``: SPEC §4 "Status" plus maintenance and RCAs. Reading is public (no
login); changing needs a token of staff with the ``noc`` or ``admin`` role. Bad input is a
422 naming the field; a refused change (an update to a resolved incident) a 409."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import User
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router, Status
from ninja.errors import HttpError

from casework.accounts.models import ServiceAccount
from casework.api.auth import RoleAuth
from casework.api.errors import FieldError
from casework.cases.models import Case, Origin
from casework.status.errors import StatusInputError, StatusRefusedError
from casework.status.models import (
    Component,
    ComponentGroup,
    ComponentState,
    Incident,
    IncidentUpdate,
    Maintenance,
    Rca,
    Subscriber,
)
from casework.status.schemas import (
    CaseLinkIn,
    CaseLinkOut,
    ComponentIn,
    ComponentOut,
    IncidentIn,
    IncidentOut,
    MaintenanceIn,
    MaintenanceOut,
    RcaIn,
    RcaOut,
    RcaStateIn,
    StatusOut,
    UpdateIn,
    UpdateOut,
    WebhookIn,
    WebhookOut,
)
from casework.status.selectors import (
    ComponentNow,
    incident_case_links,
    incident_get,
    maintenance_policy_default,
    status_now,
    webhooks_all,
)
from casework.status.services import (
    component_accounts_set,
    component_create,
    incident_case_link,
    incident_open,
    incident_update_post,
    maintenance_cancel,
    maintenance_schedule,
    rca_publish,
    rca_submit,
    rca_write,
    subscriber_unsubscribe,
    webhook_subscribe,
)

router = Router(tags=["status"])
NOC_ROLES = frozenset({"noc", "admin"})
# The state an incident gives its components when the caller does not say (by impact).
IMPACT_STATE = {
    "critical": ComponentState.MAJOR_OUTAGE,
    "major": ComponentState.PARTIAL_OUTAGE,
    "minor": ComponentState.DEGRADED,
    "none": ComponentState.OPERATIONAL,
}


NOC = RoleAuth(NOC_ROLES, "only staff with the noc or admin role may change the status page")


def _noc(request: HttpRequest) -> User:
    """The NOC user that ``NOC`` authenticated."""
    user: User = request.auth  # type: ignore[attr-defined]
    return user


def _domain[T](call: Callable[[], T]) -> T:
    try:
        return call()
    except StatusInputError as error:
        raise FieldError(error.field, error.message) from None
    except StatusRefusedError as error:
        raise HttpError(409, error.reason) from None


def _components(ids: list[int], *, field: str, empty: bool = False) -> list[Component]:
    found = Component.objects.in_bulk(ids)
    missing = [str(pk) for pk in ids if pk not in found]
    if missing:
        raise FieldError(field, f"no component {', '.join(missing)}")
    if not ids and not empty:
        raise FieldError(field, "name at least one component")
    return [found[pk] for pk in ids]


def _incident(incident_id: int) -> Incident:
    try:
        return incident_get(incident_id)
    except Incident.DoesNotExist:
        raise Http404("no such incident") from None


def component_out(now: ComponentNow) -> dict[str, object]:
    """The API shape of a component with its state."""
    component = now.component
    return {
        "id": component.pk, "name": component.name, "description": component.description,
        "group": component.group.name if component.group else None,
        "region": component.region, "status": now.state,
    }  # fmt: skip


def incident_out(incident: Incident, *, cases: list[int] | None = None) -> dict[str, object]:
    """The API shape of an incident (prefetch ``affected`` and ``updates``)."""
    return {
        "id": incident.pk, "title": incident.title, "impact": incident.impact,
        "status": incident.status, "security": incident.security,
        "started_at": incident.started_at, "resolved_at": incident.resolved_at,
        "components": [
            {"id": row.component_id, "name": row.component.name, "status": row.state}
            for row in incident.affected.all()
        ],
        "updates": [update_out(update) for update in incident.updates.all()],
        "cases": cases or [],
    }  # fmt: skip


def update_out(update: IncidentUpdate) -> dict[str, object]:
    """The API shape of one timeline entry."""
    return {
        "id": update.pk,
        "status": update.status,
        "message": update.message,
        "at": update.at,
        "components": update.component_states,
    }


def maintenance_out(maintenance: Maintenance) -> dict[str, object]:
    """The API shape of a maintenance window."""
    fields = ("id", "title", "message", "status", "emergency", "region", "starts_at",
              "ends_at", "announce_at", "announced_at", "started_at", "completed_at")  # fmt: skip
    return {name: getattr(maintenance, name) for name in fields} | {
        "components": [component.pk for component in maintenance.components.all()]
    }


def rca_out(rca: Rca) -> dict[str, object]:
    """The API shape of an RCA."""
    fields = ("id", "kind", "state", "summary", "root_cause", "preventive_measures", "published_at")
    return {name: getattr(rca, name) for name in fields} | {"incident": rca.incident_id}


@router.get("/status", response=StatusOut, auth=None)
def status_get(request: HttpRequest) -> dict[str, object]:
    """The status page as data: each component's state now, the open incidents with their
    timelines, and the maintenance announced and not yet over. No login needed."""
    now = status_now(at=timezone.now())
    return {
        "status": now.overall,
        "components": [component_out(row) for row in now.components],
        "incidents": [incident_out(incident) for incident in now.incidents],
        "maintenance": [maintenance_out(row) for row in now.maintenance],
    }


@router.post("/status/components", response={201: ComponentOut}, auth=NOC)
def component_add(request: HttpRequest, payload: ComponentIn) -> Status[dict[str, object]]:
    """Add a component (noc, admin); ``service_accounts`` are the customers' accounts on it."""
    _noc(request)
    accounts = ServiceAccount.objects.in_bulk(payload.service_accounts)
    missing = [str(pk) for pk in payload.service_accounts if pk not in accounts]
    if missing:
        raise FieldError("service_accounts", f"no service account {', '.join(missing)}")
    component = _domain(lambda: component_create(
        name=payload.name, description=payload.description, group=payload.group,
        region=payload.region,
    ))  # fmt: skip
    component_accounts_set(component=component, accounts=accounts.values())
    return Status(201, component_out(ComponentNow(component)))


@router.post("/status/incidents", response={201: IncidentOut}, auth=NOC)
def incident_create(request: HttpRequest, payload: IncidentIn) -> Status[dict[str, object]]:
    """Open an incident with its first update (noc, admin). ``case`` promotes a NOC case:
    the incident is linked to it. Open cases of customers on the affected components are
    suggested for linking."""
    user = _noc(request)
    components = _components(payload.components, field="components")
    source = None
    if payload.case is not None:
        source = Case.objects.filter(pk=payload.case).first()
        if source is None:
            raise FieldError("case", f"no case {payload.case}")
        if source.origin != Origin.NOC:
            raise FieldError("case", f"{source.number} is not a NOC case; link it instead")
    state = payload.component_status or IMPACT_STATE[payload.impact]
    incident = _domain(lambda: incident_open(
        title=payload.title, impact=payload.impact, components=dict.fromkeys(components, state),
        message=payload.message, actor=user, at=timezone.now(), status=payload.status,
        security=payload.security, source_case=source,
    ))  # fmt: skip
    return Status(201, incident_out(_incident(incident.pk), cases=_case_ids(incident)))


def _case_ids(incident: Incident) -> list[int]:
    return [link.case_id for link in incident_case_links(incident)]


@router.get("/status/incidents/{incident_id}", response=IncidentOut, auth=None)
def incident_read(request: HttpRequest, incident_id: int) -> dict[str, object]:
    """One incident with its whole timeline (public)."""
    return incident_out(_incident(incident_id))


@router.post("/status/incidents/{incident_id}/updates", response={201: UpdateOut}, auth=NOC)
def incident_update_add(
    request: HttpRequest, incident_id: int, payload: UpdateIn
) -> Status[dict[str, object]]:
    """Post an update (noc, admin): it is posted to every linked case, where it counts as
    a response and a periodic update (R8, R23); ``resolved`` marks them service restored."""
    user = _noc(request)
    incident = _incident(incident_id)
    states: dict[Component, str] = {}
    if payload.components:
        chosen = _components(list(payload.components), field="components")
        states = dict(zip(chosen, payload.components.values(), strict=True))
    update = _domain(lambda: incident_update_post(
        incident=incident, status=payload.status, message=payload.message, actor=user,
        at=timezone.now(), component_states=states,
    ))  # fmt: skip
    return Status(201, update_out(update))


@router.post("/status/incidents/{incident_id}/cases", response={201: CaseLinkOut}, auth=NOC)
def incident_case_add(
    request: HttpRequest, incident_id: int, payload: CaseLinkIn
) -> Status[dict[str, object]]:
    """Link a customer case to the incident (noc, admin; G26)."""
    user = _noc(request)
    incident = _incident(incident_id)
    case = Case.objects.filter(pk=payload.case).first()
    if case is None:
        raise FieldError("case", f"no case {payload.case}")
    link = _domain(lambda: incident_case_link(incident=incident, case=case, actor=user,
                                              at=timezone.now()))  # fmt: skip
    return Status(201, {"incident": incident.pk, "case": case.pk, "kind": link.kind, "at": link.at})


@router.get("/status/incidents/{incident_id}/cases", response=list[CaseLinkOut], auth=NOC)
def incident_case_list(request: HttpRequest, incident_id: int) -> list[dict[str, object]]:
    """The cases linked to the incident and those suggested for it (noc, admin)."""
    _noc(request)
    incident = _incident(incident_id)
    kinds = ("linked", "suggested")
    return [
        {"incident": incident.pk, "case": link.case_id, "kind": link.kind, "at": link.at}
        for link in incident_case_links(incident, kinds=kinds)
    ]


@router.post("/status/maintenance", response={201: MaintenanceOut}, auth=NOC)
def maintenance_add(request: HttpRequest, payload: MaintenanceIn) -> Status[dict[str, object]]:
    """Schedule maintenance (noc, admin) inside its region's window, announced the policy's
    notice period ahead (R29); an emergency is bound by neither and its notice goes to the
    emergency contacts of the customers on those components (R28)."""
    user = _noc(request)
    components = _components(payload.components, field="components")
    policy_id = payload.policy or _domain(maintenance_policy_default)
    maintenance = _domain(lambda: maintenance_schedule(
        title=payload.title, message=payload.message, components=components,
        policy_id=policy_id, starts_at=payload.starts_at, ends_at=payload.ends_at,
        region=payload.region, emergency=payload.emergency, actor=user, at=timezone.now(),
    ))  # fmt: skip
    return Status(201, maintenance_out(maintenance))


@router.get("/status/maintenance", response=list[MaintenanceOut], auth=NOC)
def maintenance_list(request: HttpRequest) -> list[dict[str, object]]:
    """Every maintenance window not yet over, announced or not (noc, admin)."""
    _noc(request)
    rows = Maintenance.objects.filter(status__in=("scheduled", "in_progress"))
    return [maintenance_out(row) for row in rows.prefetch_related("components")]


@router.post("/status/maintenance/{maintenance_id}/cancel", response=MaintenanceOut, auth=NOC)
def maintenance_cancel_op(request: HttpRequest, maintenance_id: int) -> dict[str, object]:
    """Cancel maintenance that is not over (noc, admin)."""
    user = _noc(request)
    maintenance = Maintenance.objects.filter(pk=maintenance_id).first()
    if maintenance is None:
        raise Http404("no such maintenance")
    done = _domain(lambda: maintenance_cancel(maintenance=maintenance, actor=user,
                                              at=timezone.now()))  # fmt: skip
    return maintenance_out(done)


@router.put("/status/incidents/{incident_id}/rca/{kind}", response=RcaOut, auth=NOC)
def rca_put(request: HttpRequest, incident_id: int, kind: str, payload: RcaIn) -> dict[str, object]:
    """Write the incident's preliminary or final RCA as a draft (noc, admin; R21, R22)."""
    user = _noc(request)
    incident = _incident(incident_id)
    rca = _domain(lambda: rca_write(
        incident=incident, kind=kind, summary=payload.summary, root_cause=payload.root_cause,
        preventive_measures=payload.preventive_measures, actor=user, at=timezone.now(),
    ))  # fmt: skip
    return rca_out(rca)


@router.post("/status/incidents/{incident_id}/rca/{kind}/state", response=RcaOut, auth=NOC)
def rca_state(
    request: HttpRequest, incident_id: int, kind: str, payload: RcaStateIn
) -> dict[str, object]:
    """Send the RCA for review, or publish it: publishing posts it to every linked case and
    meets their RCA clock of that kind (R21, R22)."""
    user = _noc(request)
    rca = Rca.objects.filter(incident_id=incident_id, kind=kind).select_related("incident").first()
    if rca is None:
        raise Http404("no such RCA")
    step = rca_submit if payload.state == "review" else rca_publish
    return rca_out(_domain(lambda: step(rca=rca, actor=user, at=timezone.now())))


def webhook_out(subscriber: Subscriber, *, secret: bool = False) -> dict[str, object]:
    """The API shape of a webhook subscription (its secret only when just made)."""
    return {
        "id": subscriber.pk, "url": subscriber.url,
        "components": sorted(c.pk for c in subscriber.components.all()),
        "groups": sorted(g.pk for g in subscriber.groups.all()),
        "created_at": subscriber.created_at, "unsubscribed_at": subscriber.unsubscribed_at,
        "secret": subscriber.secret if secret else None,
    }  # fmt: skip


@router.post("/status/webhooks", response={201: WebhookOut}, auth=NOC)
def webhook_add(request: HttpRequest, payload: WebhookIn) -> Status[dict[str, object]]:
    """Post every change of the components and groups named (none: everything) to ``url``
    (noc, admin), signed with the Standard Webhooks scheme under the secret in this answer:
    it is not shown again. Each change is posted once per webhook, retried until it is
    taken (2xx) or the attempts run out; ``webhook-id`` stays the same across retries."""
    user = _noc(request)
    components = _components(payload.components, field="components", empty=True)
    groups = list(ComponentGroup.objects.filter(pk__in=payload.groups))
    missing = sorted(set(payload.groups) - {group.pk for group in groups})
    if missing:
        raise FieldError("groups", f"no component group {', '.join(map(str, missing))}")
    subscriber = _domain(lambda: webhook_subscribe(
        url=payload.url, components=components, groups=groups, actor=user, at=timezone.now(),
    ))  # fmt: skip
    return Status(201, webhook_out(subscriber, secret=True))


@router.get("/status/webhooks", response=list[WebhookOut], auth=NOC)
def webhook_list(request: HttpRequest) -> list[dict[str, object]]:
    """Every webhook subscription, newest first, without secrets (noc, admin)."""
    _noc(request)
    return [webhook_out(row) for row in webhooks_all()]


@router.post("/status/webhooks/{webhook_id}/unsubscribe", response=WebhookOut, auth=NOC)
def webhook_remove(request: HttpRequest, webhook_id: int) -> dict[str, object]:
    """Stop posting to the webhook (noc, admin); it stays listed, unsubscribed."""
    _noc(request)
    subscriber = webhooks_all().filter(pk=webhook_id).first()
    if subscriber is None:
        raise Http404("no such webhook")
    return webhook_out(subscriber_unsubscribe(subscriber=subscriber, at=timezone.now()))
