"""Who hears of a change to the status page, and how.

:func:`publication_enqueue` is called by the services once a change has committed (an
incident's update, an RCA published, maintenance announced, started, completed or
cancelled); the ``status_publish`` task then runs :func:`publication_deliver`, which sends
what that change calls for:

- Emergency maintenance, when it is announced, goes to the emergency contacts of every
  organisation whose service accounts run on an affected component (R28).
- Every change goes to the subscribers following an affected component, its group, or
  everything: by mail (with RFC 8058 one-click unsubscription) and by webhook (signed as
  Standard Webhooks sign, retried with the notification back-off). A :class:`Delivery` row
  per subscriber and change, unique, is claimed before anything is sent, so a change is sent
  to each subscriber once however often or wherever it is delivered.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from standardwebhooks import Webhook

from casework.accounts.models import EmergencyContact
from casework.lib.tasks import mail_send
from casework.status.models import (
    Component,
    Delivery,
    IncidentStatus,
    IncidentUpdate,
    Maintenance,
    Rca,
    Subscriber,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Publication:
    """One change as subscribers receive it: its key (``incident:42``), the components it
    affects, a mail's subject and text, and the webhook's event type and data."""

    key: str
    components: frozenset[int]
    subject: str
    text: str
    event: str
    data: dict[str, object]


def publication_enqueue(kind: str, pk: int) -> None:
    """Deliver the change ``kind`` of row ``pk`` in the background."""
    from casework.status.tasks import status_publish

    status_publish.enqueue(kind, pk)


def publication_deliver(*, kind: str, pk: int) -> str:
    """Send what the change ``kind`` of row ``pk`` calls for; says what it sent."""
    sent = 0
    if kind == "maintenance_announced":
        sent += _emergency_notices(pk)
    publication = publication_of(kind, pk)
    subscribers = _subscribers_notify(publication) if publication else 0
    return f"{kind} {pk}: {sent} notice(s), {subscribers} subscriber(s)"


def _page(name: str, *args: object) -> str:
    return settings.CASEWORK_BASE_URL + reverse(name, args=args)


def publication_of(kind: str, pk: int) -> Publication | None:
    """What subscribers are told of the change, or None when it is nothing to tell (the
    cancellation of maintenance that was never announced)."""
    if kind == "incident":
        update = IncidentUpdate.objects.select_related("incident").get(pk=pk)
        incident = update.incident
        label = IncidentStatus(update.status).label.capitalize()
        link = _page("status:incident", incident.pk)
        affected = frozenset(incident.affected.values_list("component_id", flat=True))
        return Publication(
            key=f"incident:{update.pk}", components=affected,
            subject=f"[{label}] {incident.title}",
            text=f"{incident.title}: {label}\n\n{update.message}\n\nThe whole timeline: {link}",
            event="incident.updated",
            data={
                "incident": {"id": incident.pk, "title": incident.title, "impact": incident.impact,
                             "status": incident.status, "security": incident.security,
                             "url": link},
                "update": {"id": update.pk, "status": update.status, "message": update.message,
                           "at": update.at.isoformat(), "components": update.component_states},
            },
        )  # fmt: skip
    if kind == "rca":
        rca = Rca.objects.select_related("incident").get(pk=pk)
        incident = rca.incident
        link = _page("status:incident", incident.pk)
        affected = frozenset(incident.affected.values_list("component_id", flat=True))
        text = f"{rca.summary}\n\nRoot cause: {rca.root_cause or 'see the summary'}"
        if rca.preventive_measures:
            text += f"\n\nPreventive measures: {rca.preventive_measures}"
        return Publication(
            key=f"rca:{rca.pk}", components=affected,
            subject=f"[{rca.get_kind_display().capitalize()} RCA] {incident.title}",
            text=f"{text}\n\nThe incident: {link}", event="incident.rca_published",
            data={"incident": {"id": incident.pk, "title": incident.title, "url": link},
                  "rca": {"kind": rca.kind, "summary": rca.summary, "root_cause": rca.root_cause,
                          "preventive_measures": rca.preventive_measures}},
        )  # fmt: skip
    step = kind.removeprefix("maintenance_")
    maintenance = Maintenance.objects.get(pk=pk)
    if step == "cancelled" and maintenance.announced_at is None:
        return None
    names = list(maintenance.components.values_list("name", flat=True))
    window = f"{maintenance.starts_at.isoformat()} to {maintenance.ends_at.isoformat()} (UTC)"
    return Publication(
        key=f"{kind}:{pk}",
        components=frozenset(maintenance.components.values_list("pk", flat=True)),
        subject=f"[Maintenance {step}] {maintenance.title}",
        text=(f"{maintenance.title}: {step}\n\nAffects: {', '.join(names)}\nFrom {window}\n\n"
              f"{maintenance.message}\n\nService status: {_page('status:index')}"),
        event=f"maintenance.{step}",
        data={"maintenance": {"id": maintenance.pk, "title": maintenance.title,
                              "status": maintenance.status, "emergency": maintenance.emergency,
                              "starts_at": maintenance.starts_at.isoformat(),
                              "ends_at": maintenance.ends_at.isoformat(), "components": names}},
    )  # fmt: skip


def audience(components: frozenset[int]) -> list[Subscriber]:
    """The active subscribers following one of ``components``, one of their groups, or
    everything."""
    groups = Component.objects.filter(pk__in=components, group__isnull=False).values("group_id")
    everything = Q(components__isnull=True, groups__isnull=True)
    return list(
        Subscriber.objects.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)
        .filter(Q(components__in=components) | Q(groups__in=groups) | everything)
        .distinct()
        .order_by("pk")
    )


def _subscribers_notify(publication: Publication) -> int:
    """Make each subscriber's delivery of ``publication`` (once: the rows are unique) and
    send the ones this run claims."""
    subscribers = audience(publication.components)
    rows = [Delivery(subscriber=s, publication=publication.key) for s in subscribers]
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    deliveries = Delivery.objects.filter(
        publication=publication.key, subscriber__in=subscribers, attempts=0
    ).select_related("subscriber")
    sent = 0
    for delivery in deliveries:
        # Claimed by whoever moves it from no attempt to one: never two senders.
        if not Delivery.objects.filter(pk=delivery.pk, attempts=0).update(attempts=1):
            continue
        delivery.attempts = 1
        if delivery.subscriber.kind == Subscriber.Kind.EMAIL:
            _mail(delivery, publication)
        else:
            from casework.status.tasks import status_webhook_post

            status_webhook_post.enqueue(delivery.pk, _webhook_body(publication))
        sent += 1
    return sent


def _mail(delivery: Delivery, publication: Publication) -> None:
    from casework.status.services import subscriber_link

    unsubscribe = subscriber_link(delivery.subscriber, purpose="unsubscribe")
    body = (
        f"{publication.text}\n\n--\nYou receive this because you subscribed to service status "
        f"updates. Unsubscribe: {unsubscribe}"
    )
    headers = {
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",  # RFC 8058
        "List-Id": f"Service status <status.{settings.CASEWORK_BASE_URL.split('//')[-1]}>",
    }
    mail_send.enqueue(delivery.subscriber.email, publication.subject, body, 1, headers)
    Delivery.objects.filter(pk=delivery.pk).update(
        state=Delivery.State.SENT, sent_at=timezone.now()
    )


def _webhook_body(publication: Publication) -> str:
    """The event as Standard Webhooks suggest: ``type``, ``timestamp``, ``data``."""
    return json.dumps(
        {"type": publication.event, "timestamp": timezone.now().isoformat(),
         "data": publication.data},
        separators=(",", ":"), sort_keys=True,
    )  # fmt: skip


def webhook_headers(delivery: Delivery, body: str, *, at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt: the id is the delivery's (the same on
    every retry, for the receiver to drop duplicates), the timestamp the attempt's."""
    message_id = f"msg_cw{delivery.pk}"
    signature = Webhook(delivery.subscriber.secret).sign(message_id, at, body)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
        "user-agent": "casework-status",
    }


