"""Prometheus Alertmanager's webhook payload (version 4), read without side effects.

A notification carries a group of alerts; each alert is stored and handled on its own
(``alert_split``), identified by its ``fingerprint``. A firing alert's ``endsAt`` is the zero
time ``0001-01-01T00:00:00Z``. https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
"""

from __future__ import annotations

import json
from datetime import datetime

from casework.channels.base import Inbound, ParseError

MAX_ALERTS = 1000  # Alertmanager's own max_alerts defaults to 0 (all): bound what one post does


def _object(payload: bytes) -> dict[str, object]:
    try:
        data = json.loads(payload)
    except (ValueError, RecursionError) as error:
        raise ParseError(f"not JSON: {error}") from None
    if not isinstance(data, dict):
        raise ParseError("expected a JSON object")
    return data


def alert_split(payload: bytes) -> list[bytes]:
    """The alerts of one webhook notification, each as its own JSON document (the alert as
    sent, plus the notification's ``receiver`` and ``externalURL``), in order."""
    data = _object(payload)
    if str(data.get("version", "4")) != "4":
        raise ParseError(f"unsupported webhook version {data.get('version')!r}; expected 4")
    alerts = data.get("alerts")
    if not isinstance(alerts, list) or not alerts:
        raise ParseError("alerts: expected a non-empty list")
    if len(alerts) > MAX_ALERTS:
        raise ParseError(f"alerts: more than {MAX_ALERTS} in one notification")
    common = {key: data.get(key) for key in ("receiver", "externalURL")}
    return [json.dumps({**common, "alert": alert}, sort_keys=True).encode() for alert in alerts]


def _text_map(value: object, field: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise ParseError(f"{field}: expected an object of strings")
    return dict(value)


def _instant(value: object, field: str) -> datetime | None:
    if value in (None, "") or (isinstance(value, str) and value.startswith("0001-01-01")):
        return None
    if not isinstance(value, str):
        raise ParseError(f"{field}: expected an RFC 3339 time")
    try:
        instant = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ParseError(f"{field}: not an RFC 3339 time: {value[:40]!r}") from None
    if instant.tzinfo is None:
        raise ParseError(f"{field}: the time has no offset")
    return instant


def alert_fingerprint(document: bytes) -> str:
    """``fingerprint|startsAt|status`` of one split alert: one delivery of one state of one
    alert (Alertmanager re-sends a group every interval; those repeats are the same key)."""
    try:
        alert = json.loads(document)["alert"]
        return f"{alert['fingerprint']}|{alert.get('startsAt', '')}|{alert.get('status', '')}"
    except (ValueError, KeyError, TypeError, RecursionError):
        return ""


def alert_parse(document: bytes, *, received_at: datetime) -> Inbound:
    """One split alert → an ``Inbound`` of channel ``noc``: subject from ``alertname`` and
    the ``summary`` annotation, body from the annotations and labels, ``notified_at`` its
    ``startsAt`` (the time-to-open clock, G6); ``labels`` carry the labels, plus
    ``_fingerprint`` and ``_status`` (``firing`` or ``resolved``)."""
    alert = _object(document).get("alert")
    if not isinstance(alert, dict):
        raise ParseError("alert: expected an object")
    fingerprint = alert.get("fingerprint")
    if not isinstance(fingerprint, str) or not fingerprint:
        raise ParseError("fingerprint: expected a non-empty string")
    status = alert.get("status")
    if status not in ("firing", "resolved"):
        raise ParseError(f"status: expected firing or resolved, not {status!r}")
    labels = _text_map(alert.get("labels"), "labels")
    annotations = _text_map(alert.get("annotations"), "annotations")
    starts = _instant(alert.get("startsAt"), "startsAt")
    name = labels.get("alertname", "alert")
    summary = annotations.get("summary") or annotations.get("description") or ""
    lines = [f"{key}: {value}" for key, value in sorted(annotations.items())]
    lines += ["", "Labels:", *(f"  {key}={value}" for key, value in sorted(labels.items()))]
    if isinstance(alert.get("generatorURL"), str):
        lines += ["", f"Source: {alert['generatorURL']}"]
    return Inbound(
        channel="noc", received_at=received_at, sender="alertmanager",
        subject=f"[{name}] {summary}".strip()[:300], body="\n".join(lines),
        notified_at=starts, organization_hint=labels.get("organization", ""),
        labels=(*sorted(labels.items()), ("_fingerprint", fingerprint), ("_status", status)),
    )  # fmt: skip
