"""A case's stored history as the pure engine reads it (``casework.policy.Event``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from casework.cases.models import CaseEvent, Status
from casework.policy import Event

# Status changes that mean something more to the clocks than "the status is now X".
_STATUS_MEANING = {
    Status.SERVICE_RESTORED: "service_restored",
    Status.RESOLVED: "resolved",
    Status.CLOSED: "closed",
}


def engine_events(rows: Iterable[CaseEvent]) -> list[Event]:
    """Translate stored events into engine events, oldest first."""
    return [event for row in rows for event in _translate(row)]


# Stored kinds that the engine reads as they are, with one value taken from ``data``.
_DIRECT = {"priority": "priority", "elevated": "tier", "rca_published": "rca"}


def _translate(row: CaseEvent) -> Iterator[Event]:
    data = row.data
    if row.kind in _DIRECT:
        field = _DIRECT[row.kind]
        value = data["document"] if field == "rca" else data["new"]
        yield Event(row.kind, row.at, **{field: value})  # type: ignore[arg-type]
        return
    match row.kind:
        case "opened":
            yield Event("opened", row.at, priority=data.get("priority"))
        case "notified":
            yield Event("notified", datetime.fromisoformat(data["at"]))
        case "message":
            yield from _message(row)
        case "status":
            yield Event("status", row.at, status=data["new"])
            meaning = _STATUS_MEANING.get(data["new"])
            if meaning is not None:
                yield Event(meaning, row.at)  # type: ignore[arg-type]
            elif data.get("old") in (Status.RESOLVED, Status.CLOSED):
                yield Event("reopened", row.at)
        case "sla_stopped":
            yield Event("sla_stopped", row.at)


def _message(row: CaseEvent) -> Iterator[Event]:
    data = row.data
    if not (data.get("public") and data.get("from_support")):
        return  # internal notes and customer messages are not responses (G4)
    yield Event("response", row.at, response=data.get("via", "reply"))
    if data.get("eta"):
        yield Event("eta", row.at, eta=datetime.fromisoformat(data["eta"]))
    if data.get("workaround"):
        yield Event("workaround", row.at)
