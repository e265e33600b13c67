"""Business calendars: hand-computed cases first, then properties against the oracle.

Every hand-written case is checked twice, against the engine and against the brute-force
oracle of ``tests/policy/oracle.py``, so a wrong expectation cannot hide behind a matching
wrong engine. The Hypothesis properties then compare the two over random calendars (1-3
opening intervals a day, closed days, seven zones with DST in both hemispheres and at
midnight, holidays or closed dates), random starts in 2024-2027 (around DST changes, on
holidays, outside opening hours), durations from zero to several weeks, and random pauses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from casework.policy.calendar import (
    BusinessCalendar,
    Interval,
    add_with_pauses,
    business_between,
    compile_calendar,
)
from casework.policy.durations import Span
from casework.policy.schema import WEEKDAYS, Calendar, HolidaySource
from tests.policy.oracle import Oracle, Pause, holiday_dates

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
SYDNEY = ZoneInfo("Australia/Sydney")
CAIRO = ZoneInfo("Africa/Cairo")
HOUR = 3600
WEEKDAYS_ONLY = ("mon", "tue", "wed", "thu", "fri")


def at(
    zone: ZoneInfo,
    year: int,
    month: int,
    day: int,
    hour: int = 0,
    minute: int = 0,
    second: int = 0,
    *,
    fold: int = 0,
) -> datetime:
    """A local wall-clock time; ``fold=1`` picks the second of a repeated hour."""
    return datetime(year, month, day, hour, minute, second, tzinfo=zone, fold=fold)


def spec(
    hours: dict[str, list[str]] | None = None,
    *,
    holidays: tuple[str, str | None] | None = None,
    closed: tuple[date, ...] = (),
    always: bool = False,
) -> Calendar:
    """A calendar as the policy language writes it."""
    return Calendar.model_validate(
        {
            "id": "test",
            "always": always,
            "hours": hours or {},
            "holidays": [{"country": holidays[0], "subdiv": holidays[1]}] if holidays else [],
            "closed": list(closed),
        }
    )


def nine_to_five(*, holidays: tuple[str, str | None] | None = None) -> Calendar:
    """09:00-17:00, Monday to Friday."""
    return spec({day: ["09:00-17:00"] for day in WEEKDAYS_ONLY}, holidays=holidays)


def both(calendar: Calendar, zone: ZoneInfo) -> tuple[BusinessCalendar, Oracle]:
    """The engine's compiled calendar and the oracle for the same specification."""
    return compile_calendar(calendar, zone.key), Oracle.from_spec(calendar, zone.key)


def assert_due(
    calendar: Calendar, zone: ZoneInfo, start: datetime, seconds: int, due: datetime
) -> None:
    """Engine and oracle both say ``start`` + ``seconds`` of business time is ``due``."""
    engine, oracle = both(calendar, zone)
    due = due.astimezone(UTC)  # an aware time in a repeated hour never equals another zone's
    assert engine.add(start, Span(seconds=seconds)) == due
    assert oracle.add(start, seconds) == due


def assert_elapsed(
    calendar: Calendar, zone: ZoneInfo, start: datetime, end: datetime, expected: timedelta
) -> None:
    """Engine and oracle both count ``expected`` business time in ``[start, end)``."""
    engine, oracle = both(calendar, zone)
    assert engine.elapsed(start, end) == expected
    assert oracle.elapsed(start, end) == expected


def assert_business_days(
    calendar: Calendar, zone: ZoneInfo, start: datetime, days: int, due: datetime
) -> None:
    """Engine and oracle both put ``start`` + ``days`` business days (G3) at ``due``."""
    engine, oracle = both(calendar, zone)
    due = due.astimezone(UTC)
    assert engine.add(start, Span(business_days=days)) == due
    assert oracle.add_business_days(start, days) == due


# -- the four DST cases of ../shared/peers/FIGURES.md ------------------------------------------

FIGURES_DST_CASES = [
    # Fri 15:00 EST + 8h: Friday gives 2h, DST starts Sun 9 Mar, Monday 09:00 EDT + 6h.
    pytest.param(NEW_YORK, ("US", None), at(NEW_YORK, 2025, 3, 7, 15), 8,
                 "2025-03-10T15:00:00-04:00", id="New York 8h over spring forward"),
    # Fri 16:00 EDT + 120h: DST ends Sun 2 Nov, Veterans Day (Tue 11 Nov) is skipped.
    pytest.param(NEW_YORK, ("US", None), at(NEW_YORK, 2025, 10, 31, 16), 120,
                 "2025-11-24T16:00:00-05:00", id="New York 120h over fall back and Veterans Day"),
    # Fri 16:00 GMT + 8h: BST starts Sun 30 Mar, Monday 09:00 BST + 7h.
    pytest.param(LONDON, ("GB", "ENG"), at(LONDON, 2025, 3, 28, 16), 8,
                 "2025-03-31T16:00:00+01:00", id="London 8h over spring forward"),
    # Fri 16:30 EDT + 1h: DST ends Sun 3 Nov 2024, Monday 09:30 EST.
    pytest.param(NEW_YORK, ("US", None), at(NEW_YORK, 2024, 11, 1, 16, 30), 1,
                 "2024-11-04T09:30:00-05:00", id="New York 1h over fall back"),
]  # fmt: skip


