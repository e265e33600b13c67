"""Clocks as they read on a page: tone and words agree, and the tone is never alone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from casework.lib.clockview import clock_view, most_urgent
from casework.lib.timefmt import ago_words, due_words, span_words, zone_or_utc

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
NY = ZoneInfo("America/New_York")


@dataclass
class FakeClock:
    metric: str = "first_response"
    state: str = "running"
    due_at: datetime | None = AT + timedelta(minutes=23)
    warn_at: datetime | None = AT + timedelta(minutes=10)
    met_at: datetime | None = None
    breached_at: datetime | None = None
    paused_seconds: int = 0


def test_a_running_clock_says_when_it_is_due_in_the_viewers_zone() -> None:
    view = clock_view(FakeClock(), at=AT, zone=NY)
    assert (view.name, view.tone, view.text) == ("First response", "ok", "due in 23 min")
    assert view.due_local is not None
    assert view.due_local.utcoffset() == timedelta(hours=-5)
    assert view.due_iso == "2026-12-01T09:23:00+00:00"


def test_past_the_warning_a_clock_is_at_risk_and_past_due_breached() -> None:
    warn = clock_view(FakeClock(), at=AT + timedelta(minutes=11), zone=NY)
    assert (warn.tone, warn.text) == ("warn", "at risk: due in 12 min")
    late = clock_view(FakeClock(), at=AT + timedelta(hours=1, minutes=28), zone=NY)
    assert (late.tone, late.text) == ("breach", "breached 1 h 5 min ago")


def test_finished_clocks_say_what_happened_and_carry_no_countdown() -> None:
    met = clock_view(FakeClock(state="met", met_at=AT - timedelta(minutes=5)), at=AT, zone=NY)
    assert (met.tone, met.text, met.due_iso) == ("met", "met 5 min ago", "")
    breached = FakeClock(state="breached", breached_at=AT - timedelta(days=1, hours=2))
    assert clock_view(breached, at=AT, zone=NY).text == "breached 1 d 2 h ago"
    assert clock_view(FakeClock(state="paused"), at=AT, zone=NY).text == "paused"
    assert clock_view(FakeClock(state="cancelled"), at=AT, zone=NY).text == "stopped"


def test_update_cycles_are_numbered_and_the_most_urgent_clock_is_the_next_due() -> None:
    later = FakeClock(metric="periodic_update", due_at=AT + timedelta(hours=2))
    assert clock_view(later, at=AT, zone=NY, cycle=1).name == "Next update (2)"
    sooner = FakeClock()
    assert most_urgent([later, sooner, FakeClock(state="met")]) is sooner
    breached = FakeClock(state="breached")
    assert most_urgent([sooner, breached, FakeClock(state="met")]) is breached  # unanswered
    late = FakeClock(state="breached", met_at=AT)
    assert most_urgent([late, sooner]) is sooner
    assert most_urgent([late, FakeClock(state="met")]) is late
    assert most_urgent([FakeClock(state="met")]) is None


def test_spans_read_in_their_two_largest_units() -> None:
    assert span_words(timedelta(seconds=42)) == "42 s"
    assert span_words(timedelta(days=3, hours=4, minutes=5)) == "3 d 4 h"
    assert due_words(AT, at=AT - timedelta(hours=2)) == "due in 2 h"
    assert due_words(AT, at=AT + timedelta(minutes=2)) == "overdue by 2 min"
    assert ago_words(AT + timedelta(minutes=3), at=AT) == "in 3 min"
    assert zone_or_utc("Not/AZone") == ZoneInfo("UTC")
    assert zone_or_utc("") == ZoneInfo("UTC")
