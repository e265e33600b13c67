"""Writes of the status app: components, incidents and their updates, case links (G26),
maintenance (R29, R28) and RCAs of incidents (R21, R22).

What an incident update does to the customer cases linked to it is the point of the app: a
public update is posted to each linked case's conversation as a status update, which the
policy counts as a response and a periodic update (R23: ``rules.responses`` lists
``status_post``); resolving the incident marks each linked case service restored, which
starts its RCA clock (G10); publishing an RCA meets that clock on each of them.

Every service is atomic. Subscribers hear of each change through
``casework.status.publish`` once the transaction commits.
"""

from __future__ import annotations

import base64
import logging
import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import models, transaction
from django.urls import reverse

from casework.accounts.models import ServiceAccount
from casework.cases.clocks import case_clocks_refresh
from casework.cases.errors import TransitionRefusedError
from casework.cases.models import Case, CaseEvent, Message, Status
from casework.cases.services import case_message_add, case_transition
from casework.lib.prepared import Param, PreparedQuery
from casework.lib.tasks import mail_send
from casework.policies.models import PolicyVersion
from casework.policies.selectors import policy_get
from casework.policy.maintenance import maintenance_announce_at, window_refusal
from casework.policy.schema import MaintenanceRules
from casework.status.errors import StatusInputError, StatusRefusedError
from casework.status.models import (
    STATE_RANK,
    CaseLink,
    Component,
    ComponentGroup,
    ComponentState,
    Impact,
    Incident,
    IncidentComponent,
    IncidentStatus,
    IncidentUpdate,
    Maintenance,
    MaintenanceStatus,
    Rca,
    Subscriber,
)

logger = logging.getLogger(__name__)

_FINISHED = (Status.SERVICE_RESTORED, Status.RESOLVED, Status.CLOSED)
# The states an incident may give a component (maintenance is the maintenance's own).
INCIDENT_STATES = (
    ComponentState.OPERATIONAL,
    ComponentState.DEGRADED,
    ComponentState.PARTIAL_OUTAGE,
    ComponentState.MAJOR_OUTAGE,
)


# ---------------------------------------------------------------- components


@transaction.atomic
def component_create(
    *,
    name: str,
    description: str = "",
    group: str | None = None,
    region: str = "",
    position: int = 0,
) -> Component:
    """A new component, in the group named ``group`` (made if it does not exist yet)."""
    name = name.strip()
    if not name:
        raise StatusInputError("name", "a component needs a name")
    if Component.objects.filter(name=name).exists():
        raise StatusInputError("name", f"there is already a component named {name!r}")
    group_row = None
    if group:
        group_row, _ = ComponentGroup.objects.get_or_create(name=group.strip())
    return Component.objects.create(
        name=name, description=description, group=group_row, region=region, position=position
    )


@transaction.atomic
def component_accounts_set(*, component: Component, accounts: Iterable[ServiceAccount]) -> None:
    """The customers' service accounts that run on ``component`` (replacing the old list)."""
    component.service_accounts.set(list(accounts))


# ---------------------------------------------------------------- incidents


def _check_states(states: Mapping[Component, str], *, field: str) -> None:
    for component, state in states.items():
        if state not in INCIDENT_STATES:
            expected = ", ".join(INCIDENT_STATES)
            raise StatusInputError(
                field, f"unknown state {state!r} for {component.name}; expected {expected}"
            )


def incident_url(incident: Incident) -> str:
    """The public page of ``incident``, absolute (for mail and case conversations)."""
    return settings.CASEWORK_BASE_URL + reverse("status:incident", args=[incident.pk])


