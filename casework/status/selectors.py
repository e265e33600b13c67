"""Reads of the status app: the state of each component now, the incidents and maintenance a
page or the API shows, and what a signed-in customer's own accounts run on."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Max, Prefetch, Q, QuerySet

from casework.accounts.models import Organization
from casework.cases.models import Case
from casework.policies.selectors import policy_list_current
from casework.status.errors import StatusInputError
from casework.status.history import History, Timeline, histories
from casework.status.models import (
    STATE_RANK,
    CaseLink,
    Component,
    ComponentState,
    Incident,
    IncidentComponent,
    IncidentUpdate,
    Maintenance,
    MaintenanceStatus,
    Rca,
    Subscriber,
)


def worst_state(states: Iterable[str]) -> str:
    """The worst of ``states``; operational when there are none."""
    return max(states, key=STATE_RANK.__getitem__, default=ComponentState.OPERATIONAL)


@dataclass(slots=True)
class ComponentNow:
    """A component with its state now and what makes it so."""

    component: Component
    state: str = ComponentState.OPERATIONAL
    incidents: list[Incident] = field(default_factory=list)
    maintenance: list[Maintenance] = field(default_factory=list)


@dataclass(slots=True)
class StatusNow:
    """The page's present: every component's state, the open incidents (with their updates,
    newest last), the maintenance announced and not over, and the overall state."""

    components: list[ComponentNow]
    incidents: list[Incident]
    maintenance: list[Maintenance]

    @property
    def overall(self) -> str:
        """The worst state of any component."""
        return worst_state(now.state for now in self.components)


def incidents_open() -> QuerySet[Incident]:
    """Unresolved incidents, newest first, with their affected components and updates."""
    return (
        Incident.objects.filter(resolved_at__isnull=True)
        .order_by("-started_at", "-id")
        .prefetch_related(
            Prefetch("affected", queryset=IncidentComponent.objects.select_related("component")),
            Prefetch("updates", queryset=IncidentUpdate.objects.order_by("at", "id")),
        )
    )


def incidents_past(
    *, at: datetime, days: int = 14, components: QuerySet[Component] | None = None
) -> QuerySet[Incident]:
    """Incidents resolved in the ``days`` before ``at`` (touching ``components`` if given),
    most recently resolved first, with their affected components."""
    rows = Incident.objects.filter(resolved_at__gt=at - timedelta(days=days), resolved_at__lte=at)
    if components is not None:
        rows = rows.filter(affected__component__in=components).distinct()
    return rows.order_by("-resolved_at", "-id").prefetch_related(
        Prefetch("affected", queryset=IncidentComponent.objects.select_related("component"))
    )


def maintenance_visible(*, at: datetime) -> QuerySet[Maintenance]:
    """Maintenance announced by ``at`` that is scheduled or in progress, soonest first."""
    return (
        Maintenance.objects.filter(
            announced_at__isnull=False,
            announce_at__lte=at,
            status__in=(MaintenanceStatus.SCHEDULED, MaintenanceStatus.IN_PROGRESS),
        )
        .order_by("starts_at", "id")
        .prefetch_related("components")
    )


def status_now(*, at: datetime, components: QuerySet[Component] | None = None) -> StatusNow:
    """The present state of ``components`` (default: all), from the open incidents and the
    maintenance in progress; incidents and maintenance are those touching them."""
    chosen = components if components is not None else Component.objects.all()
    order = ("group__position", "group__name", "position", "name")
    rows = list(chosen.select_related("group").order_by(*order))
    by_id = {row.pk: ComponentNow(row) for row in rows}
    incidents = []
    for incident in incidents_open():
        touched = False
        for affected in incident.affected.all():
            now = by_id.get(affected.component_id)
            if now is not None:
                touched = True
                now.incidents.append(incident)
                now.state = worst_state((now.state, affected.state))
        if touched or components is None:
            incidents.append(incident)
    maintenance = []
    for window in maintenance_visible(at=at):
        touched = False
        for component in window.components.all():
            now = by_id.get(component.pk)
            if now is None:
                continue
            touched = True
            now.maintenance.append(window)
            if window.status == MaintenanceStatus.IN_PROGRESS:
                now.state = worst_state((now.state, ComponentState.MAINTENANCE))
        if touched or components is None:
            maintenance.append(window)
    return StatusNow(list(by_id.values()), incidents, maintenance)


def components_of_organization(organization: Organization) -> QuerySet[Component]:
    """The components the organisation's service accounts run on."""
    return Component.objects.filter(service_accounts__organization=organization).distinct()


