"""Fixtures for accounts: both policy packs loaded, an organisation on each, a fixed instant."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from casework.accounts.models import Organization
from casework.accounts.services import organization_create
from casework.policies.services import LoadResult
from tests.policies.conftest import load_pack

AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def packs(db: None) -> dict[str, LoadResult]:
    """Both source policies, loaded through the real service."""
    return {name: load_pack(name) for name in ("liveops", "liveperson")}


@pytest.fixture
def acme(packs: dict[str, LoadResult]) -> Organization:
    """A LiveOps customer on the standard plan since AT."""
    return organization_create(
        name="Acme Corp", policy_id="liveops", plan_id="standard", effective_from=AT
    )


@pytest.fixture
def globex(packs: dict[str, LoadResult]) -> Organization:
    """A LivePerson customer on the standard plan since AT: the outsider for Acme."""
    return organization_create(
        name="Globex", policy_id="liveperson", plan_id="standard", effective_from=AT
    )
