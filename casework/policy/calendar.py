"""Business-time arithmetic, exact to the microsecond and DST-correct.

A calendar is open when the *local wall-clock time* in its zone falls inside that weekday's
opening hours and the local date is neither a public holiday nor a closed date. Compiling a
calendar turns a window of years into sorted UTC intervals (integer microseconds since the
epoch) with the cumulative business time at each interval's start, so every operation is a
couple of binary searches: one deadline costs O(log n) whatever its duration. Nothing here
steps minute by minute or loops day by day per query; the window grows (rarely) when a query
falls outside it.

DST: the zone's offset changes are found once per window, and within each constant-offset
segment local time is a plain shift of UTC. A 24-hour business day is therefore 23 or 25 hours
long on the change days, hours inside a skipped hour do not exist, and hours inside a repeated
hour count twice: exactly what the wall clock says.
"""

from __future__ import annotations

import bisect
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from casework.policy.durations import Span
from casework.policy.schema import WEEKDAYS, Calendar

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
US_PER_SECOND = 1_000_000
US_PER_DAY = 86_400 * US_PER_SECOND
_SAMPLE_US = 6 * 3600 * US_PER_SECOND  # no zone changes its offset twice within 6 hours
_MAX_YEARS = 200
_EPOCH_ORDINAL = EPOCH.toordinal()


def to_us(instant: datetime) -> int:
    """An aware datetime as integer microseconds since the Unix epoch."""
    try:
        delta = instant - EPOCH
    except TypeError:
        raise ValueError(
            f"expected an aware datetime (with a UTC offset), got {instant!r}"
        ) from None
    return (delta.days * 86_400 + delta.seconds) * US_PER_SECOND + delta.microseconds


def from_us(micros: int) -> datetime:
    """Integer microseconds since the epoch as an aware UTC datetime.

    ``micros / 1e6`` is within 0.12 µs of the exact value for any date before 2100, and
    ``fromtimestamp`` rounds to the nearest microsecond, so the result is exact (tested)."""
    return _fromtimestamp(micros / US_PER_SECOND, UTC)


_fromtimestamp = datetime.fromtimestamp


@dataclass(frozen=True, slots=True)
class Interval:
    """A half-open span of time ``[start, end)``, e.g. a pause."""

    start: datetime
    end: datetime | None  # None: still going on


class BusinessCalendar(ABC):
    """A compiled calendar. Build with :func:`compile_calendar` (cached)."""

    def add(self, start: datetime, span: Span) -> datetime:
        """The due time: ``start`` plus ``span`` counted only while the calendar is open. A
        start outside opening hours counts from the next opening. Returns UTC."""
        if span.business_days:
            return from_us(self.add_business_days_us(to_us(start), span.business_days))
        return from_us(self.add_us(to_us(start), span.seconds * US_PER_SECOND))

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Business time between two instants (zero if ``end`` is not after ``start``)."""
        return timedelta(
            microseconds=max(0, self.position_us(to_us(end)) - self.position_us(to_us(start)))
        )

    def next_opening(self, instant: datetime) -> datetime:
        """``instant`` itself if the calendar is open then, else the next opening."""
        return from_us(self.add_us(to_us(instant), 0))

    def is_open(self, instant: datetime) -> bool:
        """Whether business time is counting at ``instant``."""
        micros = to_us(instant)
        return self.add_us(micros, 0) == micros

    # Subclasses implement these on integer microseconds.
    @abstractmethod
    def add_us(self, start: int, duration: int) -> int:
        """Overridden: ``start`` + ``duration`` business microseconds."""

    @abstractmethod
    def add_business_days_us(self, start: int, days: int) -> int:
        """Overridden: G3, the same local clock time on the ``days``-th next business day."""

    @abstractmethod
    def position_us(self, instant: int) -> int:
        """Overridden: business microseconds from an arbitrary origin up to ``instant``; only
        differences of positions mean anything."""


class AlwaysOpen(BusinessCalendar):
    """``24x7``: business time is wall-clock time."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone

    def add_us(self, start: int, duration: int) -> int:
        return start + duration

    def add_business_days_us(self, start: int, days: int) -> int:
        # Every day is a business day: the same local clock time ``days`` later.
        local = from_us(start).astimezone(self.zone)
        target = datetime.combine(local.date() + timedelta(days=days), local.timetz())
        return to_us(target.replace(tzinfo=self.zone, fold=local.fold))

    def position_us(self, instant: int) -> int:
        return instant


