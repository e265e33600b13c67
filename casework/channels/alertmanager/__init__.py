"""The monitoring channel (R5, R7, R8): Prometheus Alertmanager posts its webhook to
``POST /api/v1/intake/alertmanager`` (``api.py``); each alert is stored, then read by the pure
:mod:`casework.channels.alertmanager.parse` and handled by :class:`AlertmanagerChannel`."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from casework.accounts.models import Organization
from casework.accounts.selectors import subscription_terms
from casework.cases.errors import TransitionRefusedError
from casework.cases.models import Case, Origin, Status
from casework.cases.services import CaseDraft, case_message_add, case_open, case_transition
from casework.channels.alertmanager.parse import alert_fingerprint, alert_parse
from casework.channels.base import Channel, Inbound, channel_register
from casework.channels.models import RawInbound, RawStatus
from casework.channels.services import raw_inbound_finish
from casework.policy import Policy

_FINISHED = (Status.RESOLVED, Status.CLOSED)
SECURITY_CATEGORY = "security-incident"  # R7


def alert_priority(policy: Policy, labels: dict[str, str]) -> tuple[str, str]:
    """(priority, category) of an alert under ``policy``: a security label makes it a
    security incident at the top priority (R7); else the severity label's mapping, else
    the policy's default (R5: NOC cases get a severity like any other)."""
    rules = policy.rules.monitoring
    if labels.get(rules.security_label, "").lower() in {v.lower() for v in rules.security_values}:
        return policy.enabled_priorities()[0], SECURITY_CATEGORY
    mapped = rules.priorities.get(labels.get(rules.severity_label, "").lower())
    return mapped or policy.rules.default_priority, ""


class AlertmanagerChannel(Channel):
    """One alert per stored input. A firing alert opens one case with origin ``noc`` per
    fingerprint (while it is open, the alert firing again is noted on it); the same
    alert resolved marks that case's service restored."""

    name = "alertmanager"
    max_bytes = 1024 * 1024

    def parse(self, payload: bytes, *, received_at: datetime) -> Inbound:
        """See :func:`casework.channels.alertmanager.parse.alert_parse`."""
        return alert_parse(payload, received_at=received_at)

    def dedup_key(self, payload: bytes) -> str:
        """``fingerprint|startsAt|status``: Alertmanager's re-sends are stored once."""
        return alert_fingerprint(payload)

    def case_for(self, inbound: Inbound) -> Case | None:
        """The case still open that an earlier state of this alert opened."""
        fingerprint = dict(inbound.labels)["_fingerprint"]
        earlier = (
            RawInbound.objects.filter(
                channel=self.name, dedup_key__startswith=f"{fingerprint}|", case__isnull=False
            )
            .exclude(case__status__in=_FINISHED)
            .select_related("case")
            .order_by("-id")
            .first()
        )
        return earlier.case if earlier is not None else None

    @transaction.atomic
    def receive(self, *, raw: RawInbound, inbound: Inbound, at: datetime) -> RawInbound:
        """Open, note or restore, as the alert's state says; an unknown organisation is
        held for a person (nothing is dropped)."""
        labels = dict(inbound.labels)
        case = self.case_for(inbound)
        if labels["_status"] == "resolved":
            return _resolved(raw, case, at=at)
        if case is not None:
            case_message_add(
                case=case, author=None, public=False, from_support=True, at=at,
                body="Monitoring: the alert is firing again.",
            )  # fmt: skip
            raw_inbound_finish(raw, RawStatus.PROCESSED, f"noted on {case.number}", at=at,
                               case=case)  # fmt: skip
            return raw
        organization = Organization.objects.filter(slug=inbound.organization_hint).first()
        terms = subscription_terms(organization.pk, at=at) if organization else None
        if organization is None or terms is None:
            reason = (f"no organisation {inbound.organization_hint!r} with a plan now "
                      "(the alert's 'organization' label names its slug)")  # fmt: skip
            raw_inbound_finish(raw, RawStatus.HELD, reason, at=at, case=None)
            return raw
        priority, category = alert_priority(terms.policy, labels)
        draft = CaseDraft(
            organization=organization, subject=inbound.subject or "(alert)",
            description=inbound.body, environment="production", priority=priority,
            channel="noc", origin=Origin.NOC, category=category,
            notified_at=inbound.notified_at,
        )  # fmt: skip
        case = case_open(draft=draft, requester=None, at=at, terms=terms)
        raw_inbound_finish(raw, RawStatus.PROCESSED, f"opened {case.number}", at=at, case=case)
        return raw


def _resolved(raw: RawInbound, case: Case | None, *, at: datetime) -> RawInbound:
    if case is None:
        reason = "resolved, and no open case of this alert"
        raw_inbound_finish(raw, RawStatus.IGNORED, reason, at=at, case=None)
        return raw
    try:
        case_transition(
            case=case, actor=None, status=Status.SERVICE_RESTORED, by_customer=False, at=at,
            note="the monitoring alert resolved",
        )  # fmt: skip
    except TransitionRefusedError as error:
        reason = f"resolved; {case.number} not marked service restored: {error.reason}"
    else:
        reason = f"resolved: {case.number} service restored"
    raw_inbound_finish(raw, RawStatus.PROCESSED, reason, at=at, case=case)
    return raw


ALERTMANAGER = channel_register(AlertmanagerChannel())
