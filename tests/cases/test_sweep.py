"""The SLA sweep: warnings, breaches and elevations act once each, as history (R62)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command

from casework.accounts.models import Organization
from casework.cases.models import Case, ClockAction
from casework.cases.services import CaseDraft, case_message_add, case_open
from casework.cases.sweep import clock_sweep
from tests.cases.conftest import Persona

OPENED = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


def p2_case(acme: Organization) -> Case:
    draft = CaseDraft(organization=acme, subject="drops", environment="production", priority="P2")
    return case_open(draft=draft, requester=None, at=OPENED)


def kinds(case: Case) -> list[str]:
    return [e.kind for e in case.events.order_by("at", "pk")]


def test_nothing_is_due_before_the_warning(acme: Organization) -> None:
    p2_case(acme)
    assert clock_sweep(at=OPENED + timedelta(hours=5)) == []


@pytest.mark.rule("R60")
def test_warnings_fire_once_at_75_percent(acme: Organization) -> None:
    case = p2_case(acme)
    at = OPENED + timedelta(hours=6)
    first = clock_sweep(at=at)
    assert sorted(line.action.clock for line in first) == ["elevation", "first_response"]
    assert {line.action.kind for line in first} == {"warning"}
    assert clock_sweep(at=at) == []  # idempotent at the same instant
    assert clock_sweep(at=at + timedelta(minutes=30)) == []  # and later, until the breach
    assert kinds(case).count("warning") == 2


@pytest.mark.rule("R62")
def test_the_elevation_clock_elevates_to_level_2_once(acme: Organization) -> None:
    case = p2_case(acme)
    late = OPENED + timedelta(hours=9)  # the sweep was down at 6 h and at 8 h
    lines = clock_sweep(at=late)
    assert {(line.action.clock, line.action.kind) for line in lines} >= {
        ("elevation", "warning"),
        ("elevation", "breach"),
        ("first_response", "breach"),
    }
    case.refresh_from_db()
    assert case.tier == "L2"
    assert kinds(case).count("elevated") == 1
    assert clock_sweep(at=late + timedelta(hours=1)) == []
    assert ClockAction.objects.filter(case=case).count() == len(lines)


@pytest.mark.rule("R62")
def test_a_workaround_in_time_means_no_elevation(acme: Organization) -> None:
    case = p2_case(acme)
    case_message_add(
        case=case, author=None, body="restart the router", public=True, from_support=True,
        at=OPENED + timedelta(hours=2), workaround=True,
    )  # fmt: skip
    lines = clock_sweep(at=OPENED + timedelta(hours=12))
    assert all(line.action.metric != "elevation" for line in lines)
    case.refresh_from_db()
    assert case.tier == "L1"


def test_each_periodic_update_cycle_breaches_once(acme: Organization) -> None:
    case = p2_case(acme)
    case_message_add(
        case=case, author=None, body="on it", public=True, from_support=True,
        at=OPENED + timedelta(hours=1),
    )  # fmt: skip
    lines = clock_sweep(at=OPENED + timedelta(hours=60))
    breached = [line.action.clock for line in lines if line.action.kind == "breach"]
    # 48 h after the reply; cycle 1 was met by it. The elevation clock breached too (no ETA).
    assert sorted(breached) == ["elevation", "periodic_update#2"]


def test_sla_sweep_command_prints_what_it_did_and_is_idempotent(
    acme: Organization, capsys: pytest.CaptureFixture[str]
) -> None:
    p2_case(acme)
    at = (OPENED + timedelta(hours=6)).isoformat()
    call_command("sla", "sweep", "--at", at)
    out = capsys.readouterr().out
    assert "warning first_response (P2)" in out
    assert out.strip().endswith("2 action(s)")
    call_command("sla", "sweep", "--at", at)
    assert capsys.readouterr().out.strip().endswith("0 action(s)")


def test_sla_sweep_refuses_a_naive_instant(acme: Organization) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no UTC offset"):
        call_command("sla", "sweep", "--at", "2026-11-20T10:00:00")


def test_sla_rebuild_recomputes_stored_clocks_from_history(
    acme: Organization, bob: Persona, capsys: pytest.CaptureFixture[str]
) -> None:
    case = p2_case(acme)
    case.clocks.all().delete()
    with time_machine.travel(OPENED + timedelta(hours=1), tick=False):
        call_command("sla", "rebuild")
    assert "rebuilt 1/1 cases" in capsys.readouterr().out
    assert case.clocks.filter(metric="first_response", state="running").exists()
