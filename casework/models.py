"""Project-wide tables that belong to no one domain: the rate limiter's windows."""

from __future__ import annotations

from django.db import models


class RateLimitWindow(models.Model):
    """How many times one key (``signin:ip:203.0.113.9``…) was used in its current window.

    A row per key, counted with an atomic ``UPDATE … SET count = count + 1`` so that several
    web processes share one limit through the database (``casework.lib.ratelimit``)."""

    key = models.CharField(max_length=200, primary_key=True)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.count} since {self.window_start.isoformat()}"