@dataclass(slots=True)
class _Window:
    first_year: int
    last_year: int
    lo: int = 0
    hi: int = 0
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    cum: list[int] = field(default_factory=list)  # business time before each interval
    cum_end: list[int] = field(default_factory=list)  # business time at each interval's end
    business_days: list[int] = field(default_factory=list)  # local date ordinals
    seg_starts: list[int] = field(default_factory=list)  # where the UTC offset changes
    seg_ends: list[int] = field(default_factory=list)
    seg_offsets: list[int] = field(default_factory=list)


class HoursCalendar(BusinessCalendar):
    """Weekly opening hours in a zone, minus holidays and closed dates."""

    def __init__(self, spec: Calendar, zone: ZoneInfo) -> None:
        self.spec = spec
        self.zone = zone
        self._hours = [
            [(a * 60 * US_PER_SECOND, b * 60 * US_PER_SECOND) for a, b in spec.hours.get(day, [])]
            for day in WEEKDAYS
        ]
        self._w = _Window(0, -1)

    # -- window management -------------------------------------------------------------

    def _ensure(self, instant: int) -> _Window:
        w = self._w
        if w.lo <= instant < w.hi:
            return w
        year = from_us(instant).year
        first = min(year - 1, w.first_year) if w.last_year >= w.first_year else year - 1
        last = max(year + 3, w.last_year)
        return self._build(first, last)

    def _grow(self) -> _Window:
        w = self._w
        span = w.last_year - w.first_year + 1
        if span > _MAX_YEARS:
            raise ValueError(f"calendar {self.spec.id!r} has no opening hours in {span} years")
        return self._build(w.first_year, w.last_year + span)

    def _build(self, first_year: int, last_year: int) -> _Window:
        lo = to_us(datetime(first_year, 1, 1, tzinfo=UTC))
        hi = to_us(datetime(last_year + 1, 1, 1, tzinfo=UTC))
        closed = self._closed_dates(first_year - 1, last_year + 1)
        starts: list[int] = []
        ends: list[int] = []
        segments = self._segments(lo - 2 * US_PER_DAY, hi + 2 * US_PER_DAY)
        for seg_lo, seg_hi, offset in segments:
            self._fill_segment(max(seg_lo, lo), min(seg_hi, hi), offset, closed, starts, ends)
        w = _Window(first_year, last_year, lo, hi, starts, ends)
        w.seg_starts = [seg[0] for seg in segments]
        w.seg_ends = [seg[1] for seg in segments]
        w.seg_offsets = [seg[2] for seg in segments]
        total = 0
        for a, b in zip(starts, ends, strict=True):
            w.cum.append(total)
            total += b - a
            w.cum_end.append(total)
        if self._w.hi > self._w.lo:
            # Keep positions stable across rebuilds, so differences of positions taken before
            # and after a window grows stay right.
            old = self._w
            self._w = w
            shift = _position(old, old.lo) - _position(w, old.lo)
            w.cum = [c + shift for c in w.cum]
            w.cum_end = [c + shift for c in w.cum_end]
        first_day = date(first_year - 1, 12, 31).toordinal()
        last_day = date(last_year + 1, 1, 1).toordinal()
        w.business_days = [
            n
            for n in range(first_day, last_day + 1)
            if self._hours[date.fromordinal(n).weekday()] and date.fromordinal(n) not in closed
        ]
        self._w = w
        return w

    def _closed_dates(self, first_year: int, last_year: int) -> frozenset[date]:
        years = range(first_year, last_year + 1)
        dates: set[date] = set(self.spec.closed)
        for source in self.spec.holidays:
            found = holidays.country_holidays(
                source.country,
                subdiv=source.subdiv,
                years=years,
                categories=tuple(source.categories) if source.categories else None,
            )
            dates.update(found.keys())
        return frozenset(dates)

    def _segments(self, lo: int, hi: int) -> list[tuple[int, int, int]]:
        """Split ``[lo, hi)`` where the zone's UTC offset changes: (start, end, offset µs)."""

        def offset(micros: int) -> int:
            delta = from_us(micros).astimezone(self.zone).utcoffset()
            assert delta is not None  # noqa: S101 (a ZoneInfo always has an offset)
            return delta // _US

        segments: list[tuple[int, int, int]] = []
        seg_start, current = lo, offset(lo)
        probe = lo
        while probe < hi:
            nxt = min(probe + _SAMPLE_US, hi)
            if offset(nxt) != current and nxt < hi:
                low, high = probe, nxt  # offset(low) == current != offset(high)
                while high - low > 1:  # to the microsecond: the change itself
                    mid = (low + high) // 2
                    if offset(mid) == current:
                        low = mid
                    else:
                        high = mid
                segments.append((seg_start, high, current))
                seg_start, current = high, offset(high)
            probe = nxt
        segments.append((seg_start, hi, current))
        return segments

    def _fill_segment(
        self,
        seg_lo: int,
        seg_hi: int,
        offset: int,
        closed: frozenset[date],
        starts: list[int],
        ends: list[int],
    ) -> None:
        """Append the open intervals of one constant-offset segment, merging neighbours."""
        local_lo, local_hi = seg_lo + offset, seg_hi + offset
        day_ordinal = local_lo // US_PER_DAY + _EPOCH_ORDINAL
        while (day_ordinal - _EPOCH_ORDINAL) * US_PER_DAY < local_hi:
            day = date.fromordinal(day_ordinal)
            midnight = (day_ordinal - _EPOCH_ORDINAL) * US_PER_DAY - offset
            if day not in closed:
                for open_at, close_at in self._hours[day.weekday()]:
                    a = max(midnight + open_at, seg_lo)
                    b = min(midnight + close_at, seg_hi)
                    if a >= b:
                        continue
                    if ends and ends[-1] == a:
                        ends[-1] = b
                    else:
                        starts.append(a)
                        ends.append(b)
            day_ordinal += 1

    # -- arithmetic ----------------------------------------------------------------------

    def add_us(self, start: int, duration: int) -> int:
        w = self._ensure(start)
        i = bisect.bisect_right(w.ends, start)
        while i >= len(w.starts):  # no opening left in the window: grow it
            w = self._grow()
            i = bisect.bisect_right(w.ends, start)
        begin = max(start, w.starts[i])
        if duration <= 0:
            return begin
        target = w.cum[i] + (begin - w.starts[i]) + duration
        while target > w.cum_end[-1]:
            w = self._grow()
        j = bisect.bisect_left(w.cum_end, target)
        return w.starts[j] + (target - w.cum[j])

    def position_us(self, instant: int) -> int:
        return _position(self._ensure(instant), instant)

    def add_business_days_us(self, start: int, days: int) -> int:
        begin = self.add_us(start, 0)
        w = self._ensure(begin)
        local = begin + _offset_at(w, begin)
        ordinal = local // US_PER_DAY + _EPOCH_ORDINAL
        k = bisect.bisect_left(w.business_days, ordinal)
        while k + days >= len(w.business_days):
            w = self._grow()
            k = bisect.bisect_left(w.business_days, ordinal)
        day = w.business_days[k + days] - _EPOCH_ORDINAL
        candidate = _wall_to_utc(w, day * US_PER_DAY + local % US_PER_DAY)
        w = self._ensure(candidate)
        return _clamp_to_day(w, candidate, day)


