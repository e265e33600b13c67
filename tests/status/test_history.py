"""The status history derived from incident timelines: intervals to the second, the worse of
overlapping incidents counted once, Statuspage's weights (a major outage fully down, a partial
outage 30%), days of the page's zone across a DST change, no data before a component existed,
and uptime rounded down."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from casework.status.history import Interval, Timeline, histories, intervals_of, worst_segments
from casework.status.templatetags.status_bars import day_title, status_bars, uptime

T = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
NOW = datetime(2026, 12, 9, 12, 0, tzinfo=UTC)
LONG_AGO = datetime(2025, 1, 1, tzinfo=UTC)
UTC_ZONE = ZoneInfo("UTC")


def test_a_timeline_puts_each_component_in_its_state_until_the_update_that_changes_it() -> None:
    timeline = Timeline(
        (
            (T, {1: "major_outage", 2: "degraded"}),
            (T + timedelta(minutes=30), {1: "partial_outage"}),
            (T + timedelta(minutes=90), {1: "operational", 2: "operational"}),
        ),
        T + timedelta(minutes=90),
    )
    assert sorted(intervals_of(timeline, now=NOW), key=lambda i: (i.component_id, i.start)) == [
        Interval(1, "major_outage", T, T + timedelta(minutes=30)),
        Interval(1, "partial_outage", T + timedelta(minutes=30), T + timedelta(minutes=90)),
        Interval(2, "degraded", T, T + timedelta(minutes=90)),
    ]


def test_an_open_incident_lasts_until_now() -> None:
    timeline = Timeline(((T, {1: "major_outage"}),), None)
    assert intervals_of(timeline, now=NOW) == [Interval(1, "major_outage", T, NOW)]


def test_overlapping_incidents_count_the_worse_state_once() -> None:
    one = Interval(1, "partial_outage", T, T + timedelta(hours=2))
    two = Interval(1, "major_outage", T + timedelta(hours=1), T + timedelta(hours=3))
    assert worst_segments([one, two])[1] == [
        (T, T + timedelta(hours=1), "partial_outage"),
        (T + timedelta(hours=1), T + timedelta(hours=3), "major_outage"),
    ]


def test_a_major_outage_counts_fully_and_a_partial_outage_30_percent() -> None:
    timelines = [
        Timeline(((T, {1: "major_outage"}), (T + timedelta(hours=1), {1: "operational"})), None),
        Timeline(((T, {2: "partial_outage"}), (T + timedelta(hours=1), {2: "operational"})), None),
        Timeline(((T, {3: "degraded"}), (T + timedelta(hours=1), {3: "operational"})), None),
    ]
    created = dict.fromkeys((1, 2, 3), LONG_AGO)
    result = histories(created, timelines, now=NOW, days=90, zone=UTC_ZONE)
    day = {component: result[component].days[-2] for component in created}  # 8 December
    assert day[1].day == date(2026, 12, 8)
    assert day[1].uptime == pytest.approx(23 / 24)
    assert day[2].uptime == pytest.approx(1 - 0.3 / 24)
    assert day[3].uptime == 1.0
    assert day[3].worst == "degraded"
    assert day[1].seconds == {"major_outage": 3600.0}
    # Over 89.5 days (today counts up to noon), one hour fully down.
    assert result[1].uptime == pytest.approx(1 - 3600 / (89.5 * 86400))
    assert len(result[1].days) == 90
    assert result[1].days[-1].day == date(2026, 12, 9)


def test_days_are_the_zone_s_calendar_days_across_a_dst_change() -> None:
    # Berlin's clocks went back on 25 October 2026: that day has 25 hours.
    zone = ZoneInfo("Europe/Berlin")
    start = datetime(2026, 10, 24, 22, 0, tzinfo=UTC)  # 00:00 on the 25th in Berlin (CEST)
    timeline = Timeline(((start, {1: "major_outage"}),), start + timedelta(hours=25))
    now = datetime(2026, 10, 27, 12, 0, tzinfo=UTC)
    result = histories({1: LONG_AGO}, [timeline], now=now, days=5, zone=zone)
    by_day = {day.day: day for day in result[1].days}
    assert by_day[date(2026, 10, 25)].seconds == {"major_outage": 25 * 3600.0}
    assert by_day[date(2026, 10, 25)].uptime == 0.0
    assert by_day[date(2026, 10, 26)].uptime == 1.0


def test_the_days_before_a_component_existed_have_no_data() -> None:
    created = {1: NOW - timedelta(days=2, hours=6)}
    result = histories(created, [], now=NOW, days=90, zone=UTC_ZONE)
    with_data = [day for day in result[1].days if day.has_data]
    assert [day.day for day in with_data] == [
        date(2026, 12, 7),
        date(2026, 12, 8),
        date(2026, 12, 9),
    ]
    assert result[1].uptime == 1.0
    assert histories({1: NOW}, [], now=NOW, days=90, zone=UTC_ZONE)[1].uptime is None


def test_uptime_is_rounded_down_so_any_downtime_shows() -> None:
    assert uptime(0.99999) == "99.99%"
    assert uptime(1.0) == "100.00%"
    assert uptime(None) == "no data"


def test_the_bars_are_one_item_a_day_classed_by_the_worst_state_with_the_figures_on_hover() -> None:
    timeline = Timeline(
        ((T, {1: "partial_outage"}), (T + timedelta(minutes=90), {1: "operational"})), None
    )
    history = histories({1: NOW - timedelta(days=3)}, [timeline], now=NOW, days=90, zone=UTC_ZONE)[
        1
    ]
    html = str(status_bars(history))
    assert html.count("<li") == 90
    assert html.count('class="s-none"') == 86
    assert html.count('class="s-partial_outage"') == 1
    assert day_title(history.days[-2]) == "8 Dec 2026: 98.12% · partial outage 1 h 30 min"


def test_the_history_agrees_with_counting_minute_by_minute() -> None:
    """Random overlapping incidents on three components, one created mid-period, in a zone
    with a DST change in the period: every day's uptime and worst state, and the period's,
    equal a plain count of each minute's worst state."""
    rng = random.Random(7)  # noqa: S311 - reproducible test data
    zone = ZoneInfo("America/New_York")  # clocks go back on 1 November 2026
    now = datetime(2026, 11, 4, 15, 30, tzinfo=UTC)
    first = datetime(2026, 10, 26, 4, 0, tzinfo=UTC)  # 00:00 on 26 October in New York
    created = {1: LONG_AGO, 2: LONG_AGO, 3: datetime(2026, 10, 30, 17, 45, tzinfo=UTC)}
    timelines = []
    for _ in range(25):
        start = first - timedelta(days=1) + timedelta(minutes=rng.randrange(0, 11 * 24 * 60))
        states = {c: rng.choice(("degraded", "partial_outage", "major_outage")) for c in (1, 2, 3)}
        change = start + timedelta(minutes=rng.randrange(1, 600))
        end = change + timedelta(minutes=rng.randrange(1, 600))
        timelines.append(Timeline(
            ((start, states), (change, {1: rng.choice(("operational", "major_outage"))}),
             (end, dict.fromkeys((1, 2, 3), "operational"))),
            end if end <= now else None,
        ))  # fmt: skip
    result = histories(created, timelines, now=now, days=10, zone=zone)
    rank = {"operational": 0, "degraded": 1, "partial_outage": 2, "major_outage": 3}
    weight = {"partial_outage": 0.3, "major_outage": 1.0}
    intervals = [i for t in timelines for i in intervals_of(t, now=now)]
    for component, since in created.items():
        per_day: dict[date, list[float]] = {}
        worst: dict[date, str] = {}
        minute = max(first, since)
        while minute < now:
            active = [i.state for i in intervals
                      if i.component_id == component and i.start <= minute < i.end]  # fmt: skip
            state = max(active, key=rank.__getitem__, default="operational")
            day = minute.astimezone(zone).date()
            per_day.setdefault(day, []).append(weight.get(state, 0.0))
            if rank[state] > rank[worst.get(day, "operational")] or day not in worst:
                worst[day] = state
            minute += timedelta(minutes=1)
        for bar in result[component].days:
            if bar.day not in per_day:
                assert bar.uptime is None
                continue
            minutes = per_day[bar.day]
            assert bar.uptime == pytest.approx(1 - sum(minutes) / len(minutes)), (component, bar)
            assert bar.worst == worst[bar.day], (component, bar)
        everything = [w for minutes in per_day.values() for w in minutes]
        assert result[component].uptime == pytest.approx(1 - sum(everything) / len(everything))
