"""Cases for the report tests, opened at controlled instants before ``AT`` so that each one's
clocks are where a test needs them: at risk (past the warning threshold), breached, or fine.

Acme is on LiveOps Standard (24x7 calendar, warning at 75 %): a P2 case's first response is
due 8 hours after opening and at risk from 6 hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from casework.accounts.models import Organization
from casework.accounts.services import organization_create, user_create
from casework.cases.models import Case
from casework.cases.services import CaseDraft, case_open
from casework.policies.services import policy_version_load

PACKS = Path(__file__).resolve().parents[2] / "policy-packs"
AT = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)


@pytest.fixture
def acme(db: None) -> Organization:
    path = PACKS / "liveops.yaml"
    policy_version_load(text=path.read_text(encoding="utf-8"), filename=str(path))
    return organization_create(
        name="Acme", policy_id="liveops", plan_id="standard",
        effective_from=datetime(2026, 1, 1, tzinfo=UTC),
    )  # fmt: skip


def open_p2(organization: Organization, subject: str, *, hours_ago: float) -> Case:
    """A P2 production case opened ``hours_ago`` before ``AT``."""
    draft = CaseDraft(
        organization=organization, subject=subject, environment="production", priority="P2"
    )
    return case_open(draft=draft, requester=None, at=AT - timedelta(hours=hours_ago))


@pytest.fixture
def cases(acme: Organization) -> dict[str, Case]:
    """``risk`` opened 7 h before AT (at risk), ``late`` 9 h (breached), ``fresh`` 1 h (fine)."""
    return {
        "risk": open_p2(acme, "Calls drop after 30 s", hours_ago=7),
        "late": open_p2(acme, "Reports are empty", hours_ago=9),
        "fresh": open_p2(acme, "A typo on the login page", hours_ago=1),
    }


@pytest.fixture
def engineer(db: None) -> User:
    return user_create(username="bob", email="bob@support.test", role="engineer")
