"""/api/v1/policies and POST /api/v1/policy/preview (SPEC §4): exact due times, and a 422
naming the field for every bad input, never a 500."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.test import Client

from casework.policies.services import LoadResult

PREVIEW = "/api/v1/policy/preview"


def preview(client: Client, body: Any) -> Any:
    return client.post(PREVIEW, body, content_type="application/json")


def fields(response: Any) -> list[str]:
    return [item["field"] for item in response.json()["detail"]]


@pytest.mark.rule("R59", "R60", "R62", "R64")
def test_preview_gives_each_clock_and_its_due_time_in_utc(
    client: Client, packs: dict[str, LoadResult]
) -> None:
    response = preview(
        client,
        {
            "policy": "liveops",
            "plan": "standard",
            "priority": "P2",
            "opened_at": "2026-11-20T10:00:00-08:00",
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["policy"] == "liveops"
    assert body["version"] == 1
    assert body["plan"] == "standard"
    assert body["priority"] == "P2"
    assert body["opened_at"] == "2026-11-20T18:00:00+00:00"
    targets = {t["metric"]: t for t in body["targets"]}
    assert set(targets) == {"first_response", "periodic_update", "elevation"}
    assert targets["first_response"] == {
        "metric": "first_response",
        "calendar": "wall",
        "duration": "PT8H",
        "description": "8 hours",
        "due_at": "2026-11-21T02:00:00+00:00",
    }
    assert targets["periodic_update"]["duration"] == "PT48H"
    assert targets["periodic_update"]["due_at"] == "2026-11-22T18:00:00+00:00"
    assert targets["elevation"]["due_at"] == "2026-11-21T02:00:00+00:00"
    for target in body["targets"]:
        assert datetime.fromisoformat(target["due_at"]).utcoffset() is not None


@pytest.mark.rule("R19", "G2", "G3")
def test_preview_counts_business_days_in_the_account_time_zone(
    client: Client, packs: dict[str, LoadResult]
) -> None:
    response = preview(
        client,
        {
            "policy": "liveperson",
            "plan": "standard",
            "priority": "sev3",
            "opened_at": "2026-11-20T10:00:00+01:00",  # a Friday in Paris
            "timezone": "Europe/Paris",
        },
    )
    assert response.status_code == 200, response.content
    first = next(t for t in response.json()["targets"] if t["metric"] == "first_response")
    assert first["duration"] == "P3D"
    assert first["calendar"] == "business-days"
    assert first["due_at"] == "2026-11-25T09:00:00+00:00"  # Wednesday 10:00 in Paris


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"policy": "nope"}, "policy"),
        ({"plan": "gold"}, "plan"),
        ({"priority": "P9"}, "priority"),
        ({"priority": "P4"}, "priority"),  # disabled in the pack (G24)
        ({"opened_at": "yesterday"}, "opened_at"),
        ({"opened_at": "2026-11-20T10:00:00"}, "opened_at"),  # naive: no offset
        ({"opened_at": 12}, "opened_at"),
        ({"plan": 7}, "plan"),
        ({"plan": ""}, "plan"),
        ({"version": 99}, "version"),
        ({"version": "one"}, "version"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
    ],
)
def test_preview_bad_input_is_a_422_naming_the_field(
    client: Client, packs: dict[str, LoadResult], change: dict[str, Any], field: str
) -> None:
    body = {
        "policy": "liveops",
        "plan": "standard",
        "priority": "P1",
        "opened_at": "2026-11-20T10:00:00Z",
    } | change
    response = preview(client, body)
    assert response.status_code == 422, response.content
    assert field in fields(response)


@pytest.mark.parametrize("missing", ["policy", "plan", "priority", "opened_at"])
def test_preview_missing_field_is_a_422_naming_it(
    client: Client, packs: dict[str, LoadResult], missing: str
) -> None:
    body = {
        "policy": "liveops",
        "plan": "standard",
        "priority": "P1",
        "opened_at": "2026-11-20T10:00:00Z",
    }
    del body[missing]
    response = preview(client, body)
    assert response.status_code == 422
    assert fields(response) == [missing]


@pytest.mark.parametrize("raw", ["{not json", "[]", "null", '"text"', ""])
def test_preview_malformed_body_is_a_422(
    client: Client, packs: dict[str, LoadResult], raw: str
) -> None:
    response = client.post(PREVIEW, raw, content_type="application/json")
    assert response.status_code == 422


def test_unknown_plan_message_lists_the_plans(client: Client, packs: dict[str, LoadResult]) -> None:
    body = {"policy": "liveops", "plan": "gold", "priority": "P1", "opened_at": "2026-11-20T10:00Z"}
    detail = preview(client, body).json()["detail"][0]
    assert "standard" in detail["msg"]
    assert "white-glove" in detail["msg"]


def test_policies_lists_each_loaded_policy_with_plans_priorities_targets_calendars(
    client: Client, packs: dict[str, LoadResult]
) -> None:
    response = client.get("/api/v1/policies")
    assert response.status_code == 200
    listed = {p["id"]: p for p in response.json()}
    assert set(listed) == {"liveops", "liveperson"}
    liveops = listed["liveops"]
    assert liveops["page"] == "/policy/liveops/"
    assert list(liveops["plans"]) == ["standard", "support-plus", "white-glove"]
    assert liveops["plans"]["standard"]["targets"]["P2"]["first_response"]["within"] == "PT8H"
    assert liveops["calendars"]["wall"]["always"] is True
    assert liveops["priorities"]["P1"]["environments"] == ["production"]


def test_policy_detail_and_its_versions(client: Client, packs: dict[str, LoadResult]) -> None:
    response = client.get("/api/v1/policies/liveperson")
    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 1
    assert body["plans"]["standard"]["targets"]["sev1"]["rca"]["preliminary"]["within"] == "3bd"
    assert client.get("/api/v1/policies/liveperson?version=1").status_code == 200
    assert client.get("/api/v1/policies/liveperson?version=2").status_code == 404
    assert client.get("/api/v1/policies/unknown").status_code == 404


def test_policy_endpoints_are_in_the_openapi_document(client: Client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/policy/preview" in paths
    assert "/api/v1/policies" in paths
    assert "/api/v1/policies/{policy_id}" in paths


@pytest.mark.parametrize("policy_id", ["a%00b", "x" * 65, "%20", "..%2F"])
def test_policy_detail_of_a_malformed_id_is_a_404(
    client: Client, packs: dict[str, LoadResult], policy_id: str
) -> None:
    assert client.get(f"/api/v1/policies/{policy_id}").status_code == 404
