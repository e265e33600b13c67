"""Sign-in for the web pages: a username or an email address, and a password."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import User
from django.http import HttpRequest


class UsernameOrEmailBackend(ModelBackend):
    """Django's model backend, also accepting the (case-insensitive) email address in the
    username field. An address shared by several users signs in none of them by address."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        """The user whose username, or else unique email address, and password match."""
        if username and "@" in username and not User.objects.filter(username=username).exists():
            matches = list(User.objects.filter(email__iexact=username.strip())[:2])
            if len(matches) != 1:
                User().set_password(password)  # the same work as a real check (timing)
                return None
            username = matches[0].username
        user: User | None = super().authenticate(
            request, username=username, password=password, **kwargs
        )
        return user