@pytest.mark.parametrize(("zone", "source", "start", "hours", "expected"), FIGURES_DST_CASES)
def test_business_hours_across_a_dst_change_match_the_hand_computed_figures(
    zone: ZoneInfo, source: tuple[str, str | None], start: datetime, hours: int, expected: str
) -> None:
    engine, oracle = both(nine_to_five(holidays=source), zone)
    due = datetime.fromisoformat(expected)
    assert engine.add(start, Span(seconds=hours * HOUR)) == due
    assert oracle.add(start, hours * HOUR) == due
    assert engine.elapsed(start, due) == timedelta(hours=hours)


# -- opening hours, holidays and closed dates ------------------------------------------------


LUNCH_BREAK = spec({day: ["09:00-12:00", "13:00-17:00"] for day in WEEKDAYS_ONLY})


def test_a_lunch_break_does_not_count() -> None:
    monday = (2025, 6, 2)
    assert_due(
        LUNCH_BREAK, NEW_YORK, at(NEW_YORK, *monday, 11, 30), HOUR, at(NEW_YORK, *monday, 13, 30)
    )
    assert_elapsed(
        LUNCH_BREAK,
        NEW_YORK,
        at(NEW_YORK, *monday, 8),
        at(NEW_YORK, *monday, 18),
        timedelta(hours=7),
    )


def test_a_start_during_the_lunch_break_counts_from_the_afternoon_opening() -> None:
    assert_due(
        LUNCH_BREAK,
        NEW_YORK,
        at(NEW_YORK, 2025, 6, 2, 12, 15),
        30 * 60,
        at(NEW_YORK, 2025, 6, 2, 13, 30),
    )


def test_a_duration_longer_than_the_day_continues_after_the_next_opening() -> None:
    # Monday 11:30 + 6h: 0.5h before lunch, 4h after it, then 1.5h on Tuesday.
    assert_due(
        LUNCH_BREAK,
        NEW_YORK,
        at(NEW_YORK, 2025, 6, 2, 11, 30),
        6 * HOUR,
        at(NEW_YORK, 2025, 6, 3, 10, 30),
    )


@pytest.mark.rule("G1")
def test_a_start_on_a_public_holiday_counts_from_the_next_business_day() -> None:
    # Friday 4 July 2025 is Independence Day.
    assert_due(
        nine_to_five(holidays=("US", None)),
        NEW_YORK,
        at(NEW_YORK, 2025, 7, 4, 10),
        HOUR,
        at(NEW_YORK, 2025, 7, 7, 10),
    )


@pytest.mark.rule("G1")
def test_england_needs_its_subdivision_for_easter_monday() -> None:
    easter_monday = at(LONDON, 2025, 4, 21, 10)
    assert_due(
        nine_to_five(holidays=("GB", "ENG")),
        LONDON,
        easter_monday,
        HOUR,
        at(LONDON, 2025, 4, 22, 10),
    )
    # holidays.GB() without subdiv="ENG" misses Easter Monday: the day counts as open.
    assert_due(
        nine_to_five(holidays=("GB", None)),
        LONDON,
        easter_monday,
        HOUR,
        at(LONDON, 2025, 4, 21, 11),
    )


@pytest.mark.rule("G1")
def test_closed_dates_and_holidays_are_skipped_together() -> None:
    # Tue 23 Dec 16:00 + 2h: 1h on Tuesday; Wed 24 is a closed date, Thu 25 and Fri 26 are
    # bank holidays in England; the second hour is Mon 29 09:00-10:00.
    calendar = spec(
        {day: ["09:00-17:00"] for day in WEEKDAYS_ONLY},
        holidays=("GB", "ENG"),
        closed=(date(2025, 12, 24),),
    )
    assert_due(
        calendar, LONDON, at(LONDON, 2025, 12, 23, 16), 2 * HOUR, at(LONDON, 2025, 12, 29, 10)
    )


def test_closed_dates_alone_close_the_day() -> None:
    calendar = spec({day: ["09:00-17:00"] for day in WEEKDAYS_ONLY}, closed=(date(2025, 6, 3),))
    assert_due(calendar, LONDON, at(LONDON, 2025, 6, 2, 16), 2 * HOUR, at(LONDON, 2025, 6, 4, 10))


def test_a_start_outside_hours_counts_from_the_next_opening() -> None:
    calendar = nine_to_five(holidays=("US", None))
    engine, oracle = both(calendar, NEW_YORK)
    friday_evening = at(NEW_YORK, 2025, 6, 6, 18)
    monday_opening = at(NEW_YORK, 2025, 6, 9, 9)
    assert (
        engine.next_opening(friday_evening) == oracle.next_opening(friday_evening) == monday_opening
    )
    assert not engine.is_open(friday_evening)
    assert engine.add(friday_evening, Span()) == monday_opening
    assert_due(
        calendar, NEW_YORK, at(NEW_YORK, 2025, 6, 7, 12), 2 * HOUR, at(NEW_YORK, 2025, 6, 9, 11)
    )
    assert_due(calendar, NEW_YORK, at(NEW_YORK, 2025, 6, 9, 7), HOUR, at(NEW_YORK, 2025, 6, 9, 10))


