"""The durations of the policy language: every form a pack may write, and the ones it may not."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework.policy.durations import EXPECTED, Span, parse_span

HOUR = 3600


@pytest.mark.parametrize(
    ("text", "span"),
    [
        ("30m", Span(seconds=30 * 60)),
        ("8h", Span(seconds=8 * HOUR)),
        ("2h30m", Span(seconds=2 * HOUR + 30 * 60)),
        ("1w", Span(seconds=7 * 24 * HOUR)),
        ("45s", Span(seconds=45)),
        ("3bd", Span(business_days=3)),
        ("3 business days", Span(business_days=3)),
        ("1 business day", Span(business_days=1)),
        ("PT8H", Span(seconds=8 * HOUR)),
        ("PT30M", Span(seconds=30 * 60)),
        ("P1DT2H", Span(seconds=26 * HOUR)),
        ("P2W", Span(seconds=14 * 24 * HOUR)),
        ("8 hours", Span(seconds=8 * HOUR)),
        ("1 hour", Span(seconds=HOUR)),
        ("90 minutes", Span(seconds=90 * 60)),
        ("5 days", Span(seconds=5 * 24 * HOUR)),
        ("2 hours 30 minutes", Span(seconds=2 * HOUR + 30 * 60)),
        ("1 hour, 30 minutes", Span(seconds=HOUR + 30 * 60)),
        ("1 hour and 30 minutes", Span(seconds=HOUR + 30 * 60)),
    ],
)
def test_parse_span_reads_every_documented_form(text: str, span: Span) -> None:
    assert parse_span(text) == span


@pytest.mark.parametrize("text", ["8H", " 8h ", "pt8h", "8 HOURS", "3 Business Days", "3BD"])
def test_parse_span_ignores_case_and_surrounding_spaces(text: str) -> None:
    assert parse_span(text) in (Span(seconds=8 * HOUR), Span(business_days=3))


@pytest.mark.parametrize("text", ["0m", "PT0S", "0bd", "0 hours", "immediately"])
def test_zero_spans_mean_immediately(text: str) -> None:
    span = parse_span(text)
    assert span == Span()
    assert span.is_zero
    assert span.words() == "immediately"


@pytest.mark.parametrize("number", [0, 8, 30])
def test_a_bare_number_is_refused_because_its_unit_is_ambiguous(number: int) -> None:
    with pytest.raises(ValueError, match="bare number") as raised:
        parse_span(number)
    assert str(raised.value) == f"expected {EXPECTED}, got the bare number {number}; add a unit"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "soon",
        "8",
        "1 fortnight",
        "P",
        "PT",
        "-8h",
        "8h-",
        "2h 30",
        "8.5h",
        "1 business day 2 hours",
        "business days",
        True,
        None,
        2.5,
        ["8h"],
    ],
)
def test_anything_else_is_refused_naming_the_expected_forms(value: object) -> None:
    with pytest.raises(ValueError, match="expected a duration such as") as raised:
        parse_span(value)
    assert str(raised.value) == f"expected {EXPECTED}, got {value!r}"


def test_the_expected_forms_message_lists_each_kind_of_duration() -> None:
    assert EXPECTED == (
        "a duration such as 30m, 8h, 2h30m, 3bd, '3 business days' or an ISO 8601 duration (PT8H)"
    )


def test_a_span_is_returned_unchanged() -> None:
    span = Span(seconds=HOUR)
    assert parse_span(span) is span


@pytest.mark.parametrize(
    ("span", "iso", "words"),
    [
        (Span(), "PT0S", "immediately"),
        (Span(seconds=30 * 60), "PT30M", "30 minutes"),
        (Span(seconds=HOUR), "PT1H", "1 hour"),
        (Span(seconds=2 * HOUR + 30 * 60), "PT2H30M", "2 hours 30 minutes"),
        (Span(seconds=8 * HOUR + 1), "PT8H1S", "8 hours 1 second"),
        (Span(seconds=120 * HOUR), "PT120H", "120 hours"),
        (Span(seconds=14 * 24 * HOUR), "PT336H", "2 weeks"),
        (Span(business_days=1), "P1D", "1 business day"),
        (Span(business_days=3), "P3D", "3 business days"),
    ],
)
def test_spans_print_as_iso_8601_and_in_words(span: Span, iso: str, words: str) -> None:
    assert span.isoformat() == iso
    assert span.words() == words
    assert str(span) == words


def test_business_days_are_measured_apart_from_time() -> None:
    assert parse_span("3bd").is_business_days
    assert not parse_span("72h").is_business_days
    assert parse_span("3bd") != parse_span("72h")
    assert parse_span("3bd").timedelta() == parse_span("72h").timedelta()  # for ordering only


spans_of_time = st.builds(Span, seconds=st.integers(min_value=0, max_value=400 * 24 * HOUR))
spans_of_business_days = st.builds(Span, business_days=st.integers(min_value=1, max_value=400))


@given(spans_of_time)
def test_isoformat_round_trips_for_time_spans(span: Span) -> None:
    assert parse_span(span.isoformat()) == span


@given(st.one_of(spans_of_time, spans_of_business_days))
def test_words_round_trip_for_every_span(span: Span) -> None:
    assert parse_span(span.words()) == span


@given(spans_of_business_days)
def test_business_day_short_form_round_trips(span: Span) -> None:
    assert parse_span(f"{span.business_days}bd") == span


@pytest.mark.parametrize("text", ["3bd", "1bd", "8h", "2h30m", "30m", "0s", "2d"])
def test_text_reads_back_as_the_same_span(text: str) -> None:
    span = parse_span(text)
    assert parse_span(span.text()) == span
