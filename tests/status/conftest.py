"""Personas for status tests: a LivePerson customer on Enhanced (Standard's Sev1 figures:
1 h response, 2 h periodic updates, a preliminary RCA within 3 business days, R19–R21) whose
service account runs on a component, a NOC operator with an API token, and a second customer
on another component."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from casework.accounts.models import ContactRole, Organization, ServiceAccount
from casework.accounts.services import organization_create, user_create
from casework.status.models import Component
from casework.status.services import component_accounts_set, component_create
from tests.cases.conftest import SINCE, Persona, bob, packs, persona, smtp

__all__ = ["bob", "packs", "smtp"]

# A Tuesday in December: no DST change, no US holiday.
T0 = datetime(2026, 12, 8, 15, 0, tzinfo=UTC)


@pytest.fixture
def umbrella(packs: None) -> Organization:
    organization = organization_create(
        name="Umbrella", policy_id="liveperson", plan_id="enhanced", effective_from=SINCE,
        time_zone="America/New_York",
    )  # fmt: skip
    ServiceAccount.objects.create(
        organization=organization, name="Umbrella main", hosting_region="na"
    )
    return organization


@pytest.fixture
def initech(packs: None) -> Organization:
    organization = organization_create(
        name="Initech", policy_id="liveperson", plan_id="standard", effective_from=SINCE
    )
    ServiceAccount.objects.create(organization=organization, name="Initech EU", hosting_region="eu")
    return organization


@pytest.fixture
def carol(umbrella: Organization) -> Persona:
    """A contact (administrator: may open tickets, R27) of Umbrella."""
    return persona(
        user_create(
            username="carol", email="carol@umbrella.test", role="contact", organization=umbrella,
            contact_role=ContactRole.ADMINISTRATOR,
        )
    )  # fmt: skip


@pytest.fixture
def nora(packs: None) -> Persona:
    """A NOC operator."""
    return persona(user_create(username="nora", email="nora@support.test", role="noc"))


@pytest.fixture
def messaging(umbrella: Organization) -> Component:
    """The component Umbrella's account runs on (region na)."""
    component = component_create(name="Messaging (NA)", group="Conversational Cloud", region="na")
    component_accounts_set(component=component, accounts=umbrella.service_accounts.all())
    return component


@pytest.fixture
def reporting(initech: Organization) -> Component:
    """Another component, Initech's (region eu)."""
    component = component_create(name="Reporting (EU)", group="Analytics", region="eu")
    component_accounts_set(component=component, accounts=initech.service_accounts.all())
    return component