def test_a_deadline_that_ends_with_the_day_is_the_close_not_the_next_opening() -> None:
    calendar = nine_to_five()
    assert_due(calendar, NEW_YORK, at(NEW_YORK, 2025, 6, 6, 16), HOUR, at(NEW_YORK, 2025, 6, 6, 17))
    engine = compile_calendar(calendar, NEW_YORK.key)
    assert engine.is_open(at(NEW_YORK, 2025, 6, 6, 16, 59, 59))
    assert not engine.is_open(at(NEW_YORK, 2025, 6, 6, 17))


def test_seconds_are_exact() -> None:
    # Friday 16:59:30 + 45s: 30s on Friday, 15s on Monday.
    assert_due(
        nine_to_five(),
        NEW_YORK,
        at(NEW_YORK, 2025, 6, 6, 16, 59, 30),
        45,
        at(NEW_YORK, 2025, 6, 9, 9, 0, 15),
    )


def test_a_24x7_calendar_counts_real_elapsed_time_across_dst() -> None:
    calendar = spec(always=True)
    saturday_noon = at(NEW_YORK, 2025, 3, 8, 12)
    # 24 real hours after Saturday noon EST is Sunday 13:00 EDT: the wall clock jumped.
    assert_due(calendar, NEW_YORK, saturday_noon, 24 * HOUR, at(NEW_YORK, 2025, 3, 9, 13))
    assert_elapsed(
        calendar, NEW_YORK, saturday_noon, at(NEW_YORK, 2025, 3, 9, 12), timedelta(hours=23)
    )
    engine = compile_calendar(calendar, NEW_YORK.key)
    # A business day on a 24x7 calendar is the same local clock time the next day.
    assert engine.add(saturday_noon, Span(business_days=1)) == at(NEW_YORK, 2025, 3, 9, 12)
    # Four weeks of real time: 28 x 24 hours, one more on the wall clock than 28 days.
    four_weeks = engine.add(saturday_noon, Span(seconds=4 * 7 * 24 * HOUR))
    assert four_weeks == saturday_noon.astimezone(UTC) + timedelta(weeks=4)
    assert four_weeks == at(NEW_YORK, 2025, 4, 5, 13)


# -- DST change days, both directions, both hemispheres ----------------------------------------

SUNDAY_SMALL_HOURS = spec({"sun": ["00:00-04:00"]})

# (zone, the change day, its business hours between 00:00 and 04:00, a duration, its due time)
DST_DAYS = [
    pytest.param(
        LONDON, (2025, 3, 30), 3, 2, "2025-03-30T03:00:00+01:00", id="London spring forward"
    ),
    pytest.param(LONDON, (2025, 10, 26), 5, 2, "2025-10-26T01:00:00+00:00", id="London fall back"),
    pytest.param(
        NEW_YORK, (2025, 3, 9), 3, 2, "2025-03-09T03:00:00-04:00", id="New York spring forward"
    ),
    pytest.param(
        NEW_YORK, (2025, 11, 2), 5, 2, "2025-11-02T01:00:00-05:00", id="New York fall back"
    ),
    pytest.param(
        SYDNEY, (2025, 10, 5), 3, 2, "2025-10-05T03:00:00+11:00", id="Sydney spring forward"
    ),
    pytest.param(SYDNEY, (2025, 4, 6), 5, 3, "2025-04-06T02:00:00+10:00", id="Sydney fall back"),
]


@pytest.mark.parametrize(("zone", "day", "business_hours", "duration", "expected"), DST_DAYS)
def test_the_small_hours_of_a_dst_change_day_follow_the_wall_clock(
    zone: ZoneInfo, day: tuple[int, int, int], business_hours: int, duration: int, expected: str
) -> None:
    midnight = at(zone, *day, 0)
    assert_elapsed(
        SUNDAY_SMALL_HOURS, zone, midnight, at(zone, *day, 4), timedelta(hours=business_hours)
    )
    assert_due(
        SUNDAY_SMALL_HOURS, zone, midnight, duration * HOUR, datetime.fromisoformat(expected)
    )


def test_hours_inside_the_skipped_hour_do_not_exist_that_day() -> None:
    calendar = spec({"sun": ["02:00-03:00"]})
    # Sunday 9 March 2025 has no 02:00-03:00 in New York: the next opening is a week later.
    assert_elapsed(
        calendar, NEW_YORK, at(NEW_YORK, 2025, 3, 9, 0), at(NEW_YORK, 2025, 3, 10, 0), timedelta()
    )
    assert_due(
        calendar, NEW_YORK, at(NEW_YORK, 2025, 3, 8, 12), 30 * 60, at(NEW_YORK, 2025, 3, 16, 2, 30)
    )


