"""Chat personas: Initech on LivePerson Standard (chat and messaging for every user, R1), its
contact Ida, and the engineer Bob; Acme (LiveOps Standard: no chat) for refusals."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from casework.accounts.models import ContactRole, Organization
from casework.accounts.services import organization_create, user_create
from tests.cases.conftest import SINCE, acme, alice, bob, eve, globex, packs, persona, smtp

__all__ = ["acme", "alice", "bob", "eve", "globex", "packs", "persona", "smtp"]


IDA_PASSWORD = "ida-secret-1"  # noqa: S105 - a test login


@pytest.fixture
def initech(packs: None) -> Organization:
    return organization_create(
        name="Initech", policy_id="liveperson", plan_id="standard", effective_from=SINCE,
        time_zone="Europe/Berlin",
    )  # fmt: skip


@pytest.fixture
def ida(initech: Organization) -> User:
    """A contact (a plain user: R27 keeps tickets from her, not chat)."""
    user = user_create(
        username="ida", email="ida@initech.test", role="contact", organization=initech,
        contact_role=ContactRole.USER, password=IDA_PASSWORD,
    )  # fmt: skip
    user.first_name, user.last_name = "Ida", "Lund"
    user.save(update_fields=["first_name", "last_name"])
    return user


@pytest.fixture
def hooli(packs: None) -> Organization:
    """Another LivePerson organisation, whose contact must never see Initech's chat."""
    return organization_create(
        name="Hooli", policy_id="liveperson", plan_id="standard", effective_from=SINCE
    )
