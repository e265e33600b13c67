"""Demo data for `casework demo`: a login for each of the three personas."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction


@dataclass(frozen=True, slots=True)
class DemoLogin:
    """A username, its fresh password and who the persona is."""

    username: str
    password: str
    role: str


# username, persona, is_staff, is_superuser
_PERSONAS = (
    ("agent", "support engineer", True, False),
    ("manager", "support manager (admin)", True, True),
    ("contact", "customer contact", False, False),
)


@transaction.atomic
def demo_logins_create() -> list[DemoLogin]:
    """Create the demo users, or reset their passwords if they exist; return the logins.

    Passwords are random and new on every call, so a demo database never keeps a
    guessable password.
    """
    user_model = get_user_model()
    logins = []
    for username, role, is_staff, is_superuser in _PERSONAS:
        user, _ = user_model.objects.get_or_create(
            username=username,
            defaults={
                "email": f"{username}@demo.casework.test",
                "is_staff": is_staff,
                "is_superuser": is_superuser,
            },
        )
        password = secrets.token_urlsafe(12)
        user.set_password(password)
        user.save(update_fields=["password"])
        logins.append(DemoLogin(username=username, password=password, role=role))
    return logins
