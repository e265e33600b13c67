"""The status page's history: each component's state over time, derived from the incidents'
timelines, as daily bars with uptime percentages.

Nothing here is stored: an incident's updates say which state each component was put in and
when (the opening update names every affected component, the resolving one sets them all
back to operational), so the intervals follow from them to the second, and a correction to
an incident is a new update, never a rewritten past.

Uptime counts a major outage as fully down and a partial outage as 30% down (the weights
Atlassian Statuspage publishes); degraded performance and maintenance count as up. Where two
incidents overlap on one component the worse state counts, once. Days are the calendar days
of the page's zone (``CASEWORK_STATUS_TIMEZONE``), so a day across a DST change is 23 or 25
hours long; the days before a component existed have no data and count neither way.

This module is pure (no database): :mod:`casework.status.selectors` feeds it rows.
"""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from casework.status.models import STATE_RANK, ComponentState

# How much of a second in each state counts as down.
DOWNTIME_WEIGHT = {
    ComponentState.MAJOR_OUTAGE.value: 1.0,
    ComponentState.PARTIAL_OUTAGE.value: 0.3,
}
OPERATIONAL = ComponentState.OPERATIONAL.value


@dataclass(frozen=True, slots=True)
class Interval:
    """``component_id`` was in ``state`` from ``start`` to ``end`` (UTC)."""

    component_id: int
    state: str
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Day:
    """One bar: the worst state of the day, the seconds of each non-operational state, and
    the uptime (None before the component existed)."""

    day: date
    worst: str
    seconds: Mapping[str, float]
    uptime: float | None

    @property
    def has_data(self) -> bool:
        """The component existed on this day."""
        return self.uptime is not None


@dataclass(frozen=True, slots=True)
class History:
    """A component's days, oldest first, and its uptime over all of them (None with no data)."""

    days: tuple[Day, ...]
    uptime: float | None


@dataclass(frozen=True, slots=True)
class Timeline:
    """One incident's timeline: when each update was posted and the states it set
    (``{component id: state}``), oldest first, and when it was resolved, if it was."""

    updates: tuple[tuple[datetime, Mapping[int, str]], ...]
    resolved_at: datetime | None


def intervals_of(timeline: Timeline, *, now: datetime) -> list[Interval]:
    """The intervals a timeline puts its components in: each state lasts from the update that
    set it to the next update that changed it, or to the resolution (or ``now``)."""
    current: dict[int, tuple[str, datetime]] = {}
    out: list[Interval] = []
    end_of_all = timeline.resolved_at or now
    for at, states in timeline.updates:
        for component_id, state in states.items():
            previous = current.get(component_id)
            if previous is not None and previous[0] == state:
                continue
            if previous is not None and previous[0] != OPERATIONAL and at > previous[1]:
                out.append(Interval(component_id, previous[0], previous[1], at))
            current[component_id] = (state, at)
    for component_id, (state, since) in current.items():
        if state != OPERATIONAL and end_of_all > since:
            out.append(Interval(component_id, state, since, end_of_all))
    return out


Segment = tuple[datetime, datetime, str]


def worst_segments(intervals: Iterable[Interval]) -> dict[int, list[Segment]]:
    """Per component, the time cut into segments each in the worst state of the intervals
    covering it (intervals of several incidents may overlap), in order, without gaps of
    operational time."""
    by_component: dict[int, list[Interval]] = defaultdict(list)
    for interval in intervals:
        by_component[interval.component_id].append(interval)
    out: dict[int, list[tuple[datetime, datetime, str]]] = {}
    for component_id, rows in by_component.items():
        edges = sorted({row.start for row in rows} | {row.end for row in rows})
        segments: list[tuple[datetime, datetime, str]] = []
        for start, end in itertools.pairwise(edges):
            covering = [row.state for row in rows if row.start <= start and row.end >= end]
            if not covering:
                continue
            state = max(covering, key=STATE_RANK.__getitem__)
            if segments and segments[-1][2] == state and segments[-1][1] == start:
                segments[-1] = (segments[-1][0], end, state)
            else:
                segments.append((start, end, state))
        out[component_id] = segments
    return out


