"""Scheduled maintenance under the policy (R29): when a window may be announced and whether
it lies inside its region's weekly window. Pure: time is a parameter, zones come from zoneinfo.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from casework.policy.schema import WEEKDAYS, MaintenanceRules, MaintenanceWindow


def maintenance_announce_at(
    rules: MaintenanceRules, *, starts_at: datetime, scheduled_at: datetime
) -> datetime:
    """When maintenance starting at ``starts_at`` is announced: the notice period before it
    (R29: "up to ten days" ahead, never earlier), or at once if that time has passed."""
    return max(scheduled_at, starts_at - rules.notice.timedelta())


def _hm(text: str) -> time | None:
    hours, minutes = (int(part) for part in text.split(":"))
    return None if hours == 24 else time(hours, minutes)


def window_occurrences(
    window: MaintenanceWindow, around: datetime
) -> list[tuple[datetime, datetime]]:
    """The window's occurrences (UTC start, UTC end) in the weeks around ``around``: the
    previous, the current and the next, so any instant near ``around`` falls in one of them
    if it falls in any. Wall times are read in the window's zone (DST-correct)."""
    zone = ZoneInfo(window.timezone)
    local = around.astimezone(zone)
    weekday = WEEKDAYS.index(window.weekday)
    start_time = _hm(window.start) or time(0, 0)
    end_time = _hm(window.end)
    found = []
    for week in (-1, 0, 1):
        day = local.date() + timedelta(days=weekday - local.weekday() + 7 * week)
        start = datetime.combine(day, start_time, tzinfo=zone)
        end_day = day + timedelta(days=1) if end_time is None or end_time <= start_time else day
        end = datetime.combine(end_day, end_time or time(0, 0), tzinfo=zone)
        found.append((start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))))
    return found


def window_refusal(
    window: MaintenanceWindow, *, starts_at: datetime, ends_at: datetime
) -> str | None:
    """Why maintenance from ``starts_at`` to ``ends_at`` is outside ``window`` (R29), or None
    when one occurrence of the window holds all of it."""
    for start, end in window_occurrences(window, starts_at):
        if start <= starts_at and ends_at <= end:
            return None
    return (
        f"outside the {window.name} maintenance window "
        f"({window.weekday.title()} {window.start}-{window.end} {window.timezone}, R29); "
        "schedule it inside the window or mark it an emergency"
    )
