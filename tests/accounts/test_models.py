"""Accounts models: end of support at an instant, and what the database itself refuses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from casework.accounts.models import (
    Organization,
    Product,
    StaffProfile,
    Subscription,
)
from casework.accounts.services import user_create
from tests.accounts.conftest import AT


@pytest.mark.rule("R12")
def test_a_product_is_end_of_support_from_the_start_of_its_date() -> None:
    product = Product(name="Legacy widget", end_of_support=date(2026, 6, 1))
    midnight = datetime(2026, 6, 1, tzinfo=UTC)
    assert not product.is_end_of_support(midnight - timedelta(microseconds=1))
    assert product.is_end_of_support(midnight)
    assert product.is_end_of_support(midnight + timedelta(days=400))


@pytest.mark.rule("R12")
def test_a_product_without_a_date_is_always_supported() -> None:
    assert not Product(name="Chat").is_end_of_support(datetime(2999, 1, 1, tzinfo=UTC))


@pytest.mark.django_db
def test_the_database_allows_one_open_subscription_per_organization(
    acme: Organization,
) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Subscription.objects.create(
            organization=acme,
            policy_id="liveops",
            plan_id="standard",
            effective_from=AT + timedelta(days=1),
        )


@pytest.mark.django_db
def test_the_database_refuses_a_subscription_that_ends_before_it_starts(
    acme: Organization,
) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Subscription.objects.create(
            organization=acme,
            policy_id="liveops",
            plan_id="standard",
            effective_from=AT - timedelta(days=1),
            effective_to=AT - timedelta(days=2),
        )


@pytest.mark.django_db
def test_the_database_refuses_unknown_staff_roles_and_tiers() -> None:
    user = user_create(username="sam", email="sam@casework.test", role="engineer")
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffProfile.objects.filter(pk=user.staff_profile.pk).update(tier="L9")
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffProfile.objects.filter(pk=user.staff_profile.pk).update(role="wizard")


@pytest.mark.django_db
def test_the_database_refuses_an_unknown_case_visibility(acme: Organization) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.filter(pk=acme.pk).update(case_visibility="nobody")


@pytest.mark.django_db
def test_models_read_well_in_the_admin(acme: Organization) -> None:
    subscription = acme.subscriptions.get()
    assert str(acme) == "Acme Corp"
    assert str(subscription) == "Acme Corp: liveops / standard"
    engineer = user_create(username="sam", email="sam@casework.test", role="engineer")
    assert str(engineer.staff_profile) == "sam (engineer L1)"


@pytest.mark.rule("R32")
def test_a_dedicated_number_is_validated_and_stored_normalised(acme: Organization) -> None:
    acme.dedicated_phone = "0044 20 7946 0958"
    acme.full_clean()
    acme.save()
    acme.refresh_from_db()
    assert acme.dedicated_phone == "+442079460958"
    acme.dedicated_phone = "020 7946 0958"  # national: which country?
    with pytest.raises(ValidationError) as raised:
        acme.full_clean()
    assert "E.164" in raised.value.message_dict["dedicated_phone"][0]
