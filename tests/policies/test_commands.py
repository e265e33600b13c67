"""`casework policy check|load|render` as a user runs them: the installed entry point."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.policies.conftest import PACKS


def casework(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("casework") or str(Path(sys.executable).parent / "casework")
    return subprocess.run(  # noqa: S603 - our own entry point with fixed arguments
        [exe, *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )


def test_check_accepts_both_packs() -> None:
    for pack in ("liveops", "liveperson"):
        result = casework("policy", "check", str(PACKS / f"{pack}.yaml"))
        assert result.returncode == 0, result.stderr
        assert "ok" in result.stdout


def test_check_prints_file_and_line_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    text = (PACKS / "liveops.yaml").read_text(encoding="utf-8")
    bad.write_text(text.replace("first_response: 8h # R60", "first_response: 8x # R60", 1))
    line = 1 + next(i for i, row in enumerate(bad.read_text().splitlines()) if "8x" in row)
    result = casework("policy", "check", str(bad))
    assert result.returncode == 1
    assert result.stderr.startswith(f"{bad}:{line}: ")
    assert "Traceback" not in result.stderr


def test_check_of_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    result = casework("policy", "check", str(tmp_path / "nope.yaml"))
    assert result.returncode == 1
    assert "cannot read the file" in result.stderr


def test_load_then_reload_then_render_through_the_cli(tmp_path: Path) -> None:
    env = {**os.environ, "CASEWORK_VAR_DIR": str(tmp_path), "DATABASE_URL": ""}
    env.pop("DATABASE_URL")
    assert casework("migrate", "-v0", env=env).returncode == 0
    pack = str(PACKS / "liveops.yaml")
    first = casework("policy", "load", pack, env=env)
    assert first.returncode == 0, first.stderr
    assert "loaded liveops version 1" in first.stdout
    again = casework("policy", "load", pack, env=env)
    assert "unchanged: liveops version 1" in again.stdout
    md = casework("policy", "render", "liveops", "--format", "md", env=env)
    assert md.returncode == 0
    assert md.stdout.startswith("# LiveOps Support")
    assert "| Time to open | Within 2 hours | Within 8 hours | Within 24 hours |" in md.stdout
    html = casework("policy", "render", "liveops", "--format", "html", env=env)
    assert "<h1>LiveOps Support</h1>" in html.stdout
    missing = casework("policy", "render", "nope", env=env)
    assert missing.returncode != 0
    assert "no loaded policy 'nope'" in missing.stderr


@pytest.mark.django_db
def test_render_in_process_matches_the_page(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("policy", "load", str(PACKS / "liveperson.yaml"))
    call_command("policy", "render", "liveperson")
    out = capsys.readouterr().out
    assert "| First response | Within 1 hour | Within 3 hours | Within 3 business days |" in out