@transaction.atomic
def incident_open(
    *,
    title: str,
    impact: str,
    components: Mapping[Component, str],
    message: str,
    actor: User | None,
    at: datetime,
    status: str = IncidentStatus.INVESTIGATING,
    security: bool = False,
    source_case: Case | None = None,
) -> Incident:
    """Open an incident on ``components`` ({component: state}) with its first update.

    Promoted from a NOC case (``source_case``), the incident links that case. Cases of the
    organisations whose service accounts run on an affected component, opened and not yet
    restored, are suggested for linking (they are linked only when someone confirms)."""
    if not title.strip():
        raise StatusInputError("title", "an incident needs a title")
    if impact not in Impact.values:
        raise StatusInputError(
            "impact", f"unknown impact {impact!r}; expected {', '.join(Impact.values)}"
        )
    if status == IncidentStatus.RESOLVED or status not in IncidentStatus.values:
        expected = ", ".join(s for s in IncidentStatus.values if s != IncidentStatus.RESOLVED)
        raise StatusInputError("status", f"an incident opens as one of {expected}")
    if not message.strip():
        raise StatusInputError("message", "the first update needs a message for customers")
    _check_states(components, field="components")
    incident = Incident.objects.create(
        title=title.strip(), impact=impact, status=status, security=security,
        source_case=source_case, started_at=at, created_by=actor, created_at=at,
    )  # fmt: skip
    IncidentComponent.objects.bulk_create(
        IncidentComponent(incident=incident, component=c, state=s, worst_state=s)
        for c, s in components.items()
    )
    if source_case is not None:
        _link(incident, source_case, kind=CaseLink.Kind.LINKED, actor=actor, at=at,
              reason="the NOC case this incident was promoted from")  # fmt: skip
    incident_suggest_cases(incident=incident, at=at)
    update = IncidentUpdate.objects.create(
        incident=incident, status=status, message=message.strip(),
        component_states={str(c.pk): s for c, s in components.items()}, author=actor, at=at,
    )  # fmt: skip
    _update_post_to_cases(update, actor=actor)
    _publish("incident", update.pk)
    return incident


@transaction.atomic
def incident_update_post(
    *,
    incident: Incident,
    status: str,
    message: str,
    actor: User | None,
    at: datetime,
    component_states: Mapping[Component, str] | None = None,
) -> IncidentUpdate:
    """Add an update to the timeline: it is posted to every linked case as a status update,
    a response and a periodic update there (R8, R23). ``component_states`` changes the state
    of affected components (a component not yet affected becomes affected). ``resolved``
    ends the incident: every component is operational again and every linked case is
    marked service restored."""
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    if locked.resolved_at is not None:
        raise StatusRefusedError(
            f"the incident was resolved at {locked.resolved_at.isoformat()}; "
            "open a new incident for a new problem"
        )
    if status not in IncidentStatus.values:
        raise StatusInputError(
            "status", f"unknown status {status!r}; expected {', '.join(IncidentStatus.values)}"
        )
    if not message.strip():
        raise StatusInputError("message", "an update needs a message for customers")
    states: dict[Component, str] = dict(component_states or {})
    _check_states(states, field="components")
    affected = {row.component_id: row for row in locked.affected.all()}
    if status == IncidentStatus.RESOLVED:
        everything = [row.component for row in affected.values()] + list(states)
        states = dict.fromkeys(everything, ComponentState.OPERATIONAL.value)
    for component, state in states.items():
        row = affected.get(component.pk)
        if row is None:
            IncidentComponent.objects.create(
                incident=locked, component=component, state=state, worst_state=state
            )
            continue
        worst = state if STATE_RANK[state] > STATE_RANK[row.worst_state] else row.worst_state
        IncidentComponent.objects.filter(pk=row.pk).update(state=state, worst_state=worst)
    locked.status = status
    fields = ["status"]
    if status == IncidentStatus.RESOLVED:
        locked.resolved_at = at
        fields.append("resolved_at")
    locked.save(update_fields=fields)
    incident.status, incident.resolved_at = locked.status, locked.resolved_at
    update = IncidentUpdate.objects.create(
        incident=locked, status=status, message=message.strip(),
        component_states={str(c.pk): s for c, s in states.items()}, author=actor, at=at,
    )  # fmt: skip
    _update_post_to_cases(update, actor=actor)
    if status == IncidentStatus.RESOLVED:
        _restore_linked_cases(locked, actor=actor, at=at)
    _publish("incident", update.pk)
    return update