def service_accounts_by_component(organization: Organization) -> dict[int, list[str]]:
    """{component id: the names of the organisation's service accounts on it}."""
    through = Component.service_accounts.through
    rows = through.objects.filter(serviceaccount__organization=organization)
    out: dict[int, list[str]] = {}
    pairs = rows.order_by("serviceaccount__name").values_list(
        "component_id", "serviceaccount__name"
    )
    for component_id, name in pairs:
        out.setdefault(component_id, []).append(name)
    return out


def incident_get(incident_id: int) -> Incident:
    """One incident with its timeline; ``Incident.DoesNotExist`` if there is none."""
    return Incident.objects.prefetch_related(
        Prefetch("affected", queryset=IncidentComponent.objects.select_related("component")),
        Prefetch("updates", queryset=IncidentUpdate.objects.order_by("at", "id")),
        "rcas",
    ).get(pk=incident_id)


def incident_case_links(
    incident: Incident, *, kinds: Iterable[str] = (CaseLink.Kind.LINKED,)
) -> QuerySet[CaseLink]:
    """The cases linked to (or suggested for) ``incident``, with their organisations."""
    return (
        CaseLink.objects.filter(incident=incident, kind__in=list(kinds))
        .select_related("case", "case__organization")
        .order_by("at", "id")
    )


def case_incidents(case_id: int) -> QuerySet[Incident]:
    """The incidents a case is linked to, newest first."""
    return Incident.objects.filter(
        Q(case_links__case_id=case_id) & Q(case_links__kind=CaseLink.Kind.LINKED)
    ).order_by("-started_at")


def status_history(
    components: Iterable[Component], *, at: datetime, days: int | None = None
) -> dict[int, History]:
    """The daily history of ``components`` over the ``days`` days ending on ``at``'s day
    (default ``CASEWORK_STATUS_HISTORY_DAYS``), in the page's zone, derived from the
    timelines of the incidents and the maintenance in progress that overlap them."""
    days = days or settings.CASEWORK_STATUS_HISTORY_DAYS
    zone = ZoneInfo(settings.CASEWORK_STATUS_TIMEZONE)
    created = {component.pk: component.created_at for component in components}
    first_day = at.astimezone(zone).date() - timedelta(days=days)
    since = datetime.combine(first_day, datetime.min.time(), tzinfo=zone)
    # One join over the period's updates, the components picked here: an IN list of every
    # component or incident costs Django more to build than the database to run.
    rows = (
        IncidentUpdate.objects.filter(
            Q(incident__resolved_at__isnull=True) | Q(incident__resolved_at__gt=since),
            incident__started_at__lt=at,
        )
        .order_by("at", "id")
        .values_list("incident_id", "incident__resolved_at", "at", "component_states")
    )
    updates: dict[int, list[tuple[datetime, dict[int, str]]]] = defaultdict(list)
    resolved: dict[int, datetime | None] = {}
    for incident_id, resolved_at, posted, states in rows:
        chosen = {int(key): state for key, state in states.items() if int(key) in created}
        if chosen or incident_id in resolved:
            updates[incident_id].append((posted, chosen))
            resolved[incident_id] = resolved_at
    timelines = [Timeline(tuple(updates[pk]), resolved_at) for pk, resolved_at in resolved.items()]
    timelines += _maintenance_timelines(set(created), at=at, since=since)
    return histories(created, timelines, now=at, days=days, zone=zone)


def _maintenance_timelines(
    component_ids: set[int], *, at: datetime, since: datetime
) -> list[Timeline]:
    """Maintenance that was in progress in the period, as timelines putting its components
    under maintenance from its start to its end (or its cancellation)."""
    through = Maintenance.components.through
    running = Q(maintenance__completed_at__isnull=True, maintenance__cancelled_at__isnull=True)
    ended_since = Q(maintenance__completed_at__gt=since) | Q(maintenance__cancelled_at__gt=since)
    period = through.objects.filter(running | ended_since, maintenance__started_at__lt=at)
    rows = period.values_list(
        "maintenance__started_at", "maintenance__completed_at", "maintenance__cancelled_at",
        "component_id",
    )  # fmt: skip
    maintenance = ComponentState.MAINTENANCE.value
    return [
        Timeline(((started, {component_id: maintenance}),), completed or cancelled)
        for started, completed, cancelled, component_id in rows
        if started is not None and component_id in component_ids
    ]


