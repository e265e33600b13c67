"""Full-text search over case subjects, descriptions and message bodies (``casework.cases.search``).

PostgreSQL: a stored generated ``search`` tsvector column on ``cases_case`` and on
``cases_message``, each with a GIN index; the database keeps them current on every write.
The indexes skip GIN's pending list (``fastupdate = off``): each insert pays a little more,
and a search never has to scan unmerged entries after a burst of writes.
SQLite: two external-content FTS5 tables (``cases_case_fts``, ``cases_message_fts``) kept current
by triggers, so bulk inserts and every service write them alike. Each operation is a no-op on
the other database.
"""

from __future__ import annotations

from django.db import migrations

POSTGRES_FORWARD = [
    """ALTER TABLE cases_case ADD COLUMN search tsvector GENERATED ALWAYS AS (
        to_tsvector('english'::regconfig, coalesce(subject, '') || ' ' || coalesce(description, ''))
    ) STORED""",
    "CREATE INDEX cases_case_search ON cases_case USING gin (search) WITH (fastupdate = off)",
    """ALTER TABLE cases_message ADD COLUMN search tsvector GENERATED ALWAYS AS (
        to_tsvector('english'::regconfig, coalesce(body, ''))
    ) STORED""",
    "CREATE INDEX cases_message_search ON cases_message USING gin (search) WITH (fastupdate = off)",
]
POSTGRES_BACKWARD = [
    "ALTER TABLE cases_message DROP COLUMN search",
    "ALTER TABLE cases_case DROP COLUMN search",
]

SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE cases_case_fts USING fts5(
        subject, description, content='cases_case', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    )""",
    """CREATE TRIGGER cases_case_fts_insert AFTER INSERT ON cases_case BEGIN
        INSERT INTO cases_case_fts(rowid, subject, description)
        VALUES (new.id, new.subject, new.description);
    END""",
    """CREATE TRIGGER cases_case_fts_update AFTER UPDATE OF subject, description ON cases_case
    BEGIN
        INSERT INTO cases_case_fts(cases_case_fts, rowid, subject, description)
        VALUES ('delete', old.id, old.subject, old.description);
        INSERT INTO cases_case_fts(rowid, subject, description)
        VALUES (new.id, new.subject, new.description);
    END""",
    """CREATE TRIGGER cases_case_fts_delete AFTER DELETE ON cases_case BEGIN
        INSERT INTO cases_case_fts(cases_case_fts, rowid, subject, description)
        VALUES ('delete', old.id, old.subject, old.description);
    END""",
    """CREATE VIRTUAL TABLE cases_message_fts USING fts5(
        body, content='cases_message', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    )""",
    """CREATE TRIGGER cases_message_fts_insert AFTER INSERT ON cases_message BEGIN
        INSERT INTO cases_message_fts(rowid, body) VALUES (new.id, new.body);
    END""",
    """CREATE TRIGGER cases_message_fts_update AFTER UPDATE OF body ON cases_message BEGIN
        INSERT INTO cases_message_fts(cases_message_fts, rowid, body)
        VALUES ('delete', old.id, old.body);
        INSERT INTO cases_message_fts(rowid, body) VALUES (new.id, new.body);
    END""",
    """CREATE TRIGGER cases_message_fts_delete AFTER DELETE ON cases_message BEGIN
        INSERT INTO cases_message_fts(cases_message_fts, rowid, body)
        VALUES ('delete', old.id, old.body);
    END""",
    # Rows that existed before this migration.
    "INSERT INTO cases_case_fts(cases_case_fts) VALUES ('rebuild')",
    "INSERT INTO cases_message_fts(cases_message_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER cases_message_fts_delete",
    "DROP TRIGGER cases_message_fts_update",
    "DROP TRIGGER cases_message_fts_insert",
    "DROP TABLE cases_message_fts",
    "DROP TRIGGER cases_case_fts_delete",
    "DROP TRIGGER cases_case_fts_update",
    "DROP TRIGGER cases_case_fts_insert",
    "DROP TABLE cases_case_fts",
]


class VendorRunSQL(migrations.RunSQL):
    """``RunSQL`` that runs only on one database vendor (``connection.vendor``), else a no-op."""

    def __init__(self, vendor, sql, reverse_sql):
        super().__init__(sql, reverse_sql, elidable=False)
        self.vendor = vendor

    def deconstruct(self):
        name, args, kwargs = super().deconstruct()
        kwargs.pop("elidable", None)
        return name, [self.vendor, kwargs.pop("sql"), kwargs.pop("reverse_sql")], kwargs

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_cases_history_clocks")]

    operations = [
        VendorRunSQL("postgresql", POSTGRES_FORWARD, POSTGRES_BACKWARD),
        VendorRunSQL("sqlite", SQLITE_FORWARD, SQLITE_BACKWARD),
    ]