def webhook_post(*, delivery_id: int, body: str, at: datetime) -> str:
    """One attempt at posting ``body`` to the delivery's webhook: a 2xx answer sends it;
    anything else is tried again after the notification back-off
    (``CASEWORK_NOTIFY_RETRY_SECONDS``, doubling) until ``CASEWORK_NOTIFY_MAX_ATTEMPTS``
    attempts have failed. Says what became of it."""
    delivery = Delivery.objects.select_related("subscriber").get(pk=delivery_id)
    if delivery.state != Delivery.State.PENDING:
        return delivery.state
    if delivery.subscriber.unsubscribed_at is not None:
        Delivery.objects.filter(pk=delivery.pk).update(
            state=Delivery.State.FAILED, last_error="unsubscribed"
        )
        return "unsubscribed"
    try:
        response = httpx.post(
            delivery.subscriber.url, content=body.encode(),
            headers=webhook_headers(delivery, body, at=at),
            timeout=settings.CASEWORK_WEBHOOK_TIMEOUT_SECONDS, follow_redirects=False,
        )  # fmt: skip
        error = "" if response.is_success else f"HTTP {response.status_code}"
    except httpx.HTTPError as failure:
        error = f"{type(failure).__name__}: {failure}"
    if not error:
        Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.SENT, sent_at=at)
        return "sent"
    if delivery.attempts >= settings.CASEWORK_NOTIFY_MAX_ATTEMPTS:
        Delivery.objects.filter(pk=delivery.pk).update(
            state=Delivery.State.FAILED, last_error=error
        )
        logger.error("webhook %s failed %d times: %s", delivery.pk, delivery.attempts, error)
        return "failed"
    Delivery.objects.filter(pk=delivery.pk).update(attempts=delivery.attempts + 1, last_error=error)
    from casework.status.tasks import status_webhook_post

    delay = settings.CASEWORK_NOTIFY_RETRY_SECONDS * 2 ** (delivery.attempts - 1)
    retry = status_webhook_post.using(run_after=at + timedelta(seconds=delay))
    retry.enqueue(delivery.pk, body)
    return "retrying"


def _emergency_notices(maintenance_id: int) -> int:
    maintenance = Maintenance.objects.get(pk=maintenance_id)
    if not maintenance.emergency:
        return 0
    addresses = (
        EmergencyContact.objects.filter(
            organization__service_accounts__components__maintenances=maintenance
        )
        .values_list("email", flat=True)
        .distinct()
        .order_by("email")
    )
    names = ", ".join(maintenance.components.values_list("name", flat=True))
    link = settings.CASEWORK_BASE_URL.rstrip("/") + reverse("status:index")
    body = (
        f"Emergency maintenance: {maintenance.title}\n\n"
        f"Affects: {names}\n"
        f"From {maintenance.starts_at.isoformat()} to {maintenance.ends_at.isoformat()} (UTC)\n\n"
        f"{maintenance.message}\n\nService status: {link}\n\n"
        "You receive this as an emergency contact of your organisation (R28)."
    )
    for address in addresses:
        mail_send.enqueue(address, f"[Emergency maintenance] {maintenance.title}", body)
    return len(addresses)
