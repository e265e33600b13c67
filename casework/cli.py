"""The `casework` command: a thin dispatcher to Django's management commands.

`casework <command> [options]` runs the management command of that name with casework's
settings, exactly as `python manage.py <command>` would. `casework --help` lists casework's own
commands (those of the casework apps, plus `migrate`); every other Django command works too.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import django
from django.core.management import execute_from_command_line, get_commands, load_command_class

# Django's own commands that belong in the short list, because the README and SPEC use them.
_DJANGO_COMMANDS_LISTED = ("migrate",)


def _casework_commands() -> list[tuple[str, str]]:
    """(name, one-line help) for every command a casework app provides, plus `migrate`."""
    django.setup()
    commands = get_commands()
    names = sorted(
        name
        for name, app in commands.items()
        if app == "casework" or app.startswith("casework.") or name in _DJANGO_COMMANDS_LISTED
    )
    listed = []
    for name in names:
        text = str(load_command_class(commands[name], name).help).strip()
        listed.append((name, text.split("\n")[0]))
    return listed


def usage() -> str:
    """The text of `casework --help`."""
    commands = _casework_commands()
    width = max(len(name) for name, _ in commands)
    lines = [
        "usage: casework <command> [options]",
        "",
        "A help desk whose support policy is code. Commands:",
        "",
        *(f"  {name.ljust(width)}  {text}" for name, text in commands),
        "",
        "Run `casework <command> --help` for a command's options.",
        "Every Django management command works too: `casework help --commands` lists them all.",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the `casework` console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")
    if not args or args[0] in {"-h", "--help"}:
        sys.stdout.write(usage() + "\n")
        return
    execute_from_command_line(["casework", *args])
