"""Accounts selectors: the subscription in effect, onboarding, and the access helpers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User

from casework.accounts.models import CaseVisibility, Contact, ContactRole, Organization
from casework.accounts.selectors import (
    NoRoleError,
    contact_role_may_open_cases,
    contact_sees_all_cases,
    organization_get_by_name,
    organization_onboarding_problems,
    subscription_current,
    subscription_policy,
    subscription_terms,
    token_find,
    token_list_for_user,
    user_get_by_username,
    user_has_role,
    user_organization,
    user_role,
)
from casework.accounts.services import (
    emergency_contact_create,
    subscription_set,
    token_create,
    token_revoke,
    user_create,
)
from casework.policies.services import LoadResult
from tests.accounts.conftest import AT

pytestmark = pytest.mark.django_db


def contact(organization: Organization, role: str = ContactRole.USER, name: str = "c") -> Contact:
    user = user_create(
        username=name,
        email=f"{name}@example.test",
        role="contact",
        organization=organization,
        contact_role=role,
    )
    return user.contact


# -- subscriptions -------------------------------------------------------------------------------


def test_the_current_subscription_follows_its_period(acme: Organization) -> None:
    switch = AT + timedelta(days=10)
    premium = subscription_set(
        organization=acme, policy_id="liveops", plan_id="white-glove", effective_from=switch
    )
    assert subscription_current(acme, at=AT - timedelta(seconds=1)) is None
    first = subscription_current(acme, at=AT)
    assert first is not None
    assert first.plan_id == "standard"
    before_switch = subscription_current(acme, at=switch - timedelta(microseconds=1))
    assert before_switch is not None
    assert before_switch.plan_id == "standard"
    assert subscription_current(acme, at=switch) == premium
    assert subscription_current(acme, at=switch + timedelta(days=999)) == premium


def test_a_subscription_runs_under_the_latest_or_its_pinned_version(
    acme: Organization, packs: dict[str, LoadResult]
) -> None:
    current = subscription_current(acme, at=AT)
    assert current is not None
    stored = subscription_policy(current)
    assert stored.row == packs["liveops"].version
    assert stored.policy.plan("standard").id == "standard"
    pinned = subscription_set(
        organization=acme,
        policy_id="liveperson",
        plan_id="enhanced",
        policy_version=1,
        effective_from=AT + timedelta(days=1),
    )
    assert subscription_policy(pinned).row == packs["liveperson"].version


def test_the_terms_in_force_follow_the_latest_version_unless_one_is_pinned(
    acme: Organization, packs: dict[str, LoadResult]
) -> None:
    """``subscription_terms`` (one query, used to open cases) agrees with
    ``subscription_current`` + ``subscription_policy``: the latest version, or the pinned."""
    from pathlib import Path

    from casework.policies.services import policy_version_load

    path = Path(__file__).resolve().parents[2] / "policy-packs" / "liveops.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "name: LiveOps Support", "name: LiveOps (v2)", 1
    )
    v2 = policy_version_load(text=text, filename=str(path)).version
    assert v2.version == 2
    terms = subscription_terms(acme.pk, at=AT)
    assert terms is not None
    assert terms.subscription.organization == acme
    assert (terms.policy_version, terms.policy_pk, terms.policy_sha256) == (2, v2.pk, v2.sha256)
    assert terms.policy.name == "LiveOps (v2)"

    subscription_set(organization=acme, policy_id="liveops", plan_id="support-plus",
                     policy_version=1, effective_from=AT + timedelta(days=1))  # fmt: skip
    pinned = subscription_terms(acme.pk, at=AT + timedelta(days=2))
    assert pinned is not None
    assert (pinned.policy_version, pinned.subscription.plan_id) == (1, "support-plus")
    assert pinned.policy.name != "LiveOps (v2)"
    assert subscription_terms(acme.pk, at=AT - timedelta(days=1)) is None  # not yet subscribed
    assert subscription_terms(10**9, at=AT) is None  # no such organisation


@pytest.mark.rule("R28")
def test_an_organization_without_an_emergency_contact_is_not_onboarded(
    acme: Organization,
) -> None:
    assert organization_onboarding_problems(acme, at=AT) == [
        "no emergency contact email (R28: at least one is required)"
    ]
    emergency_contact_create(organization=acme, email="noc-list@acme.test")
    assert organization_onboarding_problems(acme, at=AT) == []
    assert organization_onboarding_problems(acme) == []


def test_an_organization_before_its_subscription_starts_is_not_onboarded(
    acme: Organization,
) -> None:
    emergency_contact_create(organization=acme, email="noc-list@acme.test")
    assert organization_onboarding_problems(acme, at=AT - timedelta(days=1)) == [
        "no plan subscription is in effect"
    ]


def test_organizations_are_found_by_exact_name(acme: Organization) -> None:
    assert organization_get_by_name("Acme Corp") == acme
    with pytest.raises(Organization.DoesNotExist):
        organization_get_by_name("acme corp")


# -- who is who ----------------------------------------------------------------------------------


def test_a_contact_is_scoped_to_its_organization(acme: Organization) -> None:
    user = contact(acme).user
    assert user_role(user) == "contact"
    assert user_organization(user) == acme
    assert user_has_role(user)


@pytest.mark.parametrize(
    "role", ["engineer", "lead", "manager", "tam", "csm", "noc", "pm", "admin"]
)
def test_staff_have_their_role_and_no_organization(db: None, role: str) -> None:
    user = user_create(username="s", email="s@casework.test", role=role)
    assert user_role(user) == role
    assert user_organization(user) is None


def test_a_superuser_without_a_profile_counts_as_admin(db: None) -> None:
    root = User.objects.create_superuser(username="root", email="root@casework.test")
    assert user_role(root) == "admin"
    assert user_organization(root) is None


def test_a_user_who_is_neither_contact_nor_staff_reaches_nothing(db: None) -> None:
    nobody = User.objects.create_user(username="nobody")
    assert not user_has_role(nobody)
    with pytest.raises(NoRoleError):
        user_role(nobody)
    # Never None, which would read as "staff, not limited to one organisation".
    with pytest.raises(NoRoleError):
        user_organization(nobody)


def test_users_are_found_by_username(db: None) -> None:
    sam = user_create(username="sam", email="sam@casework.test", role="engineer")
    assert user_get_by_username("sam") == sam
    with pytest.raises(User.DoesNotExist):
        user_get_by_username("nobody")


@pytest.mark.rule("R30")
@pytest.mark.parametrize(
    ("visibility", "sees_all"),
    [
        (CaseVisibility.ACCOUNT, {"administrator"}),
        (CaseVisibility.MANAGERS_ONLY, {"administrator", "manager"}),
        (CaseVisibility.EVERYONE, {"administrator", "manager", "user"}),
    ],
)
def test_case_visibility_decides_which_contacts_see_all_the_cases(
    acme: Organization, visibility: str, sees_all: set[str]
) -> None:
    Organization.objects.filter(pk=acme.pk).update(case_visibility=visibility)
    acme.refresh_from_db()
    contacts = [contact(acme, role, name=role) for role in ContactRole.values]
    assert {c.role for c in contacts if contact_sees_all_cases(c)} == sees_all


@pytest.mark.rule("R27")
def test_in_the_liveperson_pack_only_administrators_and_managers_may_open_cases(
    globex: Organization, packs: dict[str, LoadResult]
) -> None:
    policy = packs["liveperson"].policy
    allowed = {
        role
        for role in ContactRole.values
        if contact_role_may_open_cases(contact(globex, role, name=role), policy=policy)
    }
    assert allowed == {"administrator", "manager"}


@pytest.mark.rule("R27")
def test_the_packs_name_only_contact_roles_that_exist(packs: dict[str, LoadResult]) -> None:
    for loaded in packs.values():
        roles = loaded.policy.rules.case_opening.contact_roles or []
        assert set(roles) <= set(ContactRole.values)


def test_in_the_liveops_pack_any_contact_may_open_cases(
    acme: Organization, packs: dict[str, LoadResult]
) -> None:
    policy = packs["liveops"].policy
    assert contact_role_may_open_cases(contact(acme), policy=policy)


# -- tokens --------------------------------------------------------------------------------------


def test_a_token_is_found_by_its_hash_revoked_or_not(db: None) -> None:
    sam = user_create(username="sam", email="sam@casework.test", role="engineer")
    token, plaintext = token_create(user=sam, name="laptop")
    assert token_find(plaintext) == token
    token_revoke(token=token)
    found = token_find(plaintext)
    assert found is not None
    assert found.is_revoked
    assert token_find(plaintext[:-1]) is None


def test_a_malformed_token_costs_no_query(django_assert_num_queries: object) -> None:
    with django_assert_num_queries(0):  # type: ignore[operator]
        assert token_find("Basic dXNlcjpwYXNz") is None


def test_a_users_tokens_are_listed_newest_first(db: None) -> None:
    sam = user_create(username="sam", email="sam@casework.test", role="engineer")
    first, _ = token_create(user=sam, name="first")
    second, _ = token_create(user=sam, name="second")
    assert token_list_for_user(sam) == [second, first]
