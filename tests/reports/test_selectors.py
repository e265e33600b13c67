"""The report reads (casework/reports/selectors.py): the at-risk board at a fixed instant and
the policy versions with their open cases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from pytest_django import DjangoAssertNumQueries

from casework.accounts.models import Organization
from casework.cases.models import Case
from casework.cases.services import case_transition
from casework.policies.services import policy_version_load
from casework.reports.selectors import board_at_risk, policy_versions_overview
from tests.reports.conftest import AT, PACKS, open_p2


def board_subjects(cases: dict[str, Case]) -> dict[str, tuple[set[str], set[str]]]:
    """metric → (subjects at risk, subjects breached) on the board at AT."""
    return {
        group.metric: (
            {clock.case.subject for clock in group.at_risk},
            {clock.case.subject for clock in group.breached},
        )
        for group in board_at_risk(at=AT).groups
    }


def test_a_clock_past_its_warning_is_at_risk_and_one_past_its_due_time_breached(
    cases: dict[str, Case],
) -> None:
    groups = board_subjects(cases)
    risk, late, fresh = (cases[k].subject for k in ("risk", "late", "fresh"))
    assert groups["first_response"] == ({risk}, {late})
    assert all(fresh not in at_risk | breached for at_risk, breached in groups.values())


def test_groups_follow_the_order_a_case_meets_its_clocks_and_count_every_clock(
    cases: dict[str, Case],
) -> None:
    board = board_at_risk(at=AT)
    # The time to open was met when the cases were opened; the periodic update is not due yet.
    assert [group.metric for group in board.groups] == ["first_response", "elevation"]
    for group in board.groups:
        assert group.at_risk_count == len(group.at_risk)
        assert group.breached_count == len(group.breached)
    assert board.at_risk_count == sum(len(g.at_risk) for g in board.groups)
    assert (board.at_risk_count, board.breached_count) == (2, 2)


def test_a_clock_the_sweep_marked_breached_stays_on_the_board(cases: dict[str, Case]) -> None:
    late = cases["late"]
    late.clocks.filter(metric="first_response").update(state="breached", breached_at=AT)
    assert late.subject in board_subjects(cases)["first_response"][1]


def test_the_board_leaves_out_resolved_cases(cases: dict[str, Case]) -> None:
    case_transition(
        case=cases["late"], actor=None, status="resolved", by_customer=True,
        at=AT - timedelta(minutes=5),
    )  # fmt: skip
    groups = board_subjects(cases)
    assert all(cases["late"].subject not in b for _, b in groups.values())


@pytest.mark.rule("R17", "G14")
def test_a_case_waiting_on_the_customer_is_paused_so_neither_at_risk_nor_breached(
    cases: dict[str, Case],
) -> None:
    for key in ("risk", "late"):
        case_transition(
            case=cases[key], actor=None, status="pending_customer", by_customer=False,
            at=AT - timedelta(hours=3),
        )  # fmt: skip
    assert board_at_risk(at=AT).groups == []


def test_an_empty_board_has_no_groups(cases: dict[str, Case]) -> None:
    board = board_at_risk(at=AT - timedelta(hours=8, minutes=30))
    assert board.groups == []
    assert board.at_risk_count == board.breached_count == 0


def test_the_board_costs_four_queries_however_many_cases(
    acme: Organization, engineer: User, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    for n in range(6):
        case = open_p2(acme, f"Case {n}", hours_ago=6.5 + n)
        Case.objects.filter(pk=case.pk).update(assignee=engineer)
    with django_assert_num_queries(4):
        board = board_at_risk(at=AT)
        names = [
            (c.case.organization.name, c.case.assignee.username if c.case.assignee else "")
            for g in board.groups
            for c in [*g.at_risk, *g.breached]
        ]
    assert ("Acme", "bob") in names


def test_versions_list_the_newest_first_with_the_open_cases_on_each(
    cases: dict[str, Case],
) -> None:
    text = (
        (PACKS / "liveops.yaml").read_text(encoding="utf-8").replace('version: "', 'version: "x', 1)
    )
    policy_version_load(text=text, filename="liveops.yaml")
    overview = {entry.policy_id: entry for entry in policy_versions_overview()}
    versions = overview["liveops"].versions
    assert overview["liveops"].name == "LiveOps Support"
    assert [(v.row.version, v.current, v.open_cases) for v in versions] == [
        (2, True, 0),
        (1, False, 3),
    ]
