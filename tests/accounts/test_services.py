"""Accounts services: validation naming the field, subscription switches, users, tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection

from casework.accounts.models import (
    ApiToken,
    CaseVisibility,
    ContactRole,
    EmergencyContact,
    Organization,
    token_digest,
)
from casework.accounts.services import (
    TOKEN_LAST_USED_EVERY,
    emergency_contact_create,
    organization_create,
    product_create,
    service_account_create,
    subscription_set,
    token_authenticate,
    token_create,
    token_revoke,
    user_create,
)
from casework.api.errors import FieldError
from casework.policies.services import LoadResult
from tests.accounts.conftest import AT

pytestmark = pytest.mark.django_db


def field_of(error: pytest.ExceptionInfo[FieldError]) -> str:
    return error.value.field


# -- organisations and subscriptions -----------------------------------------------------------


def test_creating_an_organization_subscribes_it_to_the_plan(acme: Organization) -> None:
    (subscription,) = acme.subscriptions.all()
    assert (subscription.policy_id, subscription.plan_id) == ("liveops", "standard")
    assert subscription.policy_version is None
    assert subscription.effective_from == AT
    assert subscription.effective_to is None
    assert subscription.sla_overlay == {}
    assert acme.slug == "acme-corp"
    assert acme.case_visibility == CaseVisibility.ACCOUNT
    assert acme.time_zone == "UTC"


def test_an_unknown_policy_is_refused_naming_the_loaded_ones(packs: dict[str, LoadResult]) -> None:
    with pytest.raises(FieldError, match="expected one of: liveops, liveperson") as error:
        organization_create(name="Initech", policy_id="nope", plan_id="standard")
    assert field_of(error) == "policy"
    assert not Organization.objects.filter(name="Initech").exists()


def test_with_no_policy_loaded_the_error_says_so(db: None) -> None:
    with pytest.raises(FieldError, match="no policy is loaded"):
        organization_create(name="Initech", policy_id="liveops", plan_id="standard")


def test_an_unknown_plan_is_refused_naming_the_plans(packs: dict[str, LoadResult]) -> None:
    with pytest.raises(FieldError, match="standard, support-plus, white-glove") as error:
        organization_create(name="Initech", policy_id="liveops", plan_id="gold")
    assert field_of(error) == "plan"
    assert not Organization.objects.exists()


@pytest.mark.parametrize(
    ("name", "time_zone", "visibility", "field"),
    [
        ("Acme Corp", "UTC", "account", "name"),
        ("  ", "UTC", "account", "name"),
        ("Initech", "Mars/Olympus", "account", "time_zone"),
        ("Initech", "UTC", "nobody", "case_visibility"),
    ],
)
def test_bad_organization_fields_are_named(
    acme: Organization, name: str, time_zone: str, visibility: str, field: str
) -> None:
    with pytest.raises(FieldError) as error:
        organization_create(
            name=name,
            policy_id="liveops",
            plan_id="standard",
            time_zone=time_zone,
            case_visibility=visibility,
        )
    assert field_of(error) == field


def test_names_that_slugify_alike_get_distinct_slugs(acme: Organization) -> None:
    other = organization_create(name="Acme  corp!", policy_id="liveops", plan_id="standard")
    assert other.slug == "acme-corp-2"


def test_switching_plan_closes_the_previous_subscription(acme: Organization) -> None:
    switch = AT + timedelta(days=30)
    new = subscription_set(
        organization=acme, policy_id="liveops", plan_id="white-glove", effective_from=switch
    )
    old = acme.subscriptions.get(plan_id="standard")
    assert old.effective_to == switch
    assert new.effective_to is None
    assert acme.subscriptions.filter(effective_to__isnull=True).get() == new


def test_a_switch_must_start_after_the_latest_subscription(acme: Organization) -> None:
    with pytest.raises(FieldError, match="must be after") as error:
        subscription_set(
            organization=acme, policy_id="liveops", plan_id="support-plus", effective_from=AT
        )
    assert field_of(error) == "effective_from"
    assert acme.subscriptions.count() == 1


def test_a_subscription_can_move_to_another_policy_and_pin_a_version(acme: Organization) -> None:
    new = subscription_set(
        organization=acme,
        policy_id="liveperson",
        plan_id="enhanced",
        policy_version=1,
        effective_from=AT + timedelta(days=1),
    )
    assert (new.policy_id, new.policy_version) == ("liveperson", 1)


def test_a_pinned_version_that_does_not_exist_is_refused(acme: Organization) -> None:
    with pytest.raises(FieldError, match="has no version 7") as error:
        subscription_set(
            organization=acme,
            policy_id="liveops",
            plan_id="standard",
            policy_version=7,
            effective_from=AT + timedelta(days=1),
        )
    assert field_of(error) == "policy_version"


@pytest.mark.rule("R26")
def test_an_enhanced_sla_overlay_is_stored_with_the_subscription(globex: Organization) -> None:
    overlay = {"sev1": {"first_response": "15m", "periodic_update": "1h"}}
    new = subscription_set(
        organization=globex,
        policy_id="liveperson",
        plan_id="enhanced",
        effective_from=AT + timedelta(days=1),
        sla_overlay=overlay,
    )
    new.refresh_from_db()
    assert new.sla_overlay == overlay


@pytest.mark.rule("R26")
@pytest.mark.parametrize(
    ("overlay", "field"),
    [
        ({"P1": {"first_response": "15m"}}, "sla_overlay.P1"),
        ({"sev1": {"first_reply": "15m"}}, "sla_overlay.sev1.first_reply"),
        ({"sev1": {"first_response": "soon"}}, "sla_overlay.sev1.first_response"),
        ({"sev1": {"first_response": 15}}, "sla_overlay.sev1.first_response"),
        ({"sev1": {}}, "sla_overlay.sev1"),
        ({"sev1": "15m"}, "sla_overlay.sev1"),
        ({"sev3": {"elevation": "8h"}}, "sla_overlay.sev3.elevation"),  # no tier to go to
    ],
)
def test_a_malformed_overlay_is_refused_naming_the_entry(
    globex: Organization, overlay: dict[str, object], field: str
) -> None:
    with pytest.raises(FieldError) as error:
        subscription_set(
            organization=globex,
            policy_id="liveperson",
            plan_id="enhanced",
            effective_from=AT + timedelta(days=1),
            sla_overlay=overlay,
        )
    assert field_of(error) == field
    assert globex.subscriptions.count() == 1


# -- service accounts, products, emergency contacts --------------------------------------------


def test_service_accounts_default_to_the_organization_and_names_are_unique(
    acme: Organization,
) -> None:
    acme.time_zone, acme.hosting_region = "Europe/Paris", "eu"
    site = service_account_create(organization=acme, name="Main site", external_id="12345")
    assert (site.time_zone, site.hosting_region) == ("Europe/Paris", "eu")
    other = service_account_create(
        organization=acme, name="US site", time_zone="America/New_York", hosting_region="us"
    )
    assert (other.time_zone, other.hosting_region, other.external_id) == (
        "America/New_York",
        "us",
        "",
    )
    with pytest.raises(FieldError) as error:
        service_account_create(organization=acme, name="Main site")
    assert field_of(error) == "external_id"
    with pytest.raises(FieldError):
        service_account_create(organization=acme, name="Copy", external_id="12345")
    with pytest.raises(FieldError) as error:
        service_account_create(organization=acme, name="Moon", time_zone="Moon/Base")
    assert field_of(error) == "time_zone"


def test_two_service_accounts_may_both_lack_an_external_id(acme: Organization) -> None:
    service_account_create(organization=acme, name="One")
    service_account_create(organization=acme, name="Two")
    assert acme.service_accounts.count() == 2


@pytest.mark.rule("R12")
def test_a_product_is_stored_with_its_end_of_support_date(db: None) -> None:
    product = product_create(name="Legacy chat widget", end_of_support=AT.date())
    assert product.end_of_support == AT.date()
    with pytest.raises(FieldError) as error:
        product_create(name="Legacy chat widget")
    assert field_of(error) == "name"


@pytest.mark.rule("R28")
def test_emergency_contacts_are_validated_and_unique_per_organization(
    acme: Organization, globex: Organization
) -> None:
    emergency_contact_create(organization=acme, email="oncall@acme.test", is_distribution_list=True)
    emergency_contact_create(organization=globex, email="oncall@acme.test")
    with pytest.raises(FieldError) as error:
        emergency_contact_create(organization=acme, email="oncall@acme.test")
    assert field_of(error) == "email"
    with pytest.raises(FieldError) as error:
        emergency_contact_create(organization=acme, email="not an address")
    assert field_of(error) == "email"
    assert EmergencyContact.objects.filter(organization=acme).count() == 1


# -- users ---------------------------------------------------------------------------------------


def test_a_contact_belongs_to_its_organization_and_is_not_staff(acme: Organization) -> None:
    user = user_create(
        username="carol",
        email="carol@acme.test",
        role="contact",
        organization=acme,
        contact_role=ContactRole.MANAGER,
    )
    assert not user.is_staff
    assert not user.is_superuser
    assert not user.has_usable_password()
    assert (user.contact.organization, user.contact.role) == (acme, "manager")
    assert not hasattr(user, "staff_profile")


@pytest.mark.parametrize(
    ("role", "tier", "expected_tier"),
    [
        ("engineer", None, "L1"),
        ("lead", None, "L1"),
        ("engineer", "L3", "L3"),
        ("manager", None, None),
        ("noc", "L2", "L2"),
    ],
)
def test_staff_get_their_role_and_tier(
    db: None, role: str, tier: str | None, expected_tier: str | None
) -> None:
    user = user_create(username="sam", email="sam@casework.test", role=role, tier=tier)
    assert user.is_staff
    assert not user.is_superuser
    assert (user.staff_profile.role, user.staff_profile.tier) == (role, expected_tier)


def test_an_admin_is_a_superuser_and_a_password_is_hashed(db: None) -> None:
    user = user_create(
        username="root",
        email="root@casework.test",
        role="admin",
        password="correct horse",  # noqa: S106 - a test password
    )
    assert user.is_staff
    assert user.is_superuser
    assert user.check_password("correct horse")
    assert "correct horse" not in user.password


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"role": "wizard"}, "role"),
        ({"role": "contact"}, "organization"),
        ({"role": "contact", "with_org": True, "tier": "L1"}, "tier"),
        ({"role": "contact", "with_org": True, "contact_role": "owner"}, "contact_role"),
        ({"role": "engineer", "with_org": True}, "organization"),
        ({"role": "engineer", "tier": "L4"}, "tier"),
        ({"role": "engineer", "username": "bad name!"}, "username"),
        ({"role": "engineer", "email": "nope"}, "email"),
        ({"role": "engineer", "email": ""}, "email"),
    ],
)
def test_bad_user_input_is_refused_naming_the_field(
    acme: Organization, kwargs: dict[str, object], field: str
) -> None:
    options: dict[str, object] = {"username": "sam", "email": "sam@casework.test", **kwargs}
    if options.pop("with_org", False):
        options["organization"] = acme
    with pytest.raises(FieldError) as error:
        user_create(**options)  # type: ignore[arg-type]
    assert field_of(error) == field
    assert not User.objects.exists()


def test_a_taken_username_is_refused(acme: Organization) -> None:
    user_create(username="sam", email="sam@casework.test", role="engineer")
    with pytest.raises(FieldError, match="already exists") as error:
        user_create(username="sam", email="sam@acme.test", role="contact", organization=acme)
    assert field_of(error) == "username"


# -- API tokens ----------------------------------------------------------------------------------


@pytest.fixture
def sam(db: None) -> User:
    return user_create(username="sam", email="sam@casework.test", role="engineer")


def test_a_token_is_recognisable_and_only_its_hash_and_prefix_are_stored(sam: User) -> None:
    token, plaintext = token_create(user=sam, name="laptop")
    assert plaintext.startswith("cw_")
    assert len(plaintext) == 3 + 43
    assert token.prefix == plaintext[:8]
    assert token.token_hash == token_digest(plaintext)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_apitoken")
        rows = cursor.fetchall()
    stored = " ".join(str(value) for row in rows for value in row)
    assert plaintext not in stored
    assert plaintext[8:] not in stored
    assert plaintext[8:20] not in stored


def test_two_tokens_differ(sam: User) -> None:
    _, first = token_create(user=sam, name="a")
    _, second = token_create(user=sam, name="b")
    assert first != second


def test_a_token_authenticates_its_user(sam: User) -> None:
    _, plaintext = token_create(user=sam, name="laptop")
    assert token_authenticate(plaintext, at=AT) == sam
    assert token_authenticate(f"  {plaintext}\n", at=AT) == sam


@pytest.mark.parametrize("guess", ["", "cw_", "cw_nope", "Bearer x", "not-a-token"])
def test_unknown_tokens_authenticate_nobody(sam: User, guess: str) -> None:
    token_create(user=sam, name="laptop")
    assert token_authenticate(guess) is None


def test_a_revoked_token_authenticates_nobody(sam: User) -> None:
    token, plaintext = token_create(user=sam, name="laptop")
    revoked = token_revoke(token=token, at=AT)
    assert revoked.revoked_at == AT
    assert revoked.is_revoked
    assert token_authenticate(plaintext) is None
    again = token_revoke(token=token, at=AT + timedelta(hours=1))
    assert again.revoked_at == AT


def test_an_inactive_users_token_authenticates_nobody(sam: User) -> None:
    _, plaintext = token_create(user=sam, name="laptop")
    User.objects.filter(pk=sam.pk).update(is_active=False)
    assert token_authenticate(plaintext) is None


def test_a_user_without_a_role_is_refused(db: None) -> None:
    nobody = User.objects.create_user(username="nobody")
    _, plaintext = token_create(user=nobody, name="x")
    assert token_authenticate(plaintext) is None


def test_last_used_is_written_at_most_once_a_minute(
    sam: User, django_assert_num_queries: object
) -> None:
    token, plaintext = token_create(user=sam, name="laptop")
    assert token.last_used_at is None
    token_authenticate(plaintext, at=AT)
    token.refresh_from_db()
    assert token.last_used_at == AT
    soon = AT + TOKEN_LAST_USED_EVERY - timedelta(seconds=1)
    with django_assert_num_queries(1):  # type: ignore[operator]
        assert token_authenticate(plaintext, at=soon) == sam
    token.refresh_from_db()
    assert token.last_used_at == AT
    later = AT + TOKEN_LAST_USED_EVERY
    token_authenticate(plaintext, at=later)
    token.refresh_from_db()
    assert token.last_used_at == later


def test_revoking_one_token_leaves_the_others(sam: User) -> None:
    first, first_text = token_create(user=sam, name="a")
    _, second_text = token_create(user=sam, name="b")
    token_revoke(token=first)
    assert token_authenticate(first_text) is None
    assert token_authenticate(second_text) == sam
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 1
