"""Instants as people read them: in the viewer's time zone, and as "due in 23 min"."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_UNITS = ((86400, "d"), (3600, "h"), (60, "min"))


def zone_or_utc(name: str | None) -> ZoneInfo:
    """The IANA zone ``name``, or UTC for an empty or unknown name."""
    try:
        return ZoneInfo(name) if name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def span_words(span: timedelta) -> str:
    """A span in its two largest units, rounded down: ``1 d 4 h``, ``23 min``, ``40 s``."""
    seconds = int(abs(span.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    parts = []
    for size, unit in _UNITS:
        if seconds >= size:
            parts.append(f"{seconds // size} {unit}")
            seconds %= size
        if len(parts) == 2:
            break
    return " ".join(parts)


def due_words(due_at: datetime, *, at: datetime) -> str:
    """``due in 23 min`` before ``due_at``, ``overdue by 1 h 5 min`` after it."""
    if due_at >= at:
        return f"due in {span_words(due_at - at)}"
    return f"overdue by {span_words(at - due_at)}"


def ago_words(instant: datetime, *, at: datetime) -> str:
    """``1 h 5 min ago`` (or ``in 5 min`` for a future instant)."""
    if instant <= at:
        return f"{span_words(at - instant)} ago"
    return f"in {span_words(instant - at)}"