def _linked_cases(incident: Incident) -> list[Case]:
    return list(
        Case.objects.filter(
            incident_links__incident=incident, incident_links__kind=CaseLink.Kind.LINKED
        ).select_related("organization", "requester")
    )


def _update_post_to_cases(update: IncidentUpdate, *, actor: User | None) -> None:
    """Post ``update`` to the conversation of each linked case still being worked on."""
    incident = update.incident
    body = status_post_body(incident, update)
    for case in _linked_cases(incident):
        if case.status in (Status.RESOLVED, Status.CLOSED):
            continue
        case_message_add(
            case=case, author=actor, body=body, public=True, from_support=True, at=update.at,
            kind=Message.Kind.STATUS,
        )  # fmt: skip


def status_post_body(incident: Incident, update: IncidentUpdate) -> str:
    """The text an incident update is posted to a linked case with."""
    label = IncidentStatus(update.status).label.capitalize()
    return (
        f"Service status update on incident #{incident.pk} “{incident.title}” — {label}:\n\n"
        f"{update.message}\n\nThe incident's whole timeline: {incident_url(incident)}"
    )


def _restore_linked_cases(incident: Incident, *, actor: User | None, at: datetime) -> None:
    for case in _linked_cases(incident):
        if case.status in _FINISHED:
            continue
        try:
            case_transition(
                case=case, actor=actor, status=Status.SERVICE_RESTORED, by_customer=False, at=at,
                note=f"incident #{incident.pk} resolved",
            )  # fmt: skip
        except TransitionRefusedError as error:
            logger.info("case %s not marked service restored: %s", case.number, error.reason)


def _link(
    incident: Incident,
    case: Case,
    *,
    kind: str,
    actor: User | None,
    at: datetime,
    reason: str = "",
) -> CaseLink:
    link, created = CaseLink.objects.get_or_create(
        incident=incident,
        case=case,
        defaults={"kind": kind, "by": actor, "at": at, "reason": reason},
    )
    if not created and link.kind != kind:
        link.kind, link.by, link.at, link.reason = kind, actor, at, reason or link.reason
        link.save(update_fields=["kind", "by", "at", "reason"])
    if kind == CaseLink.Kind.LINKED and (created or link.kind == kind):
        CaseEvent.objects.create(
            case=case, kind="incident_linked", at=at, actor=actor, public=True,
            data={"incident": incident.pk, "title": incident.title, "reason": reason},
        )  # fmt: skip
    return link


@transaction.atomic
def incident_case_link(
    *, incident: Incident, case: Case, actor: User | None, at: datetime
) -> CaseLink:
    """Link ``case`` to ``incident`` (G26), confirming a suggestion if there was one. From
    now on each public update of the incident is a response on the case (R23), and the
    incident's resolution restores its service. Linking a resolved incident is refused."""
    if incident.resolved_at is not None:
        raise StatusRefusedError("the incident is resolved; its updates are over")
    existing = CaseLink.objects.filter(incident=incident, case=case).first()
    if existing is not None and existing.kind == CaseLink.Kind.LINKED:
        return existing
    return _link(incident, case, kind=CaseLink.Kind.LINKED, actor=actor, at=at)


@transaction.atomic
def incident_suggestion_dismiss(*, link: CaseLink, actor: User, at: datetime) -> CaseLink:
    """Dismiss a suggested link: the case is not about this incident."""
    if link.kind != CaseLink.Kind.SUGGESTED:
        raise StatusRefusedError(f"the case is {link.kind}, not suggested")
    link.kind, link.by, link.at = CaseLink.Kind.DISMISSED, actor, at
    link.save(update_fields=["kind", "by", "at"])
    return link