def test_hours_inside_the_repeated_hour_count_twice() -> None:
    calendar = spec({"sun": ["01:00-02:00"]})
    sunday = (2025, 11, 2)
    assert_elapsed(
        calendar, NEW_YORK, at(NEW_YORK, *sunday, 0), at(NEW_YORK, *sunday, 3), timedelta(hours=2)
    )
    second_half_past_one = at(NEW_YORK, *sunday, 1, 30, fold=1)
    assert_due(calendar, NEW_YORK, at(NEW_YORK, *sunday, 0), 90 * 60, second_half_past_one)
    assert second_half_past_one.astimezone(UTC) == datetime(2025, 11, 2, 6, 30, tzinfo=UTC)


ALL_WEEK_ALL_DAY = spec({day: ["00:00-24:00"] for day in WEEKDAYS})
WEEKDAYS_ALL_DAY = spec({day: ["00:00-24:00"] for day in WEEKDAYS_ONLY})


@pytest.mark.parametrize(
    ("calendar", "zone", "day", "length"),
    [
        pytest.param(ALL_WEEK_ALL_DAY, NEW_YORK, date(2025, 3, 9), 23, id="New York spring"),
        pytest.param(ALL_WEEK_ALL_DAY, NEW_YORK, date(2025, 11, 2), 25, id="New York autumn"),
        # Cairo changes on weekdays: Friday 25 April 00:00 -> 01:00, Thursday 30 October
        # 24:00 -> 23:00, so a Monday-Friday calendar has a 23-hour and a 25-hour day.
        pytest.param(WEEKDAYS_ALL_DAY, CAIRO, date(2025, 4, 25), 23, id="Cairo Friday"),
        pytest.param(WEEKDAYS_ALL_DAY, CAIRO, date(2025, 10, 30), 25, id="Cairo Thursday"),
    ],
)
def test_a_whole_day_calendar_has_23_and_25_hour_days(
    calendar: Calendar, zone: ZoneInfo, day: date, length: int
) -> None:
    start = datetime.combine(day, datetime.min.time(), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    assert_elapsed(calendar, zone, start, end, timedelta(hours=length))


def test_a_whole_day_weekday_calendar_skips_the_weekend_across_the_short_day() -> None:
    # Thursday 12:00 + 36h: Thursday gives 12h, the 23-hour Friday 23h, Monday the last hour.
    assert_due(
        WEEKDAYS_ALL_DAY, CAIRO, at(CAIRO, 2025, 4, 24, 12), 36 * HOUR, at(CAIRO, 2025, 4, 28, 1)
    )


# -- long durations ----------------------------------------------------------------------------


def test_a_five_week_duration_skips_christmas_and_new_year_in_new_york() -> None:
    # 200h from Mon 1 Dec 09:00: three full weeks (120h), 22-26 Dec without Christmas (32h),
    # 29 Dec-2 Jan without New Year's Day (32h), Monday 5 Jan (8h), Tuesday 6 Jan (8h).
    assert_due(
        nine_to_five(holidays=("US", None)),
        NEW_YORK,
        at(NEW_YORK, 2025, 12, 1, 9),
        200 * HOUR,
        at(NEW_YORK, 2026, 1, 6, 17),
    )


def test_a_five_week_duration_skips_christmas_boxing_day_and_new_year_in_london() -> None:
    # 120h to 19 Dec, 22-26 Dec without the 25th and 26th (24h), 29 Dec-2 Jan without
    # New Year's Day (32h), then 5-7 Jan (24h): Wednesday 7 Jan at the close.
    assert_due(
        nine_to_five(holidays=("GB", "ENG")),
        LONDON,
        at(LONDON, 2025, 12, 1, 9),
        200 * HOUR,
        at(LONDON, 2026, 1, 7, 17),
    )


# -- business days (G3) ------------------------------------------------------------------------


@pytest.mark.rule("G3")
def test_friday_ten_plus_three_business_days_is_wednesday_ten() -> None:
    assert_business_days(
        WEEKDAYS_ALL_DAY, NEW_YORK, at(NEW_YORK, 2025, 11, 7, 10), 3, at(NEW_YORK, 2025, 11, 12, 10)
    )


@pytest.mark.rule("G3")
def test_business_days_skip_holidays() -> None:
    # Tuesday 11 November 2025 is Veterans Day.
    assert_business_days(
        nine_to_five(holidays=("US", None)),
        NEW_YORK,
        at(NEW_YORK, 2025, 11, 7, 10),
        3,
        at(NEW_YORK, 2025, 11, 13, 10),
    )


@pytest.mark.rule("G3")
def test_business_days_keep_the_local_clock_time_across_dst() -> None:
    due = at(NEW_YORK, 2025, 11, 5, 10)
    start = at(NEW_YORK, 2025, 10, 31, 10)
    assert_business_days(WEEKDAYS_ALL_DAY, NEW_YORK, start, 3, due)
    assert due.astimezone(UTC) - start.astimezone(UTC) == timedelta(days=5, hours=1)


@pytest.mark.rule("G3")
def test_a_business_day_ending_after_a_short_day_closes_with_that_day() -> None:
    calendar = spec(
        {
            "mon": ["09:00-17:00"],
            "tue": ["09:00-17:00"],
            "wed": ["09:00-12:00"],
            "thu": ["09:00-17:00"],
        }
    )
    assert_business_days(
        calendar, LONDON, at(LONDON, 2025, 6, 3, 15), 1, at(LONDON, 2025, 6, 4, 12)
    )


@pytest.mark.rule("G3")
def test_a_business_day_ending_before_a_late_opening_moves_to_that_opening() -> None:
    calendar = spec({"mon": ["09:00-17:00"], "tue": ["11:00-17:00"]})
    assert_business_days(
        calendar, LONDON, at(LONDON, 2025, 6, 2, 10), 1, at(LONDON, 2025, 6, 3, 11)
    )


@pytest.mark.rule("G3")
def test_business_days_from_outside_hours_count_from_the_next_opening() -> None:
    calendar = nine_to_five()
    assert_business_days(
        calendar, LONDON, at(LONDON, 2025, 6, 7, 11), 1, at(LONDON, 2025, 6, 10, 9)
    )
    assert_business_days(
        LUNCH_BREAK, NEW_YORK, at(NEW_YORK, 2025, 6, 2, 12, 30), 1, at(NEW_YORK, 2025, 6, 3, 13)
    )


@pytest.mark.rule("G3")
def test_a_business_day_across_cairos_long_thursday_is_25_hours_of_business_time() -> None:
    start = at(CAIRO, 2025, 10, 30, 10)
    due = at(CAIRO, 2025, 10, 31, 10)
    assert_business_days(WEEKDAYS_ALL_DAY, CAIRO, start, 1, due)
    assert_elapsed(WEEKDAYS_ALL_DAY, CAIRO, start, due, timedelta(hours=25))


# -- pauses ------------------------------------------------------------------------------------


def test_a_pause_moves_the_due_time_by_the_business_time_it_covers() -> None:
    engine, oracle = both(nine_to_five(), NEW_YORK)
    start = at(NEW_YORK, 2025, 6, 2, 9)
    # Unpaused the 8 hours end Monday 17:00. Paused Monday 16:00 to Tuesday 10:00, one
    # business hour on each day does not count: Monday gives 7h, Tuesday 10:00-11:00 the 8th.
    pause = (at(NEW_YORK, 2025, 6, 2, 16), at(NEW_YORK, 2025, 6, 3, 10))
    due = at(NEW_YORK, 2025, 6, 3, 11)
    assert add_with_pauses(engine, start, Span(seconds=8 * HOUR), [Interval(*pause)]) == due
    assert oracle.add_excluding(start, 8 * HOUR, [Pause(*pause)]) == due
    expected = timedelta(hours=8)
    assert business_between(engine, start, due, [Interval(*pause)]) == expected
    assert oracle.elapsed_excluding(start, due, [Pause(*pause)]) == expected


@pytest.mark.rule("G3", "G14")
def test_a_pause_without_business_time_leaves_a_business_day_due_time_alone() -> None:
    # Wednesday 00:00 + 3 business days of 24h is Monday 00:00, which is also the end of
    # Friday. A pause over the weekend or after the due time takes no business time, so the
    # due time stays Monday 00:00; a weekday pause of two hours moves it to Monday 02:00.
    engine = compile_calendar(WEEKDAYS_ALL_DAY, LONDON.key)
    start, span = at(LONDON, 2027, 12, 1), Span(business_days=3)
    monday = at(LONDON, 2027, 12, 6)
    assert engine.add(start, span) == monday
    weekend = Interval(at(LONDON, 2027, 12, 4, 10), at(LONDON, 2027, 12, 5, 4))
    later = Interval(at(LONDON, 2027, 12, 20), at(LONDON, 2027, 12, 21))
    thursday = Interval(at(LONDON, 2027, 12, 2, 10), at(LONDON, 2027, 12, 2, 12))
    assert add_with_pauses(engine, start, span, [weekend]) == monday
    assert add_with_pauses(engine, start, span, [later]) == monday
    assert add_with_pauses(engine, start, span, [thursday]) == at(LONDON, 2027, 12, 6, 2)


def test_an_open_pause_before_the_due_time_leaves_no_due_time() -> None:
    engine, oracle = both(nine_to_five(), NEW_YORK)
    start = at(NEW_YORK, 2025, 6, 2, 9)
    pause_start = at(NEW_YORK, 2025, 6, 2, 12)
    assert (
        add_with_pauses(engine, start, Span(seconds=8 * HOUR), [Interval(pause_start, None)])
        is None
    )
    assert oracle.add_excluding(start, 8 * HOUR, [Pause(pause_start, None)]) is None


# -- properties against the oracle -------------------------------------------------------------

ZONES = (
    "America/New_York",  # northern hemisphere, 02:00 changes
    "Europe/London",  # northern hemisphere, 01:00 UTC changes
    "Australia/Sydney",  # southern hemisphere
    "Australia/Lord_Howe",  # southern hemisphere, a 30-minute DST shift
    "America/Santiago",  # southern hemisphere, changes at local midnight
    "Africa/Cairo",  # changes at midnight on a Friday and a Thursday
    "Asia/Tokyo",  # no DST
)
HOLIDAY_SOURCES: tuple[tuple[str, str | None], ...] = (
    ("US", None),
    ("GB", "ENG"),
    ("AU", "NSW"),
    ("CL", None),
    ("EG", None),
    ("JP", None),
)
FIRST = datetime(2024, 1, 1, tzinfo=UTC)
LAST = datetime(2027, 12, 31, tzinfo=UTC)
MINUTE = 60
DAY_MINUTES = 24 * 60
WEEK_MINUTES = 7 * DAY_MINUTES

DayIntervals = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Scenario:
    """One generated calendar with a start and the other inputs the properties need."""

    zone: str
    hours: tuple[DayIntervals, ...]  # Monday first, minutes of the day
    start: datetime
    duration: int = 0  # seconds of business time
    more: int = 1  # a second duration (seconds, >= 1)
    end: datetime | None = None  # for elapsed (None: the start); may be before the start
    days: int = 1  # business days
    holidays: tuple[str, str | None] | None = None
    closed: tuple[date, ...] = ()
    always: bool = False
    pauses: tuple[tuple[datetime, datetime | None], ...] = ()
    spec: Calendar = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        calendar = Calendar(
            id="random",
            always=self.always,
            hours={WEEKDAYS[i]: list(day) for i, day in enumerate(self.hours) if day},
            holidays=[HolidaySource(country=self.holidays[0], subdiv=self.holidays[1])]
            if self.holidays
            else [],
            closed=list(self.closed),
        )
        object.__setattr__(self, "spec", calendar)

    def engine(self) -> BusinessCalendar:
        """The engine's compiled calendar."""
        return compile_calendar(self.spec, self.zone)

    def oracle(self) -> Oracle:
        """The brute-force oracle of the same calendar."""
        return Oracle.from_spec(self.spec, self.zone)


@cache
def transitions(zone_name: str) -> tuple[datetime, ...]:
    """The zone's UTC offset changes in 2024-2027, found by sampling (test-side, cached)."""
    zone = ZoneInfo(zone_name)
    found = []
    probe = FIRST
    offset = probe.astimezone(zone).utcoffset()
    while probe < LAST:
        later = probe + timedelta(hours=1)
        if later.astimezone(zone).utcoffset() != offset:
            change = probe
            while change.astimezone(zone).utcoffset() == offset:
                change += timedelta(minutes=1)
            found.append(change)
            offset = change.astimezone(zone).utcoffset()
        probe = later
    return tuple(found)


def weekly_minutes(scenario_hours: tuple[DayIntervals, ...], always: bool) -> int:
    """Open minutes in an ordinary week."""
    if always:
        return WEEK_MINUTES
    return sum(b - a for day in scenario_hours for a, b in day)


@st.composite
def day_hours(draw: st.DrawFn) -> DayIntervals:
    """0-3 non-overlapping opening intervals on a 15-minute grid (0 intervals: closed)."""
    count = draw(st.integers(0, 3))
    marks = draw(st.lists(st.integers(0, 96), min_size=2 * count, max_size=2 * count, unique=True))
    marks = sorted(m * 15 for m in marks)
    return tuple((marks[i], marks[i + 1]) for i in range(0, len(marks), 2))


TEMPLATES: tuple[tuple[DayIntervals, ...], ...] = (
    tuple(((540, 1020),) if i < 5 else () for i in range(7)),  # 09:00-17:00 weekdays
    tuple(((540, 720), (780, 1020)) if i < 5 else () for i in range(7)),  # lunch break
    tuple(((0, 1440),) if i < 5 else () for i in range(7)),  # whole weekdays
    tuple(((0, 1440),) for _ in range(7)),  # whole days, every day
    tuple(((0, 240),) for _ in range(7)),  # the small hours, where DST changes happen
    tuple(((60, 180),) for _ in range(7)),  # opening or closing right at a DST change
)


@st.composite
def hours_strategy(draw: st.DrawFn) -> tuple[DayIntervals, ...]:
    """A template week, or seven random days with at least one opening."""
    if draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(TEMPLATES))
    week = tuple(draw(day_hours()) for _ in range(7))
    if not any(week):
        week = (((540, 1020),), *week[1:])
    return week


