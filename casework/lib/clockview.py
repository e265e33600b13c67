"""How a stored clock reads on a page: its name, a state word, a tone and "due in 23 min".

The tone is never the only signal: every tone comes with words ("at risk", "breached 1 h
ago"), so the queue reads the same in greyscale and to a screen reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from casework.lib.timefmt import ago_words, due_words

METRIC_NAMES = {
    "time_to_open": "Time to open",
    "first_response": "First response",
    "periodic_update": "Next update",
    "elevation": "Elevation",
    "resolution": "Resolution",
    "rca_preliminary": "Preliminary RCA",
    "rca_final": "Final RCA",
}


class ClockLike(Protocol):
    """What a clock view needs: a ``cases.Clock`` row or a ``ClockState`` of the engine."""

    metric: str
    state: str
    due_at: datetime | None
    warn_at: datetime | None
    met_at: datetime | None
    breached_at: datetime | None
    paused_seconds: int


@dataclass(frozen=True, slots=True)
class ClockView:
    """One clock as shown: ``tone`` is ``ok``, ``warn``, ``breach``, ``met``, ``paused`` or
    ``off``; ``text`` says the same in words; ``due_local`` is in the viewer's zone."""

    name: str
    state: str
    tone: str
    text: str
    due_local: datetime | None
    due_iso: str
    warn_iso: str


def _tone(clock: ClockLike, at: datetime) -> tuple[str, str]:
    if clock.state == "met":
        return "met", f"met {ago_words(clock.met_at, at=at)}" if clock.met_at else "met"
    if clock.state == "breached":
        when = clock.breached_at or clock.due_at
        return "breach", f"breached {ago_words(when, at=at)}" if when else "breached"
    if clock.state == "cancelled":
        return "off", "stopped"
    if clock.state == "paused":
        return "paused", "paused"
    if clock.due_at is None:
        return "ok", "running"
    if clock.due_at <= at:
        return "breach", f"breached {ago_words(clock.due_at, at=at)}"
    if clock.warn_at is not None and clock.warn_at <= at:
        return "warn", f"at risk: {due_words(clock.due_at, at=at)}"
    return "ok", due_words(clock.due_at, at=at)


def clock_view(clock: ClockLike, *, at: datetime, zone: ZoneInfo, cycle: int = 0) -> ClockView:
    """The clock as it reads at ``at`` to a viewer in ``zone``."""
    tone, text = _tone(clock, at)
    name = METRIC_NAMES.get(clock.metric, clock.metric.replace("_", " ").capitalize())
    if cycle and clock.metric == "periodic_update":
        name = f"{name} ({cycle + 1})"
    live = clock.state == "running" and clock.due_at is not None
    return ClockView(
        name=name,
        state=clock.state,
        tone=tone,
        text=text,
        due_local=clock.due_at.astimezone(zone) if clock.due_at else None,
        due_iso=clock.due_at.isoformat() if live and clock.due_at else "",
        warn_iso=clock.warn_at.isoformat() if live and clock.warn_at else "",
    )


def most_urgent(clocks: list[ClockLike]) -> ClockLike | None:
    """A breach still unanswered, else the running clock due first, else a breach answered
    late, else None (the order the queues sort cases in)."""
    never = datetime.max.replace(tzinfo=UTC)
    outstanding = [c for c in clocks if c.state == "breached" and c.met_at is None]
    if outstanding:
        return min(outstanding, key=lambda c: c.due_at or never)
    running = [c for c in clocks if c.state == "running" and c.due_at is not None]
    if running:
        return min(running, key=lambda c: c.due_at or never)
    breached = [c for c in clocks if c.state == "breached"]
    return breached[0] if breached else None
