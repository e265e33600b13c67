"""Every write endpoint in the OpenAPI document answers malformed bodies with a 4xx, never a 500
(STYLE §3.7). New endpoints are covered as soon as they are mounted."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, override_settings

MALFORMED: list[tuple[str, str]] = [
    ("not json", "{not json"),
    ("empty body", ""),
    ("json null", "null"),
    ("json list", "[]"),
    ("json string", '"text"'),
    ("json number", "12"),
    ("empty object", "{}"),
    ("wrong types", '{"policy": 1, "plan": [], "priority": {}, "opened_at": false}'),
    ("nul byte", '{"policy": "a\\u0000b", "plan": "x", "priority": "y", "opened_at": "z"}'),
    ("huge string", '{"policy": "' + "x" * 100_000 + '"}'),
    ("deep nesting", "[" * 500 + "]" * 500),
    ("invalid utf-8", "\udcff"),
]


def write_operations(client: Client) -> list[tuple[str, str]]:
    document: dict[str, Any] = client.get("/api/v1/openapi.json").json()
    return [
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in {"post", "put", "patch", "delete"} and "{" not in path
    ]


@pytest.mark.django_db
def test_there_are_write_endpoints_to_check(client: Client) -> None:
    assert ("POST", "/api/v1/policy/preview") in write_operations(client)


@pytest.mark.django_db
@pytest.mark.parametrize(("label", "body"), MALFORMED, ids=[label for label, _ in MALFORMED])
def test_malformed_bodies_get_a_4xx_on_every_write_endpoint(
    client: Client, label: str, body: str
) -> None:
    # The monitoring intake is configured and its token sent, so that its own validation
    # is what answers (elsewhere the token is just an unknown bearer token: 401).
    token = {"Authorization": "Bearer contract-token"}
    for method, path in write_operations(client):
        raw = body.encode("utf-8", "surrogateescape")
        with override_settings(CASEWORK_ALERTMANAGER_TOKEN="contract-token"):  # noqa: S106
            response = client.generic(
                method, path, raw, content_type="application/json", headers=token
            )
        assert 400 <= response.status_code < 500, (method, path, label, response.status_code)
        if response.status_code == 422:
            detail = response.json()["detail"]
            assert detail, (method, path, label)
            assert all("field" in item and item["msg"] for item in detail)
