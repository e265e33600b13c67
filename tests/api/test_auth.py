"""BearerTokenAuth: `Authorization: Bearer <token>` (SPEC §4), directly and over HTTP."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client, RequestFactory

from casework.accounts.services import token_create, token_revoke, user_create
from casework.api.auth import BearerTokenAuth

pytestmark = pytest.mark.django_db


@pytest.fixture
def sam(db: None) -> User:
    return user_create(username="sam", email="sam@casework.test", role="engineer")


@pytest.fixture
def token(sam: User) -> str:
    return token_create(user=sam, name="test")[1]


def authenticate(header: str | None) -> object:
    headers = {} if header is None else {"HTTP_AUTHORIZATION": header}
    request = RequestFactory().get("/api/v1/anything", **headers)  # type: ignore[arg-type]
    return BearerTokenAuth()(request)


def test_a_good_token_gives_its_user(sam: User, token: str) -> None:
    assert authenticate(f"Bearer {token}") == sam
    assert authenticate(f"bearer {token}") == sam


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer ", "Bearer cw_wrong", "Bearer not-even-ours"],
    ids=["missing", "empty", "no-token", "blank-token", "unknown", "foreign"],
)
def test_a_missing_or_bad_token_gives_nobody(token: str, header: str | None) -> None:
    assert authenticate(header) is None


def test_another_scheme_gives_nobody_even_with_a_good_token(token: str) -> None:
    assert authenticate(f"Token {token}") is None
    assert authenticate(f"Basic {token}") is None
    assert authenticate(token) is None


def test_a_revoked_token_gives_nobody(sam: User) -> None:
    row, token = token_create(user=sam, name="old")
    token_revoke(token=row)
    assert authenticate(f"Bearer {token}") is None


@pytest.mark.urls("tests.api.auth_probe")
def test_over_http_request_auth_is_the_user_and_failures_are_401(
    client: Client, sam: User, token: str
) -> None:
    good = client.get("/api/whoami", headers={"Authorization": f"Bearer {token}"})
    assert good.status_code == 200
    assert good.json() == {"username": "sam", "role": "engineer"}
    for headers in ({}, {"Authorization": "Bearer cw_nope"}, {"Authorization": f"Token {token}"}):
        refused = client.get("/api/whoami", headers=headers)
        assert refused.status_code == 401
    User.objects.filter(pk=sam.pk).update(is_active=False)
    assert (
        client.get("/api/whoami", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    )