def _local_to_utc(zone: ZoneInfo, day: date, minute_of_day: int) -> datetime:
    wall = datetime.combine(day, datetime.min.time()) + timedelta(minutes=minute_of_day)
    return wall.replace(tzinfo=zone).astimezone(UTC)


@st.composite
def start_strategy(
    draw: st.DrawFn,
    zone_name: str,
    hours: tuple[DayIntervals, ...],
    holidays: tuple[str, str | None] | None,
) -> datetime:
    """A whole-minute start (sometimes with seconds) in 2024-2027: anywhere, around a DST
    change, on a holiday, or next to an opening or closing time."""
    zone = ZoneInfo(zone_name)
    kind = draw(st.sampled_from(("anywhere", "dst", "holiday", "edge")))
    changes = transitions(zone_name)
    total = int((LAST - FIRST).total_seconds()) // MINUTE
    if kind == "dst" and changes:
        change = draw(st.sampled_from(changes))
        start = change + timedelta(minutes=draw(st.integers(-3 * DAY_MINUTES, 3 * DAY_MINUTES)))
    elif kind == "holiday" and holidays:
        days = sorted(d for d in holiday_dates(*holidays) if FIRST.year <= d.year <= LAST.year)
        start = _local_to_utc(zone, draw(st.sampled_from(days)), draw(st.integers(0, 1439)))
    elif kind == "edge":
        day = (FIRST + timedelta(days=draw(st.integers(0, 1450)))).date()
        marks = [m for interval in hours[day.weekday()] for m in interval] or [540]
        minute = draw(st.sampled_from(marks)) + draw(st.integers(-3, 3))
        start = _local_to_utc(zone, day, min(max(minute, 0), 1439))
    else:
        start = FIRST + timedelta(minutes=draw(st.integers(0, total)))
    start = start.replace(second=0)
    return start + timedelta(seconds=draw(st.one_of(st.just(0), st.integers(1, 59))))