def day_bounds(first: date, days: int, zone: ZoneInfo) -> list[tuple[date, datetime, datetime]]:
    """``days`` calendar days from ``first`` in ``zone``: (day, start, end), the instants in
    UTC (arithmetic between two times of one zone would ignore a DST change)."""
    midnights = [
        datetime.combine(first + timedelta(days=offset), time(), tzinfo=zone).astimezone(UTC)
        for offset in range(days + 1)
    ]
    return [
        (first + timedelta(days=offset), midnights[offset], midnights[offset + 1])
        for offset in range(days)
    ]


def clear_days(
    bounds: list[tuple[date, datetime, datetime]], *, since: datetime, now: datetime
) -> tuple[Day, ...]:
    """The days of ``bounds`` with nothing wrong: operational where the component existed
    (from ``since``) up to ``now``, no data elsewhere."""
    return tuple(
        Day(day, OPERATIONAL, {}, 1.0 if min(end, now) > max(start, since) else None)
        for day, start, end in bounds
    )


def history_of(
    segments: list[Segment], bounds: list[tuple[date, datetime, datetime]], *,
    since: datetime, now: datetime, clear: tuple[Day, ...] | None = None,
) -> History:  # fmt: skip
    """The daily bars of one component over the days of ``bounds`` (see :func:`day_bounds`),
    counting from ``since`` (when it was created) up to ``now``: the ``clear`` days (see
    :func:`clear_days`, passed in when many components share them) with each segment laid
    over the days it touches."""
    days = list(clear if clear is not None else clear_days(bounds, since=since, now=now))
    first = max(since, bounds[0][1])
    starts = [start for _, start, _ in bounds]
    touched: dict[int, dict[str, float]] = {}
    for seg_start, seg_end, state in segments:
        low, high = max(seg_start, first), min(seg_end, now, bounds[-1][2])
        index = max(bisect.bisect_right(starts, low) - 1, 0)
        while low < high and index < len(bounds):
            _, start, end = bounds[index]
            overlap = (min(high, end) - max(low, start)).total_seconds()
            if overlap > 0:
                seconds = touched.setdefault(index, defaultdict(float))
                seconds[state] += overlap
            if end >= high:
                break
            index += 1
    down_total = 0.0
    for index, seconds in touched.items():
        day, start, end = bounds[index]
        length = (min(end, now) - max(start, since)).total_seconds()
        down = sum(DOWNTIME_WEIGHT.get(state, 0.0) * secs for state, secs in seconds.items())
        worst = max(seconds, key=STATE_RANK.__getitem__)
        days[index] = Day(day, worst, dict(seconds), 1 - down / length)
        down_total += down
    seconds_total = (min(now, bounds[-1][2]) - first).total_seconds()
    uptime = 1 - down_total / seconds_total if seconds_total > 0 else None
    return History(tuple(days), uptime)


def histories(
    created: Mapping[int, datetime], timelines: Iterable[Timeline], *, now: datetime,
    days: int, zone: ZoneInfo,
) -> dict[int, History]:  # fmt: skip
    """The history of every component in ``created`` ({id: created at}) over the ``days``
    days ending today in ``zone``, from the timelines that overlap the period."""
    intervals = [interval for timeline in timelines for interval in intervals_of(timeline, now=now)]
    segments = worst_segments(intervals)
    today = now.astimezone(zone).date()
    bounds = day_bounds(today - timedelta(days=days - 1), days, zone)
    # Most components existed before the period and had nothing wrong on most days: they
    # share those days, and those with no incident at all share one history.
    start = bounds[0][1]
    clear = clear_days(bounds, since=start, now=now)
    quiet = history_of([], bounds, since=start, now=now, clear=clear)
    out = {}
    for component_id, since in created.items():
        own = segments.get(component_id, [])
        if since <= start:
            out[component_id] = quiet if not own else history_of(
                own, bounds, since=start, now=now, clear=clear
            )  # fmt: skip
        else:
            out[component_id] = history_of(own, bounds, since=since, now=now)
    return out
