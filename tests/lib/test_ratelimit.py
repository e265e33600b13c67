"""The database rate limiter: fixed windows, refused uses not counted, keys independent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from casework.lib.ratelimit import rate_limit_hit

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=15)


@pytest.mark.django_db
def test_uses_past_the_limit_are_refused_with_the_seconds_left_in_the_window() -> None:
    answers = [rate_limit_hit("k", limit=3, window=WINDOW, at=AT) for _ in range(3)]
    assert all(answer.allowed for answer in answers)
    refused = rate_limit_hit("k", limit=3, window=WINDOW, at=AT + timedelta(minutes=5))
    assert not refused.allowed
    assert refused.retry_after == 600


@pytest.mark.django_db
def test_a_new_window_starts_when_the_last_one_ends() -> None:
    for _ in range(2):
        rate_limit_hit("k", limit=2, window=WINDOW, at=AT)
    assert not rate_limit_hit(
        "k", limit=2, window=WINDOW, at=AT + WINDOW - timedelta(seconds=1)
    ).allowed
    assert rate_limit_hit("k", limit=2, window=WINDOW, at=AT + WINDOW).allowed
    assert rate_limit_hit("k", limit=2, window=WINDOW, at=AT + WINDOW).allowed
    assert not rate_limit_hit("k", limit=2, window=WINDOW, at=AT + WINDOW).allowed


@pytest.mark.django_db
def test_keys_are_counted_apart_and_a_zero_limit_allows_nothing() -> None:
    assert rate_limit_hit("a", limit=1, window=WINDOW, at=AT).allowed
    assert not rate_limit_hit("a", limit=1, window=WINDOW, at=AT).allowed
    assert rate_limit_hit("b", limit=1, window=WINDOW, at=AT).allowed
    assert not rate_limit_hit("c", limit=0, window=WINDOW, at=AT).allowed
