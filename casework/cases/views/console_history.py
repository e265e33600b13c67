"""A case's history as the console shows it: each event's kind, when, who, and what changed
in words ("P3 → P2", "First response: due Wed 3 Dec, 10:00 PST → Tue 2 Dec, 14:00 PST")."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.dateformat import format as date_format

from casework.cases.models import CaseEvent
from casework.lib.clockview import METRIC_NAMES

KIND_NAMES = {
    "opened": "Opened",
    "notified": "Problem notified",
    "message": "Message",
    "status": "Status",
    "priority": "Reclassified",
    "elevated": "Elevated",
    "assigned": "Assigned",
    "attachment": "Attachment",
    "sla_stopped": "SLA stopped",
    "closable": "Can be closed",
    "linked": "Linked case",
    "warning": "SLA warning",
    "breach": "SLA breach",
}

# ``data`` keys shown as they are, with their label.
_PLAIN = (("reason", "Reason"), ("note", "Note"), ("name", "Exclusion"), ("filename", "File"))


@dataclass(frozen=True, slots=True)
class HistoryLine:
    """One event as read on the case page."""

    kind: str
    name: str
    at: datetime
    actor: str
    public: bool
    details: list[str]


def _when(text: str | None) -> str:
    if not text:
        return "none"
    return date_format(timezone.localtime(datetime.fromisoformat(text)), "D j M, H:i T")


def _due_changes(data: dict[str, Any]) -> list[str]:
    """Each clock's old and new due time of a reclassification (R53–R55)."""
    old, new = data.get("old_due") or {}, data.get("new_due") or {}
    return [
        f"{METRIC_NAMES.get(key.partition('#')[0], key)}: due {_when(old.get(key))}"
        f" → {_when(new.get(key))}"
        for key in sorted({*old, *new})
    ]


def _change(event: CaseEvent) -> list[str]:
    data = event.data
    if event.kind == "assigned":
        return [f"{data.get('old_name') or 'nobody'} → {data.get('new_name')}"]
    if event.kind == "message":
        if data.get("via") in ("phone_call", "chat"):
            return [str(data["via"]).replace("_", " ")]
        return ["public reply" if data.get("public") else "internal note"]
    if "old" in data and "new" in data:
        return [f"{data['old']} → {data['new']}"]
    return []


def history_lines(events: Iterable[CaseEvent]) -> list[HistoryLine]:
    """The events (oldest first) as lines for the page, times in the active zone."""
    lines = []
    for event in events:
        data = event.data if isinstance(event.data, dict) else {}
        details = _change(event)
        details += [f"{label}: {data[key]}" for key, label in _PLAIN if data.get(key)]
        details += _due_changes(data)
        lines.append(
            HistoryLine(
                kind=event.kind,
                name=KIND_NAMES.get(event.kind, event.kind.replace("_", " ").capitalize()),
                at=event.at,
                actor=event.actor.username if event.actor else "casework",
                public=event.public,
                details=details,
            )
        )
    return lines
