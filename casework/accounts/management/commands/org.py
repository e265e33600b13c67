"""`casework org create NAME --policy ID --plan ID`: a customer organisation and its plan."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from casework.accounts.management.cli import fail
from casework.accounts.models import CaseVisibility
from casework.accounts.services import organization_create
from casework.api.errors import FieldError

LABELS = {
    "name": "NAME",
    "policy": "--policy",
    "plan": "--plan",
    "time_zone": "--time-zone",
    "hosting_region": "--region",
    "case_visibility": "--case-visibility",
}


class Command(BaseCommand):
    """Create organisations (customers) subscribed to a plan of a loaded policy."""

    help = "Create a customer organisation on a plan (create NAME --policy ID --plan ID)."

    def add_arguments(self, parser: CommandParser) -> None:
        """One subcommand: create NAME --policy ID --plan ID [--time-zone] [--region] ..."""
        sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        create = sub.add_parser(
            "create", help="create organisation NAME on a plan; print only its id"
        )
        create.add_argument("name", metavar="NAME")
        create.add_argument("--policy", required=True, metavar="ID", help="a loaded policy's id")
        create.add_argument("--plan", required=True, metavar="ID", help="a plan of that policy")
        create.add_argument("--time-zone", default="UTC", help="IANA name (default: UTC)")
        create.add_argument("--region", default="", help="hosting region, e.g. us or eu")
        create.add_argument(
            "--case-visibility",
            default=CaseVisibility.ACCOUNT.value,
            help=f"who sees all the organisation's cases (R30): {', '.join(CaseVisibility)}",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Create the organisation and print its id."""
        try:
            organization = organization_create(
                name=options["name"],
                policy_id=options["policy"],
                plan_id=options["plan"],
                time_zone=options["time_zone"],
                hosting_region=options["region"],
                case_visibility=options["case_visibility"],
            )
        except FieldError as error:
            fail(error, LABELS)
        self.stdout.write(str(organization.pk))
