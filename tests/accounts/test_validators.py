"""Accounts validators: IANA time zones and the shape of an enhanced-SLA overlay (R26)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from casework.accounts.validators import (
    sla_overlay_problem,
    validate_sla_overlay,
    validate_time_zone,
)


@pytest.mark.parametrize("name", ["UTC", "Europe/Paris", "America/Los_Angeles", "Asia/Kolkata"])
def test_iana_time_zones_are_accepted(name: str) -> None:
    validate_time_zone(name)


@pytest.mark.parametrize("name", ["", "utc ", "Mars/Olympus", "../etc/passwd", "+02:00", "CEST"])
def test_anything_else_is_refused(name: str) -> None:
    with pytest.raises(ValidationError, match="not an IANA time zone"):
        validate_time_zone(name)


@pytest.mark.rule("R26")
def test_an_empty_overlay_and_a_well_formed_one_pass() -> None:
    assert sla_overlay_problem({}) is None
    validate_sla_overlay({"P1": {"first_response": "15m", "rca_final": "3bd"}})


@pytest.mark.rule("R26")
@pytest.mark.parametrize(
    ("overlay", "path"),
    [
        ([], "sla_overlay"),
        (None, "sla_overlay"),
        ({"P1": []}, "sla_overlay.P1"),
        ({"P1": {"response": "1h"}}, "sla_overlay.P1.response"),
        ({"P1": {"first_response": "fast"}}, "sla_overlay.P1.first_response"),
        ({"P1": {"first_response": None}}, "sla_overlay.P1.first_response"),
    ],
)
def test_a_malformed_overlay_names_where(overlay: object, path: str) -> None:
    problem = sla_overlay_problem(overlay)
    assert problem is not None
    assert problem[0] == path
    with pytest.raises(ValidationError, match=path.replace(".", r"\.")):
        validate_sla_overlay(overlay)
