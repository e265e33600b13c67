"""casework/settings.py: its helpers, its database choice, and docs/configuration.md."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import dj_database_url
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from casework import settings as casework_settings
from casework.accounts.selectors import token_find
from casework.settings import (
    env_bool,
    env_int,
    env_list,
    env_secret,
    env_secrets_prefixed,
    env_str,
    generated_secret_key,
)

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ROOT / "casework" / "settings.py"
CONFIGURATION_DOC = ROOT / "docs" / "configuration.md"


def variables_read_by_settings() -> set[str]:
    """Names passed to the env_* helpers in settings.py, with NAME_FILE for each secret."""
    names = set()
    for node in ast.walk(ast.parse(SETTINGS.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id.startswith("env_")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value)
            if node.func.id == "env_secret":
                names.add(f"{node.args[0].value}_FILE")
    return names


def variables_documented() -> set[str]:
    """Names in the first column of the table in docs/configuration.md."""
    rows = re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", CONFIGURATION_DOC.read_text(), re.MULTILINE)
    return set(rows)


def test_every_variable_settings_reads_is_documented_and_nothing_more() -> None:
    read = variables_read_by_settings()
    assert "DATABASE_URL" in read
    assert read == variables_documented()


def test_settings_read_the_environment_only_through_the_helpers() -> None:
    tree = ast.parse(SETTINGS.read_text(encoding="utf-8"))
    helpers = {
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("env_")
    }
    outside = [
        node.lineno
        for top in tree.body
        if not (isinstance(top, ast.FunctionDef) and top.name in helpers)
        for node in ast.walk(top)
        if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv"}
    ]
    assert outside == []


def test_env_bool_reads_the_usual_spellings(monkeypatch: pytest.MonkeyPatch) -> None:
    for raw, expected in [("1", True), ("TRUE", True), ("on", True), ("no", False), ("", False)]:
        monkeypatch.setenv("CASEWORK_TEST_FLAG", raw)
        assert env_bool("CASEWORK_TEST_FLAG", not expected) is expected
    monkeypatch.delenv("CASEWORK_TEST_FLAG")
    assert env_bool("CASEWORK_TEST_FLAG", True) is True


def test_env_bool_refuses_anything_else_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CASEWORK_TEST_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="CASEWORK_TEST_FLAG='maybe'"):
        env_bool("CASEWORK_TEST_FLAG", False)


def test_env_int_and_env_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEWORK_TEST_NUMBER", "42")
    assert env_int("CASEWORK_TEST_NUMBER", 1) == 42
    monkeypatch.setenv("CASEWORK_TEST_NUMBER", "4 2")
    with pytest.raises(ImproperlyConfigured, match="expected a whole number"):
        env_int("CASEWORK_TEST_NUMBER", 1)
    monkeypatch.setenv("CASEWORK_TEST_LIST", " a.example, ,b.example ")
    assert env_list("CASEWORK_TEST_LIST", "") == ["a.example", "b.example"]
    assert env_str("CASEWORK_TEST_UNSET", "fallback") == "fallback"


def test_env_secret_reads_the_variable_or_its_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("CASEWORK_TEST_SECRET_FILE", raising=False)
    monkeypatch.setenv("CASEWORK_TEST_SECRET", "from-env")
    assert env_secret("CASEWORK_TEST_SECRET") == "from-env"

    secret_file = tmp_path / "secret"
    secret_file.write_text("from-file\n")
    monkeypatch.delenv("CASEWORK_TEST_SECRET")
    monkeypatch.setenv("CASEWORK_TEST_SECRET_FILE", str(secret_file))
    assert env_secret("CASEWORK_TEST_SECRET") == "from-file"

    monkeypatch.setenv("CASEWORK_TEST_SECRET", "from-env")
    with pytest.raises(ImproperlyConfigured, match="not both"):
        env_secret("CASEWORK_TEST_SECRET")

    monkeypatch.delenv("CASEWORK_TEST_SECRET")
    monkeypatch.setenv("CASEWORK_TEST_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="CASEWORK_TEST_SECRET_FILE="):
        env_secret("CASEWORK_TEST_SECRET")


def test_env_secrets_prefixed_reads_every_variable_of_the_prefix_or_its_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret_file = tmp_path / "second"
    secret_file.write_text("from-file\n")
    monkeypatch.setenv("CASEWORK_TEST_PW_FIRST", "from-env")
    monkeypatch.setenv("CASEWORK_TEST_PW_SECOND_FILE", str(secret_file))
    monkeypatch.setenv("CASEWORK_TEST_OTHER", "not this one")
    assert env_secrets_prefixed("CASEWORK_TEST_PW_") == {
        "CASEWORK_TEST_PW_FIRST": "from-env",
        "CASEWORK_TEST_PW_SECOND": "from-file",
    }
    monkeypatch.setenv("CASEWORK_TEST_PW_SECOND", "both")
    with pytest.raises(ImproperlyConfigured, match="CASEWORK_TEST_PW_SECOND or"):
        env_secrets_prefixed("CASEWORK_TEST_PW_")


def test_the_generated_secret_key_is_private_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "secret_key"
    key = generated_secret_key(path)
    assert len(key) >= 50
    assert path.stat().st_mode & 0o777 == 0o600
    assert generated_secret_key(path) == key


def settings_in_a_fresh_process(env: dict[str, str], tmp_path: Path) -> dict[str, object]:
    """Import the settings in a new interpreter with ``env`` and report what they chose."""
    script = (
        "import json, django\n"
        "django.setup()\n"
        "from django.conf import settings\n"
        "from django.db import connection\n"
        "db = settings.DATABASES['default']\n"
        "report = {'engine': db['ENGINE'], 'name': str(db['NAME']),\n"
        "          'options': db.get('OPTIONS', {}), 'debug': settings.DEBUG,\n"
        "          'secret_key': settings.SECRET_KEY, 'conn_max_age': db['CONN_MAX_AGE']}\n"
        "if connection.vendor == 'sqlite':\n"
        "    with connection.cursor() as cursor:\n"
        "        cursor.execute('PRAGMA journal_mode')\n"
        "        report['journal_mode'] = cursor.fetchone()[0]\n"
        "print(json.dumps(report, default=str))\n"
    )
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    clean.update({"DJANGO_SETTINGS_MODULE": "casework.settings"}, **env)
    clean["CASEWORK_VAR_DIR"] = str(tmp_path / "var")
    done = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", script], env=clean, capture_output=True, text=True, check=True
    )
    report: dict[str, object] = json.loads(done.stdout)
    return report


def test_without_database_url_the_database_is_sqlite_in_wal_mode_under_var(
    tmp_path: Path,
) -> None:
    report = settings_in_a_fresh_process({}, tmp_path)
    assert report["engine"] == "django.db.backends.sqlite3"
    assert report["name"] == str(tmp_path / "var" / "casework.sqlite3")
    assert report["journal_mode"] == "wal"
    options = report["options"]
    assert isinstance(options, dict)
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] == 20
    assert report["conn_max_age"] == 600  # each thread keeps its connection
    assert report["debug"] is False
    assert report["secret_key"] == (tmp_path / "var" / "secret_key").read_text().strip()


def test_database_url_selects_postgresql(tmp_path: Path) -> None:
    url = "postgres://casework:pw@db.example:5433/helpdesk"
    report = settings_in_a_fresh_process({"DATABASE_URL": url, "SECRET_KEY": "k" * 50}, tmp_path)
    assert report["engine"] == "django.db.backends.postgresql"
    assert report["name"] == "helpdesk"
    assert report["secret_key"] == "k" * 50
    assert report["options"] == {
        "pool": {"min_size": 1, "max_size": 8, "timeout": 30},
        "server_side_binding": True,
        "prepare_threshold": 2,
    }


def test_the_postgresql_pool_can_be_sized_or_turned_off(tmp_path: Path) -> None:
    url = "postgres://casework:pw@db.example:5433/helpdesk"
    env = {"DATABASE_URL": url, "SECRET_KEY": "k" * 50, "CASEWORK_DB_POOL_MAX_SIZE": "20",
           "CASEWORK_DB_POOL_TIMEOUT": "5"}  # fmt: skip
    sized = settings_in_a_fresh_process(env | {"CASEWORK_DB_PREPARE_THRESHOLD": "0"}, tmp_path)
    assert sized["options"] == {"pool": {"min_size": 1, "max_size": 20, "timeout": 5}}
    env |= {"CASEWORK_DB_POOL_MAX_SIZE": "0", "CASEWORK_DB_CONN_MAX_AGE": "60"}
    off = settings_in_a_fresh_process(env, tmp_path)
    assert off["options"] == {"server_side_binding": True, "prepare_threshold": 2}
    assert off["conn_max_age"] == 60


@pytest.mark.django_db
def test_on_postgresql_repeated_statements_become_prepared_statements() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's; this run is on SQLite")

    for _ in range(3):
        token_find("cw_" + "x" * 40)
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any("accounts_apitoken" in statement for statement in prepared)


# The databases casework supports, by Django engine, with the vendor name Django reports.
VENDORS = {"django.db.backends.postgresql": "postgresql", "django.db.backends.sqlite3": "sqlite"}


@pytest.mark.django_db
def test_the_suite_runs_on_the_database_that_database_url_names() -> None:
    url = os.environ.get("DATABASE_URL")
    engine = dj_database_url.parse(url)["ENGINE"] if url else "django.db.backends.sqlite3"
    assert connection.vendor == VENDORS[engine]
    assert casework_settings.DATABASES["default"]["ENGINE"] == engine
