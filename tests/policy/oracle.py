"""A brute-force business-time oracle, written without looking at the engine's internals.

It answers the questions ``casework.policy.calendar`` answers, the slow and obvious way: it
walks UTC minute by minute, turns each minute into the calendar's local wall-clock time with
``zoneinfo``, and asks "is this weekday open at this time of day, and is the local date
neither a public holiday nor a closed date?". Opening hours, holidays and DST transitions all
fall on whole minutes, so a calendar is either open or closed for a whole UTC minute; the
oracle works in integer seconds so that starts and durations with seconds are still exact.

Only the calendar *specification* (``casework.policy.schema.Calendar``) and the ``holidays``
package are shared with the engine; nothing from ``casework.policy.calendar`` is imported.

Semantics (the documented contract of the engine):

- ``add(start, seconds)``: the earliest instant by which ``seconds`` of open time have passed
  since ``start``; with ``seconds == 0``, ``start`` itself if open, else the next opening.
- ``elapsed(a, b)``: open time inside ``[a, b)``.
- ``add_excluding`` / ``elapsed_excluding``: the same, with the time inside pause intervals
  (half-open, whole minutes, possibly open-ended) not counted. ``add_excluding`` gives
  ``None`` when an open-ended pause begins before the time has run out.
- ``add_business_days(start, n)`` (gap G3): from ``start`` (or the next opening, if closed)
  take the same local clock time on the ``n``-th following business day (a local date whose
  weekday has hours and that is not closed). If the calendar is open then, that instant; if
  not, that day's next opening; if the day has no opening left, the close of the last
  opening before it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from casework.policy.schema import WEEKDAYS, Calendar

HOLIDAY_YEARS = range(2018, 2034)
DEFAULT_LIMIT = 3_000_000  # minutes (about 5.7 years) before the oracle gives up

Hours = tuple[tuple[tuple[int, int], ...], ...]  # per weekday (Monday first): (from, to) minutes


@lru_cache(maxsize=64)
def holiday_dates(
    country: str, subdiv: str | None, categories: tuple[str, ...] | None = None
) -> frozenset[date]:
    """Every public holiday of ``country``/``subdiv`` in 2018-2033 (cached for the session)."""
    if categories:
        found = holidays.country_holidays(
            country, subdiv=subdiv, years=HOLIDAY_YEARS, categories=categories
        )
    else:
        found = holidays.country_holidays(country, subdiv=subdiv, years=HOLIDAY_YEARS)
    return frozenset(found.keys())


@dataclass(frozen=True, slots=True)
class Pause:
    """A half-open interval ``[start, end)`` in which a clock does not count; ``end`` None
    means the pause has not ended."""

    start: datetime
    end: datetime | None


def _seconds(instant: datetime) -> int:
    if instant.tzinfo is None:
        raise ValueError(f"the oracle needs aware datetimes, got {instant!r}")
    delta = instant.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    if delta.microseconds:
        raise ValueError(f"the oracle works to the second, got {instant!r}")
    return delta.days * 86_400 + delta.seconds


def _instant(seconds: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)


@dataclass(slots=True)
class Oracle:
    """A calendar answered minute by minute. Build with :meth:`from_spec` or directly."""

    zone_name: str
    hours: Hours
    closed: frozenset[date] = frozenset()
    limit: int = DEFAULT_LIMIT
    zone: ZoneInfo = field(init=False)
    _memo: dict[int, bool] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.hours) != 7:
            raise ValueError("hours needs one entry per weekday, Monday first")
        self.zone = ZoneInfo(self.zone_name)

    @classmethod
    def from_spec(cls, spec: Calendar, zone_name: str) -> Oracle:
        """The oracle of a calendar as the policy language writes it."""
        if spec.always:
            return cls(zone_name, tuple(((0, 1440),) for _ in WEEKDAYS))
        closed: set[date] = set(spec.closed)
        for source in spec.holidays:
            categories = tuple(source.categories) if source.categories else None
            closed |= holiday_dates(source.country, source.subdiv, categories)
        hours = tuple(tuple(spec.hours.get(day, [])) for day in WEEKDAYS)
        return cls(zone_name, hours, frozenset(closed))

    # -- the brute-force core --------------------------------------------------------------

    def local(self, minute: int) -> datetime:
        """The local wall-clock time at the start of UTC minute ``minute`` (since the epoch)."""
        return datetime.fromtimestamp(minute * 60, self.zone)

    def open_minute(self, minute: int) -> bool:
        """Whether the calendar is open during UTC minute ``minute``."""
        known = self._memo.get(minute)
        if known is not None:
            return known
        local = self.local(minute)
        result = False
        if local.date() not in self.closed:
            of_day = local.hour * 60 + local.minute
            result = any(a <= of_day < b for a, b in self.hours[local.weekday()])
        self._memo[minute] = result
        return result

    def is_business_day(self, day: date) -> bool:
        """A local date whose weekday has opening hours and that is not closed (G3)."""
        return bool(self.hours[day.weekday()]) and day not in self.closed

    def _check(self, first: int, minute: int) -> None:
        if minute - first > self.limit:
            raise RuntimeError(f"the oracle stepped more than {self.limit} minutes")

    # -- questions -------------------------------------------------------------------------

    def is_open(self, instant: datetime) -> bool:
        """Whether business time is counting at ``instant``."""
        return self.open_minute(_seconds(instant) // 60)

    def next_opening(self, instant: datetime) -> datetime:
        """``instant`` if open, else the start of the next open minute."""
        return self.add(instant, 0)

    def add(self, start: datetime, seconds: int) -> datetime:
        """``start`` plus ``seconds`` of open time."""
        found = self.add_excluding(start, seconds, ())
        assert found is not None  # no pauses, so never open-ended
        return found

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Open time inside ``[start, end)``."""
        return self.elapsed_excluding(start, end, ())

    def add_excluding(
        self, start: datetime, seconds: int, pauses: Sequence[Pause]
    ) -> datetime | None:
        """``start`` plus ``seconds`` of open time outside ``pauses``; None if an open-ended
        pause begins before the time runs out."""
        if seconds < 0:
            raise ValueError("durations are never negative")
        paused = _PauseSet(pauses)
        begin = _seconds(start)
        first = minute = begin // 60
        remaining = seconds
        # The minute holding ``start`` only has its rest left.
        available = (minute + 1) * 60 - begin
        while True:
            self._check(first, minute)
            if paused.forever(minute):
                return None
            if self.open_minute(minute) and not paused.holds(minute):
                if remaining == 0:
                    return _instant(max(begin, minute * 60))
                if remaining <= available:
                    return _instant(max(begin, minute * 60) + remaining)
                remaining -= available
            minute += 1
            available = 60

    def elapsed_excluding(
        self, start: datetime, end: datetime, pauses: Sequence[Pause]
    ) -> timedelta:
        """Open time inside ``[start, end)`` that no pause covers."""
        paused = _PauseSet(pauses)
        lo, hi = _seconds(start), _seconds(end)
        if hi <= lo:
            return timedelta()
        total = 0
        first = minute = lo // 60
        while minute * 60 < hi:
            self._check(first, minute)
            if self.open_minute(minute) and not paused.holds(minute):
                total += min(hi, minute * 60 + 60) - max(lo, minute * 60)
            minute += 1
        return timedelta(seconds=total)

    def add_business_days(self, start: datetime, days: int) -> datetime:
        """G3: the same local clock time on the ``days``-th following business day, clamped
        into that day's opening hours (see the module docstring)."""
        if days <= 0:
            raise ValueError("business days are counted from 1")
        begin = self.next_opening(start).astimezone(self.zone)
        day = begin.date()
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_business_day(day):
                counted += 1
            if (day - begin.date()).days > self.limit // 1440:
                raise RuntimeError("no business day found within the oracle's limit")
        wall = datetime.combine(day, time(begin.hour, begin.minute, begin.second))
        candidate = _seconds(wall.replace(tzinfo=self.zone))  # fold=0, as zoneinfo reads it
        minute = candidate // 60
        if self.open_minute(minute):
            return _instant(candidate)
        # The day's next opening, while the local date is still ``day``.
        probe = minute + 1
        while self.local(probe).date() <= day:
            if self.open_minute(probe):
                return _instant(probe * 60)
            probe += 1
        # Otherwise the close of the last opening before the candidate.
        probe = minute - 1
        while not self.open_minute(probe):
            self._check(probe, minute)
            probe -= 1
        return _instant((probe + 1) * 60)


class _PauseSet:
    """Pause intervals on whole minutes, asked minute by minute."""

    def __init__(self, pauses: Iterable[Pause]) -> None:
        self.closed: list[tuple[int, int]] = []
        self.open_from: int | None = None
        for pause in pauses:
            lo = _seconds(pause.start)
            if lo % 60:
                raise ValueError("the oracle takes pauses on whole minutes")
            if pause.end is None:
                start = lo // 60
                self.open_from = start if self.open_from is None else min(self.open_from, start)
                continue
            hi = _seconds(pause.end)
            if hi % 60:
                raise ValueError("the oracle takes pauses on whole minutes")
            self.closed.append((lo // 60, hi // 60))

    def forever(self, minute: int) -> bool:
        """An open-ended pause covers ``minute`` and everything after it."""
        return self.open_from is not None and minute >= self.open_from

    def holds(self, minute: int) -> bool:
        """Some pause covers ``minute``."""
        return self.forever(minute) or any(lo <= minute < hi for lo, hi in self.closed)
