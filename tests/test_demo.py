"""Demo data (casework/demo.py): organisations on both packs, one login per persona with a
fresh password each run, and open cases with running clocks."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.utils import timezone

from casework.accounts.selectors import user_organization, user_role
from casework.cases.models import Case
from casework.demo import demo_logins_create
from tests.cases.conftest import PACKS

pytestmark = pytest.mark.django_db


@pytest.fixture
def packs() -> None:
    from casework.policies.services import policy_version_load

    for name in ("liveops", "liveperson"):
        path = PACKS / f"{name}.yaml"
        policy_version_load(text=path.read_text(encoding="utf-8"), filename=str(path))


def test_demo_logins_are_made_for_an_agent_a_manager_and_a_contact(packs: None) -> None:
    logins = demo_logins_create()
    assert [login.username for login in logins] == ["agent", "manager", "contact", "initech"]
    for login in logins:
        assert authenticate(username=login.username, password=login.password) is not None
    users = {user.username: user for user in get_user_model().objects.all()}
    assert user_role(users["agent"]) == "engineer"
    assert users["agent"].staff_profile.time_zone == "Europe/London"  # the console shows it
    assert user_role(users["manager"]) == "manager"
    assert user_role(users["contact"]) == "contact"
    organization = user_organization(users["contact"])
    assert organization is not None
    assert organization.name == "Acme Contact Centre"
    chatting = user_organization(users["initech"])
    assert chatting is not None
    assert chatting.name == "Initech"  # LivePerson Standard: chat in the portal (R1)


def test_the_demo_opens_cases_with_running_clocks(packs: None) -> None:
    demo_logins_create()
    cases = list(Case.objects.order_by("pk"))
    assert [(case.organization.name, case.priority) for case in cases] == [
        ("Acme Contact Centre", "P1"),
        ("Acme Contact Centre", "P2"),
        ("Acme Contact Centre", "P3"),
        ("Initech", "sev2"),
        ("Initech", "sev3"),
    ]
    assert cases[0].tier == "L2"  # R61
    assert all(case.clocks.filter(state="running").exists() for case in cases[:3])
    # The console has a breached clock to show: Initech's day-old unanswered case.
    assert cases[3].clocks.filter(state="breached").exists() or any(
        clock.due_at is not None and clock.due_at < timezone.now()
        for clock in cases[3].clocks.filter(state="running")
    )


def test_running_the_demo_again_resets_the_passwords_without_duplicating(packs: None) -> None:
    first = demo_logins_create()
    second = demo_logins_create()
    assert get_user_model().objects.count() == 4
    assert Case.objects.count() == 5
    for old, new in zip(first, second, strict=True):
        assert old.password != new.password
        assert authenticate(username=new.username, password=old.password) is None
        assert authenticate(username=new.username, password=new.password) is not None


def test_without_packs_the_demo_still_makes_staff_logins() -> None:
    assert [login.username for login in demo_logins_create()] == ["agent", "manager"]