def incident_suggest_cases(*, incident: Incident, at: datetime) -> list[CaseLink]:
    """Suggest linking the open cases of organisations whose service accounts run on the
    components ``incident`` affects (not those linked or dismissed already)."""
    cases = (
        Case.objects.filter(
            organization__service_accounts__components__incidents__incident=incident
        )
        .exclude(status__in=_FINISHED)
        .exclude(incident_links__incident=incident)
        .distinct()
    )
    return CaseLink.objects.bulk_create(_suggestion(incident, case, at) for case in cases)


# Both run for every case opened: compiled once (casework.lib.prepared; bench/status.py).
# Two short queries rather than one over five tables, which PostgreSQL took longer to plan
# than to run; with no incident open (most of the time) the first finds nothing and is all.
_OPEN_AFFECTED = PreparedQuery(
    lambda: IncidentComponent.objects.filter(incident__resolved_at__isnull=True)
)
_ACCOUNTS_ON_COMPONENTS = PreparedQuery(
    lambda: Component.service_accounts.through.objects.filter(
        serviceaccount__organization_id=Param("organization", models.BigIntegerField())
    )
)


def case_incidents_suggest(*, case: Case, at: datetime) -> list[CaseLink]:
    """Suggest linking a new case to each open incident that affects a component its
    organisation's service accounts run on (called when a case is opened)."""
    affected = _OPEN_AFFECTED.all()
    if not affected:
        return []
    mine = {
        row.component_id for row in _ACCOUNTS_ON_COMPONENTS.all(organization=case.organization_id)
    }
    incidents = sorted({row.incident_id for row in affected if row.component_id in mine})
    return CaseLink.objects.bulk_create(
        (_suggestion(incident, case, at) for incident in incidents), ignore_conflicts=True
    )


def _suggestion(incident: Incident | int, case: Case, at: datetime) -> CaseLink:
    reason = "its organisation runs on an affected component"
    incident_id = incident if isinstance(incident, int) else incident.pk
    return CaseLink(
        incident_id=incident_id, case=case, kind=CaseLink.Kind.SUGGESTED, at=at, reason=reason
    )


# ---------------------------------------------------------------- RCAs (R21, R22)


@transaction.atomic
def rca_write(
    *,
    incident: Incident,
    kind: str,
    summary: str,
    root_cause: str = "",
    preventive_measures: str = "",
    actor: User,
    at: datetime,
) -> Rca:
    """Write (or rewrite, while unpublished) the incident's ``kind`` RCA, as a draft. A final
    RCA needs its preventive measures (R22)."""
    if kind not in Rca.Kind.values:
        raise StatusInputError("kind", f"unknown RCA kind {kind!r}; expected preliminary or final")
    if not summary.strip():
        raise StatusInputError("summary", "an RCA needs a summary")
    if kind == Rca.Kind.FINAL and not preventive_measures.strip():
        raise StatusInputError(
            "preventive_measures", "a final RCA states its preventive measures (R22)"
        )
    rca = Rca.objects.select_for_update().filter(incident=incident, kind=kind).first()
    if rca is not None and rca.state == Rca.State.PUBLISHED:
        raise StatusRefusedError(f"the {kind} RCA was published; it cannot change")
    if rca is None:
        rca = Rca(incident=incident, kind=kind, author=actor, created_at=at)
    rca.summary, rca.root_cause, rca.preventive_measures = summary, root_cause, preventive_measures
    rca.state = Rca.State.DRAFT
    rca.save()
    return rca


@transaction.atomic
def rca_submit(*, rca: Rca, actor: User, at: datetime) -> Rca:
    """Send a draft RCA for review."""
    if rca.state != Rca.State.DRAFT:
        raise StatusRefusedError(f"the RCA is {rca.state}, not a draft")
    rca.state = Rca.State.REVIEW
    rca.save(update_fields=["state"])
    return rca


