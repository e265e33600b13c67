"""``{% load clocks %}``: clocks and instants in the viewer's time zone.

The page's view puts ``now`` (an aware UTC instant) and ``viewer_zone`` (a ZoneInfo) in the
context; ``casework.lib.web.page_context`` does both.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import template

from casework.lib.clockview import ClockLike, ClockView, clock_view, most_urgent

register = template.Library()


def _now_zone(context: template.Context) -> tuple[datetime, ZoneInfo]:
    return context["now"], context["viewer_zone"]


@register.inclusion_tag("includes/clock.html", takes_context=True)
def clock(context: template.Context, clock: ClockLike, compact: bool = False) -> dict[str, Any]:
    """One clock: its name, due time in the viewer's zone and its state in words; running
    clocks carry ``data-due-at`` so casework.js counts them down between refreshes."""
    at, zone = _now_zone(context)
    cycle = getattr(clock, "cycle", 0)
    return {"view": clock_view(clock, at=at, zone=zone, cycle=cycle), "compact": compact}


@register.inclusion_tag("includes/urgent_clock.html", takes_context=True)
def urgent_clock(context: template.Context, clocks: Any, metrics: str = "") -> dict[str, Any]:
    """A case's most urgent clock, compact (or "no running clock"), followed by any other
    breached clock it would otherwise hide (``clocks``: the case's clock rows; ``metrics``:
    a comma-separated list of the metrics to consider, all when empty)."""
    at, zone = _now_zone(context)
    wanted = {name.strip() for name in metrics.split(",") if name.strip()}
    rows = [row for row in clocks if not wanted or row.metric in wanted]
    chosen = most_urgent(rows)
    view: ClockView | None = None
    if chosen is not None:
        view = clock_view(chosen, at=at, zone=zone, cycle=getattr(chosen, "cycle", 0))
    others = [
        clock_view(row, at=at, zone=zone, cycle=getattr(row, "cycle", 0))
        for row in rows
        if row.state == "breached" and row is not chosen
    ]
    return {"view": view, "others": others}


@register.filter
def local(instant: datetime | None, zone: ZoneInfo) -> datetime | None:
    """``{{ when|local:viewer_zone }}``: the instant in the viewer's zone."""
    return instant.astimezone(zone) if instant else None
