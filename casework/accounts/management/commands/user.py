"""`casework user create USERNAME --email E --role ROLE [--org NAME] [--tier T] [--phone P]`."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework.accounts.management.cli import fail
from casework.accounts.models import USER_ROLES, ContactRole, Organization, Tier
from casework.accounts.selectors import organization_get_by_name
from casework.accounts.services import user_create
from casework.api.errors import FieldError

LABELS = {
    "username": "USERNAME",
    "email": "--email",
    "role": "--role",
    "organization": "--org",
    "tier": "--tier",
    "contact_role": "--contact-role",
    "phone": "--phone",
}


class Command(BaseCommand):
    """Create logins: customer contacts and support staff."""

    help = "Create a user: a customer contact or staff (create USERNAME --email E --role ROLE)."

    def add_arguments(self, parser: CommandParser) -> None:
        """One subcommand: create USERNAME --email E --role ROLE [--org] [--tier] ..."""
        sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        create = sub.add_parser("create", help="create a user; print only its id")
        create.add_argument("username", metavar="USERNAME")
        create.add_argument("--email", required=True, metavar="E")
        # Checked by the service, not by argparse, so a wrong role is one line and exit 1.
        create.add_argument("--role", required=True, help=f"one of: {', '.join(USER_ROLES)}")
        create.add_argument("--org", metavar="NAME", help="the organisation (contacts only)")
        create.add_argument(
            "--tier", help=f"{'|'.join(Tier.values)} for staff (engineer, lead: default L1)"
        )
        create.add_argument(
            "--contact-role",
            default=ContactRole.USER.value,
            help=f"a contact's role in the organisation: {', '.join(ContactRole.values)}",
        )
        create.add_argument(
            "--phone", default="", metavar="E164", help="a contact's caller id, e.g. +15551234"
        )
        create.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password from the first line of standard input "
            "(without it the user signs in with API tokens only)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Create the user and print its id."""
        organization = self._organization(options["org"])
        password = self._password() if options["password_stdin"] else None
        try:
            user = user_create(
                username=options["username"],
                email=options["email"],
                role=options["role"],
                organization=organization,
                tier=options["tier"],
                contact_role=options["contact_role"],
                password=password,
                phone=options["phone"],
            )
        except FieldError as error:
            fail(error, LABELS)
        self.stdout.write(str(user.pk))

    def _organization(self, name: str | None) -> Organization | None:
        if name is None:
            return None
        try:
            return organization_get_by_name(name)
        except Organization.DoesNotExist:
            raise CommandError(f"--org: no organization {name!r}") from None

    def _password(self) -> str:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise CommandError("--password-stdin: standard input holds no password")
        return password