def duration_strategy(week: int, *, zero: bool = True) -> st.SearchStrategy[int]:
    """Seconds of business time: zero, minutes, up to a week, or several weeks (bounded by
    the calendar's weekly opening so that the oracle's minute stepping stays fast)."""
    minutes = st.one_of(
        st.just(0) if zero else st.just(1),
        st.integers(1, 240),
        st.integers(1, max(week, 1)),
        st.integers(max(week, 1), 3 * max(week, 1)),
    )
    seconds = st.one_of(st.just(0), st.just(0), st.integers(1, 59))
    return st.builds(lambda m, s: m * MINUTE + (s if m else 0), minutes, seconds)


@st.composite
def pause_strategy(
    draw: st.DrawFn, start: datetime
) -> tuple[tuple[datetime, datetime | None], ...]:
    """0-3 sorted, disjoint pauses on whole minutes around ``start``; the last may be open."""
    count = draw(st.integers(0, 3))
    marks = sorted(
        draw(
            st.lists(
                st.integers(-2 * DAY_MINUTES, 3 * WEEK_MINUTES),
                min_size=2 * count,
                max_size=2 * count,
                unique=True,
            )
        )
    )
    base = start.replace(second=0)
    pauses: list[tuple[datetime, datetime | None]] = [
        (base + timedelta(minutes=marks[i]), base + timedelta(minutes=marks[i + 1]))
        for i in range(0, len(marks), 2)
    ]
    open_ended = draw(st.booleans())
    if pauses and open_ended:
        pauses[-1] = (pauses[-1][0], None)
    return tuple(pauses)


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    """A random calendar, start, durations, elapsed end, business days and pauses."""
    zone = draw(st.sampled_from(ZONES))
    always = draw(st.integers(0, 9)) == 0
    hours = draw(hours_strategy())
    source = draw(st.one_of(st.none(), st.sampled_from(HOLIDAY_SOURCES)))
    start = draw(start_strategy(zone, hours, source))
    closed: tuple[date, ...] = ()
    if draw(st.booleans()):
        local_day = start.astimezone(ZoneInfo(zone)).date()
        offsets = draw(st.lists(st.integers(-3, 30), max_size=4, unique=True))
        closed = tuple(sorted(local_day + timedelta(days=o) for o in offsets))
    week = weekly_minutes(hours, always)
    end_offset = draw(
        st.one_of(st.integers(-HOUR, 0), st.integers(0, 2 * DAY_MINUTES * MINUTE),
                  st.integers(0, 3 * WEEK_MINUTES * MINUTE))
    )  # fmt: skip
    return Scenario(
        zone=zone,
        hours=hours,
        start=start,
        duration=draw(duration_strategy(week)),
        more=draw(duration_strategy(week, zero=False)),
        end=start + timedelta(seconds=end_offset),
        days=draw(st.integers(1, 15)),
        holidays=source,
        closed=closed,
        always=always,
        pauses=draw(pause_strategy(start)),
    )


