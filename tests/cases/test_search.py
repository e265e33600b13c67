"""``GET /api/v1/cases?q=``: full-text search through the real index on both databases, and the
``at_risk`` filter."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.accounts.models import Organization
from casework.cases.models import Case, Message
from casework.cases.search import case_search, search_words, sqlite_index_ensure
from tests.cases.conftest import Persona
from tests.cases.test_api import NOW, open_case, post


def found(who: Persona, q: str, **params: Any) -> set[int]:
    response = who.client.get("/api/v1/cases", {"q": q} | params)
    assert response.status_code == 200, response.content
    return {case["id"] for case in response.json()["items"]}


@pytest.fixture
def printer(alice: Persona, bob: Persona) -> int:
    """Alice's case about a printer, with a public reply and an internal note from bob."""
    case = open_case(alice, subject="Printers jammed", description="Tray two squeaks")
    path = f"/cases/{case['id']}/messages"
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        assert post(bob, path, {"body": "Replace the flamingo roller"}).status_code == 201
        internal = {"body": "Customer owes us zebracorn money", "public": False}
        assert post(bob, path, internal).status_code == 201
    open_case(alice, subject="Calls drop", description="Since nine")
    case_id: int = case["id"]
    return case_id


@pytest.mark.rule("R30")
def test_search_finds_subjects_descriptions_and_replies_with_stemming(
    alice: Persona, bob: Persona, printer: int
) -> None:
    for q in ("printer", "JAM", "squeak tray", "flamingo", "rollers"):
        assert found(alice, q) == {printer}, q
        assert found(bob, q) == {printer}, q
    assert found(alice, "printer calls") == set()  # every word, in one document


@pytest.mark.rule("R30")
def test_contacts_never_find_cases_through_internal_notes(
    alice: Persona, bob: Persona, printer: int
) -> None:
    assert found(bob, "zebracorn") == {printer}
    assert found(alice, "zebracorn") == set()


@pytest.mark.rule("R30")
def test_the_outsider_finds_nothing_of_another_organisation(eve: Persona, printer: int) -> None:
    assert found(eve, "printer") == set()
    assert found(eve, "flamingo") == set()


@pytest.mark.parametrize(
    "q", ['"', "AND", "NEAR(x", "*", "col:umn", "-x", "%", "'; drop table x;--", "é"]
)
def test_query_syntax_in_q_is_only_words_never_an_error(bob: Persona, printer: int, q: str) -> None:
    assert found(bob, q) == set()


def test_a_blank_q_lists_everything_and_an_overlong_q_names_the_field(
    bob: Persona, printer: int
) -> None:
    assert len(found(bob, "  ")) == 2
    response = bob.client.get("/api/v1/cases", {"q": "x" * 501})
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "q"


def test_search_combines_with_filters_and_pages(bob: Persona, alice: Persona) -> None:
    ids = [open_case(alice, subject=f"Printer {n}", priority=p)["id"] for n, p in
           enumerate(("P3", "P2", "P3"))]  # fmt: skip
    first = bob.client.get("/api/v1/cases", {"q": "printer", "limit": "2"}).json()
    cursor: str = first["next"]
    rest = bob.client.get("/api/v1/cases", {"q": "printer", "limit": "2", "cursor": cursor}).json()
    assert [c["id"] for c in first["items"] + rest["items"]] == [ids[1], ids[0], ids[2]]
    assert found(bob, "printer", priority="P3") == {ids[0], ids[2]}


def test_words_are_letters_and_digits_lowercased() -> None:
    assert search_words("Printer-JAM 42, ok?") == ["printer", "jam", "42", "ok"]
    assert search_words("!!") == []


def test_a_word_search_reads_the_index_and_never_like(bob: Persona, printer: int) -> None:
    with CaptureQueriesContext(connection) as queries:
        assert found(bob, "flamingo") == {printer}
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "LIKE" not in sql.upper()
    if connection.vendor == "sqlite":
        assert "cases_case_fts MATCH" in sql
        assert "cases_message_fts MATCH" in sql
        plan = _sqlite_plan(case_search(Case.objects.all(), "flamingo", internal=True))
        assert "VIRTUAL TABLE INDEX" in plan, plan
    else:
        assert "@@" in sql
        assert "plainto_tsquery" in sql


@pytest.mark.django_db
def test_the_index_is_kept_by_the_database_after_every_migration() -> None:
    """A migration that remakes cases_case or cases_message on SQLite drops their triggers;
    this fails then, rather than search silently missing new cases."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            expected = {f"cases_{t}_fts_{op}" for t in ("case", "message")
                        for op in ("insert", "update", "delete")}  # fmt: skip
        else:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE indexname LIKE 'cases_%%_search'"
            )
            expected = {"cases_case_search", "cases_message_search"}
        assert expected <= {row[0] for row in cursor.fetchall()}


def test_a_dropped_sqlite_trigger_is_put_back_and_the_index_rebuilt(
    bob: Persona, printer: int
) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's index is a generated column: no triggers to lose")
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER cases_message_fts_insert")
        cursor.execute("DELETE FROM cases_message_fts")  # as if the rows had come in meanwhile
    assert found(bob, "flamingo") == set()
    assert sqlite_index_ensure() == ["cases_message_fts_insert"]
    assert found(bob, "flamingo") == {printer}
    assert sqlite_index_ensure() == []


def _sqlite_plan(cases: Any) -> str:
    sql, params = cases.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(row) for row in cursor.fetchall())


def test_postgres_word_search_uses_the_gin_indexes_on_a_seeded_table(
    acme: Organization,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the GIN plan is PostgreSQL's; SQLite's FTS5 plan is checked above")
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
    Case.objects.bulk_create(
        Case(
            organization=acme, subject=f"{words[n % 8]} {words[n % 7]}",
            description=f"case {n} " + ("quokka" if n == 4321 else "printer"),
            environment="production", channel="api", priority="P3", tier="L1",
            policy_id="liveops", policy_version=1, plan="standard", next_due_at=NOW,
        )
        for n in range(5000)
    )  # fmt: skip
    first = Case.objects.order_by("pk").first()
    Message.objects.bulk_create(
        Message(case=first, body=f"reply {n} {words[n % 8]} printer") for n in range(5000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
        cursor.execute("ANALYZE cases_message")
    cases = case_search(Case.objects.all(), "quokka", internal=True)
    plan = cases.order_by("next_due_at", "pk")[:50].explain()
    assert "cases_case_search" in plan, plan
    assert "cases_message_search" in plan, plan
    assert [c.description for c in cases] == ["case 4321 quokka"]


def test_at_risk_is_a_running_clock_past_its_warning_not_yet_breached(
    alice: Persona, bob: Persona
) -> None:
    case = open_case(alice)
    first = next(c for c in case["clocks"] if c["metric"] == "first_response")
    warn = first["warn_at"]
    assert warn is not None
    from datetime import datetime

    warn_at = datetime.fromisoformat(warn)
    due_at = datetime.fromisoformat(first["due_at"])

    def listed(at: datetime, **params: Any) -> set[int]:
        with time_machine.travel(at, tick=False):
            return found(bob, "", **params)

    ids = {case["id"]}
    assert listed(warn_at - timedelta(seconds=1), at_risk="true") == set()
    assert listed(warn_at - timedelta(seconds=1), at_risk="false") == ids
    assert listed(warn_at, at_risk="true") == ids
    assert listed(due_at - timedelta(seconds=1), at_risk="true") == ids
    assert listed(due_at, at_risk="true") == set()
    assert listed(due_at, at_risk="false") == ids
