"""`casework token create USERNAME` (prints only the token), `token list`, `token revoke`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from casework.accounts.models import TOKEN_PREFIX_LENGTH
from casework.accounts.selectors import token_list_for_user, user_get_by_username
from casework.accounts.services import token_create, token_revoke


class Command(BaseCommand):
    """Create, list and revoke API tokens."""

    help = "Manage API tokens (create USERNAME | list USERNAME | revoke USERNAME PREFIX)."

    def add_arguments(self, parser: CommandParser) -> None:
        """Three subcommands: create USERNAME [--name], list USERNAME, revoke USERNAME PREFIX."""
        sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        create = sub.add_parser("create", help="make a token for USERNAME; print only the token")
        create.add_argument("username", metavar="USERNAME")
        create.add_argument("--name", default="cli", help="what the token is for (default: cli)")
        listing = sub.add_parser("list", help="USERNAME's tokens: prefix, name, dates")
        listing.add_argument("username", metavar="USERNAME")
        revoke = sub.add_parser("revoke", help="revoke USERNAME's token that starts with PREFIX")
        revoke.add_argument("username", metavar="USERNAME")
        revoke.add_argument("prefix", metavar="PREFIX")

    def handle(self, *args: Any, **options: Any) -> None:
        """Dispatch to the subcommand."""
        user = self._user(options["username"])
        match options["action"]:
            case "create":
                self._create(user, options["name"])
            case "list":
                self._list(user)
            case _:
                self._revoke(user, options["prefix"])

    def _user(self, username: str) -> User:
        try:
            return user_get_by_username(username)
        except User.DoesNotExist:
            raise CommandError(f"USERNAME: no user named {username!r}") from None

    def _create(self, user: User, name: str) -> None:
        if not user.is_active:
            raise CommandError(f"USERNAME: user {user.username!r} is inactive")
        _token, plaintext = token_create(user=user, name=name)
        self.stdout.write(plaintext)

    def _list(self, user: User) -> None:
        for token in token_list_for_user(user):
            used = token.last_used_at.isoformat() if token.last_used_at else "never used"
            revoked = f"revoked {token.revoked_at.isoformat()}" if token.revoked_at else "active"
            created = token.created_at.isoformat()
            self.stdout.write(f"{token.prefix}  {token.name}  {created}  {used}  {revoked}")

    def _revoke(self, user: User, prefix: str) -> None:
        active = [
            token
            for token in token_list_for_user(user)
            # The whole token works too: its first 8 characters are the stored prefix.
            if not token.is_revoked and token.prefix.startswith(prefix[:TOKEN_PREFIX_LENGTH])
        ]
        if not active:
            raise CommandError(f"PREFIX: {user.username!r} has no active token {prefix!r}")
        if len(active) > 1:
            raise CommandError(f"PREFIX: {prefix!r} matches {len(active)} tokens; give more of it")
        token_revoke(token=active[0])
        self.stdout.write(f"revoked {active[0].prefix} ({active[0].name})")
