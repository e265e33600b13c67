"""SPEC §4 stable interfaces over real HTTP: what outside tests call, exactly as written."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_django.live_server_helper import LiveServer

from casework.policies.services import policy_version_load

PACKS = Path(__file__).resolve().parents[2] / "policy-packs"


@pytest.fixture
def loaded(transactional_db: None) -> None:
    for name in ("liveops", "liveperson"):
        path = PACKS / f"{name}.yaml"
        policy_version_load(text=path.read_text(encoding="utf-8"), filename=str(path))


def call(url: str, body: Any = None) -> tuple[int, str, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(  # noqa: S310 - our own live server
        url, data=data, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            raw = response.read()
            return response.status, response.headers["Content-Type"], raw
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def test_healthz(live_server: LiveServer, loaded: None) -> None:
    status, _, raw = call(f"{live_server.url}/healthz")
    assert (status, json.loads(raw)) == (200, {"status": "ok"})


def test_openapi_is_3_1(live_server: LiveServer, loaded: None) -> None:
    status, _, raw = call(f"{live_server.url}/api/v1/openapi.json")
    assert status == 200
    assert json.loads(raw)["openapi"].startswith("3.1")


def test_preview_answers_the_documented_shape(live_server: LiveServer, loaded: None) -> None:
    body = {
        "policy": "liveops",
        "plan": "support-plus",
        "priority": "P1",
        "opened_at": "2026-03-08T01:30:00-08:00",  # the night US clocks spring forward
    }
    status, content_type, raw = call(f"{live_server.url}/api/v1/policy/preview", body)
    assert status == 200
    assert content_type.startswith("application/json")
    answer = json.loads(raw)
    assert set(answer) >= {"policy", "version", "plan", "priority", "opened_at", "targets"}
    for target in answer["targets"]:
        assert set(target) >= {"metric", "calendar", "duration", "due_at"}
        due = datetime.fromisoformat(target["due_at"])
        assert due.utcoffset() == timedelta(0)
    first = next(t for t in answer["targets"] if t["metric"] == "first_response")
    # 24x7 wall clock (R66): one hour later in absolute time, across the DST change.
    assert first["due_at"] == "2026-03-08T10:30:00+00:00"


@pytest.mark.parametrize(
    ("change", "field"),
    [({"policy": "x"}, "policy"), ({"plan": "x"}, "plan"), ({"priority": "x"}, "priority"),
     ({"opened_at": "2026-13-01T00:00:00Z"}, "opened_at")],
)  # fmt: skip
def test_preview_errors_are_422_naming_the_field(
    live_server: LiveServer, loaded: None, change: dict[str, str], field: str
) -> None:
    body = {"policy": "liveops", "plan": "standard", "priority": "P3"} | {
        "opened_at": "2026-11-20T10:00:00Z"
    }
    status, _, raw = call(f"{live_server.url}/api/v1/policy/preview", body | change)
    assert status == 422
    assert field in [item["field"] for item in json.loads(raw)["detail"]]


def test_policies_and_policy_page(live_server: LiveServer, loaded: None) -> None:
    status, _, raw = call(f"{live_server.url}/api/v1/policies")
    assert status == 200
    assert {p["id"] for p in json.loads(raw)} == {"liveops", "liveperson"}
    status, _, raw = call(f"{live_server.url}/api/v1/policies/liveperson")
    assert status == 200
    assert json.loads(raw)["plans"]["standard"]["targets"]["sev1"]["first_response"]
    status, content_type, raw = call(f"{live_server.url}/policy/liveperson/")
    assert status == 200
    assert content_type.startswith("text/html")
    assert b"Severity 1" in raw
