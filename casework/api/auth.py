"""Bearer-token authentication for the API: ``Authorization: Bearer <token>`` (SPEC §4).

Use it on a router or an operation (``Router(auth=BearerTokenAuth())``); django-ninja then
answers 401 when the header is missing, uses another scheme, or carries a token that does
not authenticate, and otherwise sets ``request.auth`` to the ``User``. What that user may
see is decided by ``casework.accounts.selectors.user_organization`` / ``user_role``.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer

from casework.accounts.selectors import user_role
from casework.accounts.services import token_authenticate


class BearerTokenAuth(HttpBearer):
    """Authenticates API tokens made by ``casework token create``; ``request.auth`` is the user.

    Unknown, revoked and malformed tokens, inactive users and users with no role all fail
    alike (401), so a caller learns nothing about which it was.
    """

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        """The token's user, or None to refuse (see ``token_authenticate``)."""
        return token_authenticate(token)


class RoleAuth(BearerTokenAuth):
    """A bearer token whose user must hold one of ``roles``: 401 as above without one, 403
    for another role. It is checked before the body is read, so a caller who may not make
    the change learns nothing from validating a payload."""

    def __init__(self, roles: frozenset[str], reason: str) -> None:
        super().__init__()
        self.roles = roles
        self.reason = reason

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        """The token's user when their role is one of ``roles``; 403 when it is another."""
        user = super().authenticate(request, token)
        if user is not None and user_role(user) not in self.roles:
            raise HttpError(403, self.reason)
        return user