def status_revision() -> tuple[object, ...]:
    """What changes whenever the public page would: the newest update of any incident, the
    components, and every step of any maintenance (one query per table, all indexed
    aggregates). With the day, it keys the page's cache."""
    updates = IncidentUpdate.objects.aggregate(last=Max("id"), count=Count("id"))
    components = Component.objects.aggregate(last=Max("id"), count=Count("id"))
    maintenance = Maintenance.objects.aggregate(
        last=Max("id"), announced=Max("announced_at"), started=Max("started_at"),
        completed=Max("completed_at"), cancelled=Max("cancelled_at"),
    )  # fmt: skip
    return (*updates.values(), *components.values(), *maintenance.values())


def components_ordered() -> QuerySet[Component]:
    """Every component with its group, in the page's order (group, then component)."""
    order = ("group__position", "group__name", "position", "name")
    return Component.objects.select_related("group").order_by(*order)


def maintenance_unfinished() -> QuerySet[Maintenance]:
    """Every maintenance window scheduled or in progress, announced or not, soonest first."""
    return (
        Maintenance.objects.filter(
            status__in=(MaintenanceStatus.SCHEDULED, MaintenanceStatus.IN_PROGRESS)
        )
        .order_by("starts_at", "id")
        .prefetch_related("components")
    )


def maintenance_get(maintenance_id: int) -> Maintenance:
    """One maintenance window; ``Maintenance.DoesNotExist`` if there is none."""
    return Maintenance.objects.get(pk=maintenance_id)


def maintenance_policy_default() -> str:
    """The id of the one loaded policy that states maintenance rules (R29); a
    ``StatusInputError`` on ``policy`` when none or several do, naming them."""
    with_rules = [stored.policy.id for stored in policy_list_current() if stored.policy.maintenance]
    if len(with_rules) != 1:
        choices = ", ".join(with_rules) or "none loaded"
        raise StatusInputError("policy", f"say which policy's maintenance rules apply: {choices}")
    return with_rules[0]


def incident_case_link_get(incident: Incident, link_id: int) -> CaseLink:
    """One case link of ``incident``; ``CaseLink.DoesNotExist`` if it has no such link."""
    return CaseLink.objects.select_related("case").get(pk=link_id, incident=incident)


def incident_rca_get(incident: Incident, kind: str) -> Rca:
    """The incident's ``kind`` RCA; ``Rca.DoesNotExist`` if none is written yet."""
    return Rca.objects.select_related("incident").get(incident=incident, kind=kind)


def case_by_reference(reference: str) -> Case | None:
    """The case a person names by its number (``CW-000042``) or its id (``42``), or None."""
    reference = reference.strip()
    case_id = int(reference) if reference.isdigit() else Case.id_from_number(reference)
    if case_id is None or case_id > 2**63 - 1:
        return None
    return Case.objects.select_related("organization").filter(pk=case_id).first()


def incident_updates_feed(
    *, component: int | None = None, group: int | None = None, limit: int = 50
) -> QuerySet[IncidentUpdate]:
    """The latest ``limit`` incident updates, newest first, of incidents affecting
    ``component`` or a component of ``group`` (neither: all), with their incidents."""
    rows = IncidentUpdate.objects.select_related("incident")
    if component is not None:
        rows = rows.filter(incident__affected__component_id=component)
    if group is not None:
        rows = rows.filter(incident__affected__component__group_id=group)
    return rows.distinct().order_by("-at", "-id")[:limit]


def webhooks_all() -> QuerySet[Subscriber]:
    """Every webhook subscription, newest first, with what it follows."""
    return (
        Subscriber.objects.filter(kind=Subscriber.Kind.WEBHOOK)
        .order_by("-created_at", "-id")
        .prefetch_related("components", "groups")
    )