def _offset_at(w: _Window, instant: int) -> int:
    return w.seg_offsets[bisect.bisect_right(w.seg_starts, instant) - 1]


def _wall_to_utc(w: _Window, wall: int) -> int:
    """A local wall-clock time (µs since the local epoch) as an instant, as ``ZoneInfo`` does
    with ``fold=0``: a repeated time is its first occurrence; a skipped time is read with the
    offset from before the change (02:30 on a spring-forward night is 03:30 summer time)."""
    i = bisect.bisect_right(w.seg_starts, wall) - 1
    instant = wall - w.seg_offsets[i]
    if w.seg_starts[i] + 2 * US_PER_DAY <= instant < w.seg_ends[i] - 2 * US_PER_DAY:
        # Two days or more from any offset change (no zone moves by more than 26 hours):
        # no gap, no repeated hour, one answer.
        return instant
    before = None
    for j in (i - 1, i, i + 1):
        if 0 <= j < len(w.seg_starts):
            instant = wall - w.seg_offsets[j]
            if w.seg_starts[j] <= instant < w.seg_ends[j]:
                return instant
            if instant >= w.seg_ends[j]:
                before = instant
    if before is None:  # outside every segment near: cannot happen inside a window
        raise ValueError("local time outside the calendar window")
    return before


