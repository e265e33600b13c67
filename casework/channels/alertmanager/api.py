"""``POST /api/v1/intake/alertmanager`` (SPEC §4): Prometheus Alertmanager's webhook.

Authenticated by ``Authorization: Bearer <CASEWORK_ALERTMANAGER_TOKEN>`` (503 while the
setting is unset, 401 for another token). The body is stored before it is read: each alert
of the notification as its own input (a re-sent alert is stored once), then handled; a body
that is not a notification is stored too, as failed with the reason, and answered 400.
Alertmanager retries 5xx and drops 4xx, so only a fault of ours answers 5xx. Every
notification is limited in size (413) and rate (429, per client IP)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.errors import HttpError

from casework.api.errors import TooManyRequestsError
from casework.channels.alertmanager import ALERTMANAGER
from casework.channels.alertmanager.parse import alert_split
from casework.channels.base import ParseError
from casework.channels.models import RawStatus
from casework.channels.services import raw_inbound_finish, raw_inbound_process, raw_inbound_store
from casework.lib.http import body_within
from casework.lib.ratelimit import rate_limit_hit

router = Router(tags=["intake"])

NOTIFICATIONS_PER_MINUTE = 600


class AlertOut(Schema):
    """What became of one alert of the notification."""

    id: int
    status: str
    reason: str
    case: str | None


class AlertmanagerOut(Schema):
    """Every alert of the notification, in order."""

    alerts: list[AlertOut]


def _authorised(request: HttpRequest) -> None:
    expected = settings.CASEWORK_ALERTMANAGER_TOKEN
    if not expected:
        raise HttpError(503, "monitoring intake is not configured (CASEWORK_ALERTMANAGER_TOKEN)")
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secrets.compare_digest(token.strip(), expected):
        raise HttpError(401, "expected Authorization: Bearer <CASEWORK_ALERTMANAGER_TOKEN>")


def _body(request: HttpRequest) -> bytes:
    """The notification, refused over the size limit before more of it is read."""
    payload = body_within(request, limit=ALERTMANAGER.max_bytes, what="notification")
    if not payload:
        raise HttpError(400, "the notification is empty")
    return payload


@router.post("/intake/alertmanager", response=AlertmanagerOut, auth=None)
def alertmanager_webhook(request: HttpRequest) -> dict[str, object]:
    """Store and handle each alert of an Alertmanager notification (R5, R7)."""
    _authorised(request)
    now = timezone.now()
    ip = request.META.get("REMOTE_ADDR", "unknown")
    decision = rate_limit_hit(f"intake:alertmanager:{ip}", limit=NOTIFICATIONS_PER_MINUTE,
                              window=timedelta(minutes=1), at=now)  # fmt: skip
    if not decision.allowed:
        raise TooManyRequestsError(
            f"too many notifications; retry in {decision.retry_after} s",
            retry_after=decision.retry_after,
        )
    payload = _body(request)
    source = f"http {ip}"
    try:
        documents = alert_split(payload)
    except ParseError as error:
        kept = raw_inbound_store(channel=ALERTMANAGER, payload=payload, source=source,
                                 received_at=now)  # fmt: skip
        raw_inbound_finish(kept.raw, RawStatus.FAILED, error.reason, at=now, case=None)
        raise HttpError(400, error.reason) from None
    answers = []
    for document in documents:
        stored = raw_inbound_store(channel=ALERTMANAGER, payload=document, source=source,
                                   received_at=now)  # fmt: skip
        raw = raw_inbound_process(stored.raw, at=now) if stored.created else stored.raw
        answers.append({"id": raw.pk, "status": raw.status, "reason": raw.reason,
                        "case": raw.case.number if raw.case is not None else None})  # fmt: skip
    return {"alerts": answers}
