"""Durations of the policy language.

A target is either an amount of time counted inside a calendar (``8h``, ``30m``, ``PT2H30M``)
or a number of business days (``3bd``, ``"3 business days"``), which follows gap G3: the same
local clock time on the N-th following business day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_SHORT = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_ISO = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")
_WORDS = re.compile(
    r"^(\d+)\s*(business days?|bd|minutes?|mins?|hours?|hrs?|days?|weeks?|seconds?|secs?)$"
)
_WORD_SEPARATOR = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s+(?=\d)")
_WORD_UNITS = {
    "minute": "m", "minutes": "m", "min": "m", "mins": "m",
    "hour": "h", "hours": "h", "hr": "h", "hrs": "h",
    "day": "d", "days": "d", "week": "w", "weeks": "w",
    "second": "s", "seconds": "s", "sec": "s", "secs": "s",
}  # fmt: skip

EXPECTED = (
    "a duration such as 30m, 8h, 2h30m, 3bd, '3 business days' or an ISO 8601 duration (PT8H)"
)


@dataclass(frozen=True, slots=True)
class Span:
    """A target duration: ``seconds`` of calendar time, or ``business_days`` (G3)."""

    seconds: int = 0
    business_days: int = 0

    @property
    def is_business_days(self) -> bool:
        """True when the span counts business days rather than time."""
        return self.business_days > 0

    @property
    def is_zero(self) -> bool:
        """True for an immediate target (0 seconds, no business days)."""
        return self.seconds == 0 and self.business_days == 0

    def timedelta(self) -> timedelta:
        """The span as time; a business day counts as 24 hours (used for ordering only)."""
        return timedelta(seconds=self.seconds, days=self.business_days)

    def isoformat(self) -> str:
        """ISO 8601 duration: ``PT8H``, ``PT30M``; business days as days (``P3D``)."""
        if self.business_days:
            return f"P{self.business_days}D"
        if self.seconds == 0:
            return "PT0S"
        hours, rest = divmod(self.seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        out = "PT"
        out += f"{hours}H" if hours else ""
        out += f"{minutes}M" if minutes else ""
        out += f"{seconds}S" if seconds else ""
        return out

    def text(self) -> str:
        """Lossless text that ``parse_span`` reads back: ``3bd`` or an ISO 8601 duration.

        ``isoformat()`` writes business days as ``P3D``, which reads back as 72 hours; policy
        JSON uses this form instead so that business days stay business days."""
        return f"{self.business_days}bd" if self.business_days else self.isoformat()

    def words(self) -> str:
        """The span as people write it: ``8 hours``, ``30 minutes``, ``3 business days``."""
        if self.business_days:
            return _plural(self.business_days, "business day")
        if self.seconds == 0:
            return "immediately"
        parts = []
        days, rest = divmod(self.seconds, 86400)
        if days and rest == 0 and days % 7 == 0:
            return _plural(days // 7, "week")
        hours, rest = divmod(self.seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        if hours:
            parts.append(_plural(hours, "hour"))
        if minutes:
            parts.append(_plural(minutes, "minute"))
        if seconds:
            parts.append(_plural(seconds, "second"))
        return " ".join(parts)

    def __str__(self) -> str:
        return self.words()


def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def _spoken_seconds(text: str) -> int | None:
    """``'8 hours'``, and what ``words()`` writes for mixed units: ``'2 hours 30 minutes'``
    (commas and "and" allowed between parts). None when ``text`` is not in words."""
    parts = [part for part in _WORD_SEPARATOR.split(text) if part]
    if not parts:
        return None
    total = 0
    for part in parts:
        words = _WORDS.fullmatch(part)
        if words is None or words.group(2) not in _WORD_UNITS:
            return None
        total += int(words.group(1)) * _UNIT_SECONDS[_WORD_UNITS[words.group(2)]]
    return total


def parse_span(value: object) -> Span:
    """Parse a YAML duration value; raise ``ValueError`` naming the expected forms."""
    if isinstance(value, Span):
        return value
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"expected {EXPECTED}, got {value!r}")
    if isinstance(value, int):
        # A bare number is ambiguous (minutes? hours?): refuse it rather than guess.
        raise ValueError(f"expected {EXPECTED}, got the bare number {value}; add a unit")
    text = value.strip().lower()
    business = re.fullmatch(r"(\d+)\s*(?:bd|business days?)", text)
    if business:
        days = int(business.group(1))
        if days == 0:
            return Span()
        return Span(business_days=days)
    if text == "immediately":  # what ``words()`` says for a zero span
        return Span()
    spoken = _spoken_seconds(text)
    if spoken is not None:
        return Span(seconds=spoken)
    short = _SHORT.fullmatch(text)
    if short and text:
        units = ("w", "d", "h", "m", "s")
        return Span(
            seconds=sum(
                int(n) * _UNIT_SECONDS[u] for n, u in zip(short.groups(), units, strict=True) if n
            )
        )
    iso = _ISO.fullmatch(value.strip().upper())
    if iso and value.strip().upper() not in ("P", "PT"):
        units = ("w", "d", "h", "m", "s")
        return Span(
            seconds=sum(
                int(n) * _UNIT_SECONDS[u] for n, u in zip(iso.groups(), units, strict=True) if n
            )
        )
    raise ValueError(f"expected {EXPECTED}, got {value!r}")