def _utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


SMALL_HOURS = TEMPLATES[4]
WHOLE_DAYS = TEMPLATES[3]
NINE_TO_FIVE = TEMPLATES[0]
AT_THE_CHANGE = TEMPLATES[5]


def edge(
    zone: str,
    hours: tuple[DayIntervals, ...],
    start: datetime,
    duration_hours: int,
    days: int = 1,
    holidays: tuple[str, str | None] | None = None,
) -> Scenario:
    """A hand-picked scenario: elapsed over the next 26 hours, one pause of an hour."""
    return Scenario(
        zone,
        hours,
        start,
        duration_hours * HOUR,
        more=HOUR,
        end=start + timedelta(hours=26),
        days=days,
        holidays=holidays,
        pauses=((start + timedelta(minutes=30), start + timedelta(minutes=90)),),
    )


# Starts right before DST changes in both hemispheres, at midnight, and by 30 minutes.
DST_EDGES = [
    edge("America/New_York", SMALL_HOURS, _utc(2025, 3, 9, 5, 30), 2),
    edge("America/New_York", SMALL_HOURS, _utc(2025, 11, 2, 4, 30), 3),
    edge("America/New_York", AT_THE_CHANGE, _utc(2025, 3, 9, 5, 30), 2),
    edge("America/New_York", AT_THE_CHANGE, _utc(2025, 11, 2, 4, 30), 3),
    edge("Europe/London", AT_THE_CHANGE, _utc(2025, 3, 30, 0, 30), 1),
    edge("Europe/London", AT_THE_CHANGE, _utc(2025, 10, 26, 0, 0), 2),
    edge("Europe/London", SMALL_HOURS, _utc(2025, 3, 29, 23, 59), 3),
    edge("Europe/London", SMALL_HOURS, _utc(2025, 10, 25, 23, 30), 4, days=2),
    edge("Australia/Sydney", SMALL_HOURS, _utc(2025, 4, 5, 13, 0), 4),
    edge("Australia/Sydney", SMALL_HOURS, _utc(2025, 10, 4, 14, 0), 3),
    edge("Australia/Lord_Howe", SMALL_HOURS, _utc(2025, 10, 4, 13, 30), 3),
    edge("Australia/Lord_Howe", SMALL_HOURS, _utc(2025, 4, 5, 13, 30), 3),
    edge("America/Santiago", WHOLE_DAYS, _utc(2025, 9, 6, 20, 0), 6),
    edge("America/Santiago", SMALL_HOURS, _utc(2025, 4, 5, 22, 0), 5),
    edge("Africa/Cairo", WHOLE_DAYS, _utc(2025, 10, 30, 8, 0), 30),
    edge("America/New_York", NINE_TO_FIVE, _utc(2025, 3, 7, 20, 0), 8, 3, ("US", None)),
    edge("Europe/London", NINE_TO_FIVE, _utc(2025, 3, 28, 16, 0), 8, 3, ("GB", "ENG")),
]