@transaction.atomic
def rca_publish(*, rca: Rca, actor: User, at: datetime) -> Rca:
    """Publish a reviewed RCA: each linked case gets it in its conversation and its RCA
    clock of that kind is met (R21, R22)."""
    if rca.state != Rca.State.REVIEW:
        raise StatusRefusedError(f"the RCA is {rca.state}; it is published after review")
    rca.state, rca.published_at = Rca.State.PUBLISHED, at
    rca.save(update_fields=["state", "published_at"])
    incident = rca.incident
    body = rca_body(rca)
    for case in _linked_cases(incident):
        case_message_add(
            case=case, author=actor, body=body, public=True, from_support=True, at=at,
            kind=Message.Kind.STATUS,
        )  # fmt: skip
        CaseEvent.objects.create(
            case=case, kind="rca_published", at=at, actor=actor, public=True,
            data={"document": rca.kind, "rca": rca.pk, "incident": incident.pk},
        )  # fmt: skip
        case_clocks_refresh(case, at=at)
    _publish("rca", rca.pk)
    return rca


def rca_body(rca: Rca) -> str:
    """The text an RCA is published to the linked cases with."""
    parts = [f"{rca.get_kind_display().capitalize()} root-cause analysis of incident "
             f"#{rca.incident_id} “{rca.incident.title}”:", rca.summary]  # fmt: skip
    if rca.root_cause:
        parts += ["Root cause:", rca.root_cause]
    if rca.preventive_measures:
        parts += ["Preventive measures:", rca.preventive_measures]
    return "\n\n".join(parts)


# ---------------------------------------------------------------- maintenance (R29, R28)


def _maintenance_rules(policy_id: str) -> MaintenanceRules:
    try:
        policy = policy_get(policy_id).policy
    except PolicyVersion.DoesNotExist:
        raise StatusInputError("policy", f"no policy {policy_id!r} is loaded") from None
    if policy.maintenance is None:
        raise StatusInputError("policy", f"policy {policy_id!r} states no maintenance rules")
    return policy.maintenance


@transaction.atomic
def maintenance_schedule(
    *,
    title: str,
    components: Iterable[Component],
    policy_id: str,
    starts_at: datetime,
    ends_at: datetime,
    actor: User | None,
    at: datetime,
    message: str = "",
    region: str = "",
    emergency: bool = False,
) -> Maintenance:
    """Schedule maintenance of ``components`` under the policy's rules (R29): inside the
    region's weekly window unless it is an emergency, announced the notice period before
    it starts (at once when that is past). It starts and ends by itself (the worker)."""
    components = list(components)
    if not title.strip():
        raise StatusInputError("title", "maintenance needs a title")
    if not components:
        raise StatusInputError("components", "name at least one component")
    if ends_at <= starts_at:
        raise StatusInputError("ends_at", "the maintenance must end after it starts")
    if ends_at <= at:
        raise StatusInputError("ends_at", "the maintenance would be over already")
    rules = _maintenance_rules(policy_id)
    region = region or _region_of(components)
    _check_window(rules, region, starts_at=starts_at, ends_at=ends_at, at=at, emergency=emergency)
    announce_at = (
        at if emergency else maintenance_announce_at(rules, starts_at=starts_at, scheduled_at=at)
    )
    maintenance = Maintenance.objects.create(
        title=title.strip(), message=message, policy_id=policy_id, region=region,
        emergency=emergency, starts_at=starts_at, ends_at=ends_at, announce_at=announce_at,
        created_by=actor, created_at=at,
    )  # fmt: skip
    maintenance.components.set(components)
    maintenance_sweep(at=at, only=maintenance.pk)
    maintenance.refresh_from_db()
    return maintenance


def _check_window(
    rules: MaintenanceRules,
    region: str,
    *,
    starts_at: datetime,
    ends_at: datetime,
    at: datetime,
    emergency: bool,
) -> None:
    if region and region not in rules.windows:
        expected = ", ".join(rules.windows) or "none"
        raise StatusInputError("region", f"unknown region {region!r}; expected one of {expected}")
    if emergency:
        return
    if starts_at < at:
        raise StatusInputError("starts_at", "scheduled maintenance cannot start in the past")
    if region:
        refusal = window_refusal(rules.windows[region], starts_at=starts_at, ends_at=ends_at)
        if refusal is not None:
            raise StatusInputError("starts_at", refusal)


