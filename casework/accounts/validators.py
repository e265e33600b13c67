"""Field validators shared by the models, the admin forms and the services."""

from __future__ import annotations

import zoneinfo
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError

from casework.policy import parse_span
from casework.policy.schema import METRICS


@cache
def _time_zones() -> frozenset[str]:
    # available_timezones() walks the tz database on every call: read it once per process.
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    """Accept an IANA time zone name (``Europe/Paris``, ``UTC``); refuse anything else."""
    if value not in _time_zones():
        raise ValidationError(
            "%(value)s is not an IANA time zone name such as Europe/Paris or UTC",
            code="invalid_time_zone",
            params={"value": repr(value)},
        )


def sla_overlay_problem(value: Any) -> tuple[str, str] | None:
    """(dotted path, what is wrong) for the first problem of an enhanced-SLA overlay (R26).

    The overlay is ``{priority: {metric: duration}}``, for example
    ``{"P1": {"first_response": "15m"}}``; the priorities are checked against the policy by
    the service, because the model does not know which policy applies. None when well formed.
    """
    if not isinstance(value, dict):
        return "sla_overlay", "expected an object of priority → metric → duration"
    for priority, metrics in value.items():
        where = f"sla_overlay.{priority}"
        if not isinstance(metrics, dict) or not metrics:
            return where, "expected a non-empty object of metric → duration"
        for metric, duration in metrics.items():
            if metric not in METRICS:
                return f"{where}.{metric}", f"unknown metric; expected one of: {', '.join(METRICS)}"
            if not isinstance(duration, str):
                return f"{where}.{metric}", "expected a duration string such as 30m, 4h or 3bd"
            try:
                parse_span(duration)
            except ValueError as error:
                return f"{where}.{metric}", str(error)
    return None


def validate_sla_overlay(value: Any) -> None:
    """Model validator: the overlay is ``{priority: {metric: duration}}`` (R26)."""
    problem = sla_overlay_problem(value)
    if problem is not None:
        path, message = problem
        raise ValidationError(f"{path}: {message}", code="invalid_sla_overlay")


_PHONE_PUNCTUATION = str.maketrans("", "", " -.()/\u00a0")


def phone_normalise(value: str) -> str | None:
    """``value`` as an E.164 number (``+`` then 7 to 15 digits, no leading zero), with the
    usual punctuation removed and an international ``00`` prefix read as ``+``; None when it
    is not one (a national number needs its country code)."""
    number = value.strip().translate(_PHONE_PUNCTUATION)
    if number.startswith("00"):
        number = "+" + number[2:]
    digits = number[1:]
    if not number.startswith("+") or not digits.isascii() or not digits.isdigit():
        return None
    if not 7 <= len(digits) <= 15 or digits.startswith("0"):
        return None
    return number


def validate_phone(value: str) -> None:
    """Refuse a phone number that is not E.164 once normalised (see ``phone_normalise``)."""
    if value and phone_normalise(value) is None:
        raise ValidationError(
            f"{value!r} is not an international (E.164) number: + and the country code, "
            "then the number"
        )