TestFunction = Callable[..., None]


def dst_edges(test: TestFunction) -> TestFunction:
    """Always try the hand-picked DST edges, before the random examples."""
    for case in DST_EDGES:
        test = example(scenario=case)(test)
    return test


PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@settings(PROPERTY, max_examples=600)
@dst_edges
@given(scenario=scenarios())
def test_add_matches_the_oracle_and_is_never_before_the_start(scenario: Scenario) -> None:
    engine, oracle = scenario.engine(), scenario.oracle()
    due = engine.add(scenario.start, Span(seconds=scenario.duration))
    assert due == oracle.add(scenario.start, scenario.duration)
    assert due >= scenario.start
    if scenario.duration:
        assert engine.elapsed(scenario.start, due) == timedelta(seconds=scenario.duration)


@settings(PROPERTY, max_examples=500)
@dst_edges
@given(scenario=scenarios())
def test_elapsed_matches_the_oracle(scenario: Scenario) -> None:
    assert scenario.end is not None
    engine, oracle = scenario.engine(), scenario.oracle()
    assert engine.elapsed(scenario.start, scenario.end) == oracle.elapsed(
        scenario.start, scenario.end
    )


@settings(PROPERTY, max_examples=400)
@dst_edges
@given(scenario=scenarios())
def test_pauses_match_the_oracle(scenario: Scenario) -> None:
    assert scenario.end is not None
    engine, oracle = scenario.engine(), scenario.oracle()
    intervals = [Interval(a, b) for a, b in scenario.pauses]
    pauses = [Pause(a, b) for a, b in scenario.pauses]
    due = add_with_pauses(engine, scenario.start, Span(seconds=scenario.duration), intervals)
    assert due == oracle.add_excluding(scenario.start, scenario.duration, pauses)
    end = max(scenario.start, scenario.end)
    assert business_between(engine, scenario.start, end, intervals) == oracle.elapsed_excluding(
        scenario.start, end, pauses
    )


@settings(PROPERTY, max_examples=300)
@dst_edges
@given(scenario=scenarios())
def test_adding_a_then_b_is_adding_a_plus_b(scenario: Scenario) -> None:
    engine = scenario.engine()
    a, b = Span(seconds=scenario.duration), Span(seconds=scenario.more)
    together = Span(seconds=scenario.duration + scenario.more)
    assert engine.add(engine.add(scenario.start, a), b) == engine.add(scenario.start, together)


@settings(PROPERTY, max_examples=300)
@dst_edges
@given(scenario=scenarios())
def test_a_start_outside_hours_behaves_like_the_next_opening(scenario: Scenario) -> None:
    engine, oracle = scenario.engine(), scenario.oracle()
    start = scenario.start
    opening = engine.next_opening(start)
    assert opening == oracle.next_opening(start)
    assert engine.is_open(start) == oracle.is_open(start) == (opening == start)
    span = Span(seconds=scenario.duration)
    assert engine.add(start, span) == engine.add(opening, span)
    later = engine.add(opening, Span(seconds=scenario.more))
    assert engine.elapsed(start, later) == engine.elapsed(opening, later)


@settings(PROPERTY, max_examples=400)
@dst_edges
@given(scenario=scenarios())
def test_business_days_match_the_oracle(scenario: Scenario) -> None:
    engine, oracle = scenario.engine(), scenario.oracle()
    due = engine.add(scenario.start, Span(business_days=scenario.days))
    assert due == oracle.add_business_days(scenario.start, scenario.days)
    assert due > scenario.start
