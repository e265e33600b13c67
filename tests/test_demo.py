"""Demo data (casework/demo.py): one login per persona, with a fresh password each run."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate, get_user_model

from casework.demo import demo_logins_create

pytestmark = pytest.mark.django_db


def test_demo_logins_are_made_for_an_agent_a_manager_and_a_contact() -> None:
    logins = demo_logins_create()
    assert [login.username for login in logins] == ["agent", "manager", "contact"]
    for login in logins:
        assert authenticate(username=login.username, password=login.password) is not None
    users = {user.username: user for user in get_user_model().objects.all()}
    assert users["agent"].is_staff
    assert not users["agent"].is_superuser
    assert users["manager"].is_superuser
    assert not users["contact"].is_staff


def test_running_the_demo_again_resets_the_passwords_without_duplicating_users() -> None:
    first = demo_logins_create()
    second = demo_logins_create()
    assert get_user_model().objects.count() == 3
    for old, new in zip(first, second, strict=True):
        assert old.password != new.password
        assert authenticate(username=new.username, password=old.password) is None
        assert authenticate(username=new.username, password=new.password) is not None
