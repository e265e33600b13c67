"""GET /healthz (SPEC §4): 200 {"status": "ok"} when the database answers, else 503."""

from __future__ import annotations

import json
import urllib.request
from typing import Any, NoReturn

import pytest
from django.db import OperationalError, connections
from django.test import Client
from pytest_django.live_server_helper import LiveServer


@pytest.mark.django_db
def test_healthz_answers_ok_when_the_database_answers(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_does_not(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: Any, **kwargs: Any) -> NoReturn:
        raise OperationalError("connection refused")

    monkeypatch.setattr(type(connections["default"]), "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error"}


def test_healthz_only_answers_safe_methods(client: Client) -> None:
    assert client.post("/healthz").status_code == 405


def test_healthz_answers_over_real_http(live_server: LiveServer) -> None:
    with urllib.request.urlopen(f"{live_server.url}/healthz", timeout=10) as response:  # noqa: S310 - our own live server
        assert response.status == 200
        assert response.headers["Content-Type"] == "application/json"
        assert json.load(response) == {"status": "ok"}
