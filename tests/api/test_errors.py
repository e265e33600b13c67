"""casework's one error shape: 422 naming the field, for every kind of bad input, never 500."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from casework.api.errors import FieldError, error_item

pytestmark = pytest.mark.urls("tests.api.errors_probe")

VALID = {"plan": "standard", "opened_at": "2025-03-03T09:00:00+01:00"}


def post(client: Client, url: str, body: str | bytes) -> Any:
    return client.post(url, body, content_type="application/json")


def details(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 422, response.content
    detail: list[dict[str, Any]] = response.json()["detail"]
    assert detail
    for item in detail:
        assert set(item) == {"loc", "field", "msg", "type"}
    return detail


def test_a_valid_request_passes(client: Client) -> None:
    response = client.post("/api/preview", VALID, content_type="application/json")
    assert response.status_code == 200
    assert response.json() == {"plan": "standard"}


def test_schema_errors_name_each_field_without_the_parameter_name(client: Client) -> None:
    body = {"plan": 7, "opened_at": "2025-03-03T09:00:00", "steps": [{"on": "breach"}]}
    detail = details(client.post("/api/preview", body, content_type="application/json"))
    assert [(item["loc"], item["field"]) for item in detail] == [
        (["body", "plan"], "plan"),
        (["body", "opened_at"], "opened_at"),
        (["body", "steps", 0, "after"], "steps.0.after"),
    ]
    assert detail[1]["type"] == "timezone_aware"


def test_a_missing_field_is_named(client: Client) -> None:
    detail = details(post(client, "/api/preview", '{"plan": "standard"}'))
    assert [item["field"] for item in detail] == ["opened_at"]
    assert detail[0]["msg"] == "Field required"


@pytest.mark.parametrize("body", [b"{", b'{"plan": }', b"\xff\xfe", b"plan=standard"])
def test_malformed_json_is_a_422_naming_the_body(client: Client, body: bytes) -> None:
    [item] = details(post(client, "/api/preview", body))
    assert item["loc"] == ["body"]
    assert item["field"] == "body"
    assert item["type"] == "json_invalid"
    assert item["msg"].startswith("malformed JSON")


def test_an_empty_body_is_a_422_naming_the_body(client: Client) -> None:
    [item] = details(post(client, "/api/preview", b""))
    assert (item["loc"], item["field"]) == (["body"], "body")


@pytest.mark.parametrize("body", ["[]", '"standard"', "42", "null"])
def test_json_that_is_not_an_object_is_a_422(client: Client, body: str) -> None:
    assert details(post(client, "/api/preview", body))


def test_a_field_error_raised_by_the_operation_names_the_field(client: Client) -> None:
    body = {**VALID, "plan": "platinum"}
    [item] = details(client.post("/api/preview", body, content_type="application/json"))
    assert item == {
        "loc": ["body", "plan"],
        "field": "plan",
        "msg": "unknown plan 'platinum'; expected one of: standard",
        "type": "value_error",
    }


def test_query_and_path_errors_name_the_parameter(client: Client) -> None:
    [item] = details(client.get("/api/cases", {"page": "two"}))
    assert (item["loc"], item["field"]) == (["query", "page"], "page")

    [item] = details(post(client, "/api/cases/abc/reclassify", '"P1"'))
    assert (item["loc"], item["field"]) == (["path", "case_id"], "case_id")


def test_other_http_errors_keep_their_status_and_reason(client: Client) -> None:
    response = post(client, "/api/cases/1/reclassify", '"P1"')
    assert response.status_code == 409
    assert response.json() == {"detail": "the case is closed"}


def test_field_error_items_split_dotted_names_into_the_location() -> None:
    error = FieldError("steps.2.after", "must be positive", source="body")
    assert error.item() == {
        "loc": ["body", "steps", 2, "after"],
        "field": "steps.2.after",
        "msg": "must be positive",
        "type": "value_error",
    }
    assert error_item(["query", "page"], msg="bad", type="int_parsing")["field"] == "page"
