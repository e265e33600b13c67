"""The email channel's settings: the size limit and what an unknown sender's mail does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from casework.channels.email import EMAIL


def settings_import(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    clean = dict(os.environ) | {"DJANGO_SETTINGS_MODULE": "casework.settings"} | env
    clean["CASEWORK_VAR_DIR"] = str(tmp_path / "var")
    script = "import django; django.setup(); print('ok')"
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", script], env=clean, capture_output=True, text=True, check=False
    )


def test_the_email_size_limit_defaults_to_25_mb_and_the_channel_reads_it() -> None:
    assert settings.CASEWORK_EMAIL_MAX_BYTES == 25 * 1024 * 1024
    assert EMAIL.max_bytes == settings.CASEWORK_EMAIL_MAX_BYTES


def test_unknown_senders_are_held_and_no_other_choice_starts(tmp_path: Path) -> None:
    assert settings.CASEWORK_EMAIL_UNKNOWN_SENDER == "hold"
    refused = settings_import({"CASEWORK_EMAIL_UNKNOWN_SENDER": "reply"}, tmp_path)
    assert refused.returncode != 0
    assert "CASEWORK_EMAIL_UNKNOWN_SENDER='reply'" in refused.stderr
    assert settings_import({"CASEWORK_EMAIL_UNKNOWN_SENDER": "hold"}, tmp_path).stdout == "ok\n"
