"""Full-text search over cases: subjects, descriptions and message bodies, through a real index.

PostgreSQL reads the stored ``search`` tsvector columns of ``cases_case`` and ``cases_message``
through their GIN indexes; SQLite reads the FTS5 tables ``cases_case_fts`` and
``cases_message_fts``. Migration ``cases.0002_search_index`` creates both, and the database
keeps them current (a generated column on PostgreSQL, triggers on SQLite), so every writer,
bulk inserts included, is indexed. Nothing here scans text with ``LIKE``.

Migrations beware: on SQLite, an operation that remakes ``cases_case`` or ``cases_message``
(an ``AddField`` with a default, most ``AlterField``s) drops their triggers. So after every
``migrate`` :func:`sqlite_index_ensure` puts back any trigger that is missing and then
rebuilds the FTS tables from the rows (``CasesConfig.ready`` connects it to
``post_migrate``). On PostgreSQL a column the generated ``search`` column reads
(``subject``, ``description``, ``body``) cannot change type while it exists: such a
migration must drop and re-create it (see ``0002_search_index``).
``tests/cases/test_search.py`` fails if the triggers or indexes are missing.

The query is the words of ``q`` (letters and digits), each stemmed (English on PostgreSQL,
Porter on SQLite), all of which must appear in one document: the case's subject and
description, or one message. ``"printer jams!"`` finds a case titled "Printers jammed".
A query without a word matches nothing. PostgreSQL drops English stop words ("the"); SQLite
keeps them.
"""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.db import connection, connections
from django.db.models import QuerySet
from django.db.models.expressions import Col, RawSQL

from casework.cases.models import Case, Message

WORD = re.compile(r"\w+")
# A query's first words only: enough for any real search, and a bound on the work.
MAX_WORDS = 16


def search_words(q: str) -> list[str]:
    """The words of ``q`` that the search matches, lowercased, in order, at most MAX_WORDS."""
    return [word.lower() for word in WORD.findall(q)][:MAX_WORDS]


def _document(model: type[Case] | type[Message]) -> Col:
    # The generated column is not a model field (SQLite has no tsvector), so name it here.
    field = SearchVectorField()
    field.set_attributes_from_name("search")
    field.model = model
    return Col(model._meta.db_table, field)


def case_search(cases: QuerySet[Case], q: str, *, internal: bool) -> QuerySet[Case]:
    """``cases`` narrowed to those whose subject, description or a message body holds every
    word of ``q``. ``internal=False`` leaves out internal notes (what a contact may read)."""
    words = search_words(q)
    if not words:
        return cases.none()
    if connection.vendor == "postgresql":
        return cases.filter(pk__in=_postgres_hits(words, internal=internal))
    return cases.filter(pk__in=_sqlite_hits(words, internal=internal))


def _postgres_hits(words: list[str], *, internal: bool) -> QuerySet[Case, int]:
    query = SearchQuery(" ".join(words), config="english", search_type="plain")
    in_cases = Case.objects.alias(document=_document(Case)).filter(document=query).values_list("pk")
    messages = Message.objects.alias(document=_document(Message)).filter(document=query)
    if not internal:
        messages = messages.filter(public=True)
    return in_cases.union(messages.values_list("case_id"))  # type: ignore[return-value]


_SQLITE_HITS = (
    "SELECT rowid FROM cases_case_fts WHERE cases_case_fts MATCH %s "
    "UNION SELECT m.case_id FROM cases_message_fts f JOIN cases_message m ON m.id = f.rowid "
    "WHERE cases_message_fts MATCH %s"
)
_SQLITE_PUBLIC_HITS = _SQLITE_HITS + " AND m.public"


def _sqlite_hits(words: list[str], *, internal: bool) -> RawSQL:
    # Each word quoted as an FTS5 string, so that no input is read as query syntax; the text
    # reaches SQLite as a parameter, never inside the SQL.
    match = " ".join('"' + word.replace('"', '""') + '"' for word in words)
    sql = _SQLITE_HITS if internal else _SQLITE_PUBLIC_HITS
    return RawSQL(sql, (match, match))  # noqa: S611 - constant SQL, the words are parameters


_SQLITE_TRIGGERS = {
    "cases_case_fts_insert": """AFTER INSERT ON cases_case BEGIN
        INSERT INTO cases_case_fts(rowid, subject, description)
        VALUES (new.id, new.subject, new.description);
    END""",
    "cases_case_fts_update": """AFTER UPDATE OF subject, description ON cases_case BEGIN
        INSERT INTO cases_case_fts(cases_case_fts, rowid, subject, description)
        VALUES ('delete', old.id, old.subject, old.description);
        INSERT INTO cases_case_fts(rowid, subject, description)
        VALUES (new.id, new.subject, new.description);
    END""",
    "cases_case_fts_delete": """AFTER DELETE ON cases_case BEGIN
        INSERT INTO cases_case_fts(cases_case_fts, rowid, subject, description)
        VALUES ('delete', old.id, old.subject, old.description);
    END""",
    "cases_message_fts_insert": """AFTER INSERT ON cases_message BEGIN
        INSERT INTO cases_message_fts(rowid, body) VALUES (new.id, new.body);
    END""",
    "cases_message_fts_update": """AFTER UPDATE OF body ON cases_message BEGIN
        INSERT INTO cases_message_fts(cases_message_fts, rowid, body)
        VALUES ('delete', old.id, old.body);
        INSERT INTO cases_message_fts(rowid, body) VALUES (new.id, new.body);
    END""",
    "cases_message_fts_delete": """AFTER DELETE ON cases_message BEGIN
        INSERT INTO cases_message_fts(cases_message_fts, rowid, body)
        VALUES ('delete', old.id, old.body);
    END""",
}


def sqlite_index_ensure(using: str = "default") -> list[str]:
    """On SQLite, re-create the FTS triggers a table remake dropped and rebuild the FTS tables
    when it had to; returns the triggers re-created. A no-op elsewhere, or before
    ``0002_search_index`` has made the FTS tables."""
    db = connections[using]
    if db.vendor != "sqlite":
        return []
    with db.cursor() as cursor:
        cursor.execute("SELECT type, name FROM sqlite_master WHERE type IN ('table', 'trigger')")
        present = {(kind, name) for kind, name in cursor.fetchall()}
        if ("table", "cases_case_fts") not in present:
            return []
        missing = [name for name in _SQLITE_TRIGGERS if ("trigger", name) not in present]
        for name in missing:
            cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {name} {_SQLITE_TRIGGERS[name]}")
        if missing:
            for table in ("cases_case_fts", "cases_message_fts"):
                cursor.execute(f"INSERT INTO {table}({table}) VALUES ('rebuild')")  # noqa: S608
    return missing
