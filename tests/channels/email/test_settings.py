"""The email channel's settings: the size limit, what an unknown sender's mail does, the
reply address and the SMTP listener's limits."""

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


def test_unknown_senders_are_held_or_answered_and_no_other_choice_starts(tmp_path: Path) -> None:
    assert settings.CASEWORK_EMAIL_UNKNOWN_SENDER == "hold"
    refused = settings_import({"CASEWORK_EMAIL_UNKNOWN_SENDER": "reply"}, tmp_path)
    assert refused.returncode != 0
    assert "CASEWORK_EMAIL_UNKNOWN_SENDER='reply'" in refused.stderr
    for choice in ("hold", "answer"):
        started = settings_import({"CASEWORK_EMAIL_UNKNOWN_SENDER": choice}, tmp_path)
        assert started.stdout == "ok\n", started.stderr


def test_the_answer_interval_must_be_positive_and_the_reply_address_an_address(
    tmp_path: Path,
) -> None:
    assert settings.CASEWORK_EMAIL_ANSWER_INTERVAL_SECONDS == 24 * 3600
    zero = settings_import({"CASEWORK_EMAIL_ANSWER_INTERVAL_SECONDS": "0"}, tmp_path)
    assert "CASEWORK_EMAIL_ANSWER_INTERVAL_SECONDS" in zero.stderr
    assert settings.CASEWORK_EMAIL_REPLY_TO == ""
    not_one = settings_import({"CASEWORK_EMAIL_REPLY_TO": "support"}, tmp_path)
    assert "CASEWORK_EMAIL_REPLY_TO='support'" in not_one.stderr
    ok = settings_import({"CASEWORK_EMAIL_REPLY_TO": "support@example.com"}, tmp_path)
    assert ok.stdout == "ok\n", ok.stderr


def test_the_smtp_limits_default_to_60_messages_in_10_minutes() -> None:
    assert settings.CASEWORK_SMTP_RATE_LIMIT == 60
    assert settings.CASEWORK_SMTP_RATE_WINDOW_SECONDS == 600