def _region_of(components: list[Component]) -> str:
    regions = {component.region for component in components if component.region}
    return regions.pop() if len(regions) == 1 else ""


@transaction.atomic
def maintenance_cancel(
    *, maintenance: Maintenance, actor: User | None, at: datetime
) -> Maintenance:
    """Cancel maintenance that has not finished; subscribers who heard of it are told."""
    done = Maintenance.objects.filter(
        pk=maintenance.pk, status__in=(MaintenanceStatus.SCHEDULED, MaintenanceStatus.IN_PROGRESS)
    ).update(status=MaintenanceStatus.CANCELLED, cancelled_at=at)
    if not done:
        raise StatusRefusedError(f"the maintenance is {maintenance.status}; it cannot be cancelled")
    maintenance.refresh_from_db()
    if maintenance.announced_at is not None:
        _publish("maintenance_cancelled", maintenance.pk)
    return maintenance


def maintenance_sweep(*, at: datetime, only: int | None = None) -> list[tuple[str, Maintenance]]:
    """Announce, start and complete maintenance that is due by ``at``, each exactly once
    (a conditional update: however many workers sweep, one wins). Returns what it did."""
    done: list[tuple[str, Maintenance]] = []
    rows = Maintenance.objects.all() if only is None else Maintenance.objects.filter(pk=only)
    steps = (
        ("announced", rows.filter(status=MaintenanceStatus.SCHEDULED, announced_at__isnull=True,
                                  announce_at__lte=at), {"announced_at": at}),
        ("started", rows.filter(status=MaintenanceStatus.SCHEDULED, starts_at__lte=at),
         {"status": MaintenanceStatus.IN_PROGRESS, "started_at": at}),
        ("completed", rows.filter(status=MaintenanceStatus.IN_PROGRESS, ends_at__lte=at),
         {"status": MaintenanceStatus.COMPLETED, "completed_at": at}),
    )  # fmt: skip
    for what, due, change in steps:
        for pk in list(due.values_list("pk", flat=True)):
            with transaction.atomic():
                if not due.filter(pk=pk).update(**change):
                    continue  # another worker took it
                maintenance = Maintenance.objects.get(pk=pk)
                if what == "started" and maintenance.announced_at is None:
                    Maintenance.objects.filter(pk=pk).update(announced_at=at)
                    maintenance.announced_at = at
                _publish(f"maintenance_{what}", pk)
                done.append((what, maintenance))
    return done


# ---------------------------------------------------------------- subscriptions

WEBHOOK_SECRET_PREFIX = "whsec_"  # noqa: S105 - the scheme's prefix, not a secret
_CONFIRM_SALT = "casework.status.subscription.confirm"
_UNSUBSCRIBE_SALT = "casework.status.subscription.unsubscribe"


def subscriber_link(subscriber: Subscriber, *, purpose: str) -> str:
    """The absolute link that confirms (``purpose="confirm"``) or cancels
    (``"unsubscribe"``) ``subscriber``: signed, so nothing about it is stored."""
    salt = _CONFIRM_SALT if purpose == "confirm" else _UNSUBSCRIBE_SALT
    token = signing.dumps(subscriber.pk, salt=salt)
    name = "status:subscription-confirm" if purpose == "confirm" else "status:unsubscribe"
    return settings.CASEWORK_BASE_URL + reverse(name, args=[token])


def subscriber_from_token(token: str, *, purpose: str) -> Subscriber | None:
    """The subscriber a link names, or None if the link is forged, or a confirmation link
    older than ``CASEWORK_STATUS_CONFIRM_SECONDS``."""
    salt = _CONFIRM_SALT if purpose == "confirm" else _UNSUBSCRIBE_SALT
    max_age = settings.CASEWORK_STATUS_CONFIRM_SECONDS if purpose == "confirm" else None
    try:
        pk = signing.loads(token, salt=salt, max_age=max_age)
    except signing.BadSignature:
        return None
    return Subscriber.objects.filter(pk=pk).first() if isinstance(pk, int) else None


