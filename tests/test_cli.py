"""The installed `casework` command (SPEC §4): help, and dispatch to management commands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CASEWORK = Path(sys.executable).parent / "casework"


def run(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["CASEWORK_VAR_DIR"] = str(tmp_path / "var")
    return subprocess.run(  # noqa: S603 - the project's own console script
        [str(CASEWORK), *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_casework_help_lists_the_commands(tmp_path: Path) -> None:
    done = run("--help", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: casework <command>")
    listed = {line.split()[0] for line in done.stdout.splitlines() if line.startswith("  ")}
    assert {"demo", "serve", "migrate"} <= listed


@pytest.mark.parametrize(
    ("command", "options"),
    [("demo", ["--port", "--no-demo-data"]), ("serve", ["--host", "--port"])],
)
def test_each_command_has_its_own_help(command: str, options: list[str], tmp_path: Path) -> None:
    done = run(command, "--help", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    for option in options:
        assert option in done.stdout


def test_other_arguments_go_to_the_django_command_of_that_name(tmp_path: Path) -> None:
    done = run("migrate", "--plan", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "policies.0001_policy_version" in done.stdout
    assert run("no-such-command", tmp_path=tmp_path).returncode != 0
