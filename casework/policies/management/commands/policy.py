"""`casework policy check|load|render`: thin CLI over the policy engine and stored versions."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.loader import render_to_string

from casework.policies.models import PolicyVersion
from casework.policies.selectors import policy_get
from casework.policies.services import policy_version_load
from casework.policy import PolicyError, load_policy
from casework.policy.render import policy_view, render_markdown


class Command(BaseCommand):
    """Check a policy file, load it as a new version, or render a loaded one."""

    help = "Check, load or render a support policy file (check FILE | load FILE | render ID)."

    def add_arguments(self, parser: CommandParser) -> None:
        """Three subcommands: check FILE, load FILE, render ID [--format md|html]."""
        sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        check = sub.add_parser("check", help="validate FILE; print FILE:LINE: message per error")
        check.add_argument("file")
        load = sub.add_parser("load", help="store FILE as the policy's next immutable version")
        load.add_argument("file")
        render = sub.add_parser("render", help="print a loaded policy as Markdown or HTML")
        render.add_argument("policy_id", metavar="ID")
        render.add_argument("--format", choices=("md", "html"), default="md")
        render.add_argument("--version", type=int, default=None, help="stored version number")

    def handle(self, *args: Any, **options: Any) -> None:
        """Dispatch to the subcommand."""
        match options["action"]:
            case "check":
                self._check(options["file"])
            case "load":
                self._load(options["file"])
            case _:
                self._render(options["policy_id"], options["format"], options["version"])

    def _fail(self, error: PolicyError) -> None:
        for issue in error.issues:
            sys.stderr.write(f"{issue}\n")
        sys.exit(1)

    def _check(self, file: str) -> None:
        try:
            policy = load_policy(file)
        except PolicyError as error:
            self._fail(error)
            return
        plans = ", ".join(policy.plans)
        self.stdout.write(f"{file}: ok — policy {policy.id} {policy.version} (plans: {plans})")

    def _load(self, file: str) -> None:
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            sys.stderr.write(f"{file}:1: cannot read the file: {error}\n")
            sys.exit(1)
        try:
            result = policy_version_load(text=text, filename=str(path))
        except PolicyError as error:
            self._fail(error)
            return
        row = result.version
        if result.created:
            self.stdout.write(f"loaded {row.policy_id} version {row.version} ({row.label})")
        else:
            self.stdout.write(f"unchanged: {row.policy_id} version {row.version} ({row.label})")

    def _render(self, policy_id: str, fmt: str, version: int | None) -> None:
        try:
            stored = policy_get(policy_id, version=version)
        except PolicyVersion.DoesNotExist:
            raise CommandError(f"no loaded policy {policy_id!r}; load it first") from None
        if fmt == "md":
            self.stdout.write(render_markdown(stored.policy))
        else:
            context = {"view": policy_view(stored.policy), "stored": stored.row}
            self.stdout.write(render_to_string("policies/policy_page.html", context))