def _scope_set(
    subscriber: Subscriber, components: Iterable[Component], groups: Iterable[ComponentGroup]
) -> None:
    subscriber.components.set(list(components))
    subscriber.groups.set(list(groups))


@transaction.atomic
def subscriber_subscribe(
    *, email: str, components: Iterable[Component] = (),
    groups: Iterable[ComponentGroup] = (), at: datetime,
) -> Subscriber:  # fmt: skip
    """Ask to hear of changes to ``components`` and ``groups`` (neither: everything) by
    mail. Nothing is sent to the address but a confirmation link until its owner follows
    it (double opt-in); confirming replaces the address's earlier subscription, so asking
    again is how a subscriber changes what they follow."""
    address = email.strip()
    try:
        validate_email(address)
    except ValidationError:
        raise StatusInputError("email", "enter a valid email address") from None
    subscriber = Subscriber.objects.create(
        kind=Subscriber.Kind.EMAIL, email=address.lower(), created_at=at
    )
    _scope_set(subscriber, components, groups)
    hours = settings.CASEWORK_STATUS_CONFIRM_SECONDS // 3600
    body = (
        "Someone, hopefully you, asked to receive service status updates at this address.\n\n"
        f"To confirm, open this link within {hours} hours and press the button:\n"
        f"{subscriber_link(subscriber, purpose='confirm')}\n\n"
        "If it was not you, ignore this mail: nothing will be sent to you."
    )
    transaction.on_commit(
        lambda: mail_send.enqueue(address, "Confirm your service status subscription", body)
    )
    return subscriber


@transaction.atomic
def subscriber_confirm(*, subscriber: Subscriber, at: datetime) -> Subscriber:
    """Confirm an email subscription (again is harmless); it replaces any earlier one of
    the same address."""
    locked = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
    if locked.unsubscribed_at is not None:
        raise StatusRefusedError("this subscription was cancelled: subscribe again")
    if locked.confirmed_at is None:
        Subscriber.objects.filter(
            kind=Subscriber.Kind.EMAIL, email=locked.email, confirmed_at__isnull=False,
            unsubscribed_at__isnull=True,
        ).update(unsubscribed_at=at)  # fmt: skip
        locked.confirmed_at = at
        locked.save(update_fields=["confirmed_at"])
    return locked


@transaction.atomic
def subscriber_unsubscribe(*, subscriber: Subscriber, at: datetime) -> Subscriber:
    """Stop sending anything to ``subscriber`` (again is harmless)."""
    Subscriber.objects.filter(pk=subscriber.pk, unsubscribed_at__isnull=True).update(
        unsubscribed_at=at
    )
    subscriber.refresh_from_db(fields=["unsubscribed_at"])
    return subscriber


@transaction.atomic
def webhook_subscribe(
    *, url: str, components: Iterable[Component] = (), groups: Iterable[ComponentGroup] = (),
    actor: User, at: datetime,
) -> Subscriber:  # fmt: skip
    """Post every change to ``components`` and ``groups`` (neither: everything) to ``url``,
    signed with a new secret as Standard Webhooks sign (``webhook-id``,
    ``webhook-timestamp``, ``webhook-signature``). Made by the NOC, so active at once; the
    secret is on the returned subscriber, to be shown once."""
    target = url.strip()
    try:
        URLValidator(schemes=["http", "https"])(target)
    except ValidationError:
        raise StatusInputError("url", "enter an http:// or https:// URL") from None
    secret = WEBHOOK_SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()
    subscriber = Subscriber.objects.create(
        kind=Subscriber.Kind.WEBHOOK, url=target, secret=secret, created_at=at,
        confirmed_at=at, created_by=actor,
    )  # fmt: skip
    _scope_set(subscriber, components, groups)
    return subscriber


def _publish(kind: str, pk: int) -> None:
    """Tell subscribers of ``kind`` (incident, rca, maintenance_*) once the change commits."""
    from casework.status.publish import publication_enqueue

    transaction.on_commit(lambda: publication_enqueue(kind, pk))
