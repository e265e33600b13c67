"""The accounts admin: every model is there; tokens show their prefix, never their hash."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from casework.accounts.admin import SubscriptionForm
from casework.accounts.models import Organization
from casework.accounts.services import token_create, user_create
from tests.accounts.conftest import AT

MODELS = (
    "organization",
    "subscription",
    "serviceaccount",
    "product",
    "staffprofile",
    "contact",
    "emergencycontact",
    "apitoken",
)


@pytest.fixture
def root(db: None) -> User:
    return user_create(username="root", email="root@casework.test", role="admin")


@pytest.fixture
def admin_client(client: Client, root: User) -> Client:
    client.force_login(root)
    return client


@pytest.mark.parametrize("model", MODELS)
def test_every_accounts_model_has_an_admin_list(
    admin_client: Client, acme: Organization, model: str
) -> None:
    assert admin_client.get(f"/admin/accounts/{model}/").status_code == 200


def test_the_organization_page_shows_its_subscription(
    admin_client: Client, acme: Organization
) -> None:
    page = admin_client.get(f"/admin/accounts/organization/{acme.pk}/change/")
    assert page.status_code == 200
    assert b"standard" in page.content


def test_tokens_show_their_prefix_never_their_hash_and_cannot_be_added(
    admin_client: Client, root: User
) -> None:
    token, _ = token_create(user=root, name="laptop")
    listing = admin_client.get("/admin/accounts/apitoken/")
    assert token.prefix.encode() in listing.content
    assert token.token_hash.encode() not in listing.content
    detail = admin_client.get(f"/admin/accounts/apitoken/{token.pk}/change/")
    assert detail.status_code == 200
    assert token.token_hash.encode() not in detail.content
    assert admin_client.get("/admin/accounts/apitoken/add/").status_code == 403


def test_the_revoke_action_revokes_the_selected_tokens(admin_client: Client, root: User) -> None:
    token, _ = token_create(user=root, name="laptop")
    admin_client.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke_tokens", "_selected_action": [str(token.pk)]},
    )
    token.refresh_from_db()
    assert token.is_revoked


@pytest.mark.rule("R26")
def test_the_subscription_form_checks_plan_and_overlay_against_the_policy(
    acme: Organization,
) -> None:
    data = {
        "organization": acme.pk,
        "policy_id": "liveops",
        "plan_id": "gold",
        "effective_from": AT.isoformat(),
        "sla_overlay": '{"P9": {"first_response": "1h"}}',
    }
    form = SubscriptionForm(data=data)
    assert not form.is_valid()
    assert "white-glove" in str(form.errors["plan_id"])
    form = SubscriptionForm(data={**data, "plan_id": "standard"})
    assert not form.is_valid()
    assert "P9" in str(form.errors)


@pytest.mark.rule("R32")
def test_an_organizations_dedicated_number_and_a_contacts_phone_are_set_in_the_admin(
    admin_client: Client, acme: Organization
) -> None:
    page = admin_client.get(f"/admin/accounts/organization/{acme.pk}/change/")
    assert b'name="dedicated_phone"' in page.content
    contact = user_create(username="dee", email="d@acme.test", role="contact", organization=acme)
    page = admin_client.get(f"/admin/accounts/contact/{contact.contact.pk}/change/")
    assert b'name="phone"' in page.content
