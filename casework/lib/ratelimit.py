"""A fixed-window rate limiter kept in the database, shared by every web process.

django-ratelimit would be the library to use, but it refuses (system check errors) every
cache backend the embedded default has: LocMem is per process, and the file and database
caches do not increment atomically. One table and a conditional UPDATE need neither memcached
nor Redis, and stay exact under concurrent requests on SQLite and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F

from casework.models import RateLimitWindow


@dataclass(frozen=True, slots=True)
class RateDecision:
    """Whether one more use is allowed, and when to retry if not."""

    allowed: bool
    retry_after: int  # seconds; 0 when allowed


def rate_limit_hit(key: str, *, limit: int, window: timedelta, at: datetime) -> RateDecision:
    """Count one use of ``key`` at ``at``; refuse it past ``limit`` uses per ``window``.

    A refused use is not counted, so a client that keeps trying is let in again as soon as
    the window it filled ends."""
    if limit <= 0:
        return RateDecision(False, int(window.total_seconds()))
    key = key[:200]
    with transaction.atomic():
        # Start a new window where the current one has ended (or none exists yet)...
        renewed = RateLimitWindow.objects.filter(key=key, window_start__lte=at - window).update(
            window_start=at, count=1
        )
        if renewed:
            return RateDecision(True, 0)
        # ...else count the use if there is room left in it.
        counted = RateLimitWindow.objects.filter(key=key, count__lt=limit).update(
            count=F("count") + 1
        )
        if counted:
            return RateDecision(True, 0)
        current = RateLimitWindow.objects.filter(key=key).first()
        if current is None:
            try:
                with transaction.atomic():
                    RateLimitWindow.objects.create(key=key, window_start=at, count=1)
            except IntegrityError:  # another request made it first: count against it
                return rate_limit_hit(key, limit=limit, window=window, at=at)
            return RateDecision(True, 0)
    ends = current.window_start + window
    return RateDecision(False, max(1, int((ends - at).total_seconds() + 0.999)))