def _clamp_to_day(w: _Window, candidate: int, day: int) -> int:
    """``candidate`` if open; else the next opening of ``day`` (days since the epoch, local),
    else the close of that day's last opening."""
    i = bisect.bisect_right(w.starts, candidate) - 1
    if i >= 0 and candidate < w.ends[i]:
        return candidate
    day_end = _wall_to_utc(w, (day + 1) * US_PER_DAY)
    if i + 1 < len(w.starts) and w.starts[i + 1] < day_end:
        return w.starts[i + 1]
    return w.ends[i]


def _position(w: _Window, instant: int) -> int:
    i = bisect.bisect_right(w.starts, instant) - 1
    if i < 0:
        return w.cum[0] if w.cum else 0
    return w.cum[i] + min(instant, w.ends[i]) - w.starts[i]


def compile_calendar(spec: Calendar, zone_name: str) -> BusinessCalendar:
    """The compiled form of a calendar in the zone ``zone_name`` (cached per pair)."""
    return _compile(spec.model_dump_json(), zone_name)


@lru_cache(maxsize=256)
def _compile(spec_json: str, zone_name: str) -> BusinessCalendar:
    spec = Calendar.model_validate_json(spec_json)
    zone = ZoneInfo(zone_name)
    if spec.always:
        return AlwaysOpen(zone)
    return HoursCalendar(spec, zone)


def add_with_pauses(
    calendar: BusinessCalendar,
    start: datetime,
    span: Span,
    pauses: list[Interval],
    *,
    fraction: float = 1.0,
) -> datetime | None:
    """The due time of a clock that started at ``start`` with a target of ``span``, when the
    time inside ``pauses`` (sorted, not overlapping) does not count; ``None`` while a pause
    is open at the due time. ``fraction`` < 1 gives the warning instant (75 % of the target).

    Business-day spans become their business time from ``start`` (G3) before pauses are
    added, so a pause of two business hours moves the due time by two business hours. Pauses
    that take no business time before the G3 due time leave it as it is.
    """
    begin = to_us(start)
    if span.business_days:
        due = calendar.add_business_days_us(begin, span.business_days)
        if fraction == 1.0 and not _moves_due(calendar, begin, due, pauses):
            # The G3 due time itself. When it is an opening right after a close (Monday
            # 00:00 after Friday 24:00), the budget below would end at the close instead:
            # the same business time, two days earlier on the wall clock.
            return from_us(due)
        budget = calendar.position_us(due) - calendar.position_us(begin)
    else:
        budget = span.seconds * US_PER_SECOND
    if fraction != 1.0:
        budget = int(budget * fraction)
    elif not pauses:
        return calendar.add(start, span)
    cursor = begin
    for pause in pauses:
        pause_start = to_us(pause.start)
        if pause.end is not None and to_us(pause.end) <= cursor:
            continue
        if pause_start > cursor:
            available = calendar.position_us(pause_start) - calendar.position_us(cursor)
            # A zero budget is due at the next instant that counts: not an opening that
            # falls inside this pause (available == 0), but the first one after it.
            if available > budget or available == budget > 0:
                return from_us(calendar.add_us(cursor, budget))
            budget -= available
        if pause.end is None:
            return None
        cursor = max(cursor, to_us(pause.end))
    return from_us(calendar.add_us(cursor, budget))


def _moves_due(calendar: BusinessCalendar, begin: int, due: int, pauses: list[Interval]) -> bool:
    """Whether ``pauses`` change a due time ``due`` counted from ``begin``: an open pause
    begun before it, or a pause that covers business time between the two."""
    for pause in pauses:
        pause_start = to_us(pause.start)
        if pause.end is None:
            if pause_start < due:
                return True
            continue
        lo, hi = max(pause_start, begin), min(to_us(pause.end), due)
        if hi > lo and calendar.position_us(hi) > calendar.position_us(lo):
            return True
    return False


def business_between(
    calendar: BusinessCalendar, start: datetime, end: datetime, pauses: list[Interval]
) -> timedelta:
    """Business time from ``start`` to ``end`` with the time inside ``pauses`` taken out."""
    total = calendar.elapsed(start, end)
    for pause in pauses:
        lo = max(pause.start, start)
        hi = min(pause.end or end, end)
        if hi > lo:
            total -= calendar.elapsed(lo, hi)
    return total
