"""Every operation of the OpenAPI document that reaches one object walked as the outsider, as
nobody, and with malformed bodies (SPEC §4, STYLE §3.7). New endpoints are walked as soon as
they are mounted; a new kind of path parameter fails here until it is given an object below.

- The outsider (eve, a contact of Globex) gets 404 from every method of every object path
  of alice's case (Acme): never 403, never 422, so she cannot even learn that it exists.
- Nobody (no token) gets 401 from every authenticated operation.
- Support staff posting malformed bodies to a real case get a 4xx, never a 500.
- The status page's objects belong to no organisation: their reads are public and every
  change is the NOC's, so a customer gets 403 from each of them (and nobody 401).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.cases import conftest as personas
from tests.cases.conftest import Persona
from tests.cases.test_api import NOW, open_case
from tests.contract.test_write_endpoints import MALFORMED

# The persona fixtures of tests/cases, for this module.
packs, acme, globex = personas.packs, personas.acme, personas.globex
alice, eve, bob = personas.alice, personas.eve, personas.bob

PARAMETER = re.compile(r"\{(\w+)\}")
# Paths whose objects are published to everyone, not owned by an organisation.
PUBLIC = {"/api/v1/policies/{policy_id}", "/api/v1/status/incidents/{incident_id}"}
# Paths of the NOC's status page: staff operations on objects no organisation owns.
STATUS = "/api/v1/status/"


def operations(client: Client) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(method, path, operation, document) for every operation of the OpenAPI document."""
    document: dict[str, Any] = client.get("/api/v1/openapi.json").json()
    return [
        (method.upper(), path, operation, document)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def object_operations(client: Client) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    return [
        op for op in operations(client)
        if "{" in op[1] and op[1] not in PUBLIC and not op[1].startswith(STATUS)
    ]  # fmt: skip


def sample(schema: dict[str, Any], document: dict[str, Any]) -> Any:
    """A value that the schema accepts, so the request gets past validation."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return sample(document["components"]["schemas"][name], document)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return sample(options[0], document)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {
            name: sample(schema["properties"][name], document)
            for name in schema.get("required", [])
        }
    if kind == "string":
        return "2026-11-20T18:00:00Z" if schema.get("format") == "date-time" else "x"
    if kind == "integer":
        return 1
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    raise AssertionError(f"no sample for schema {schema}")


def request(
    who: Client, method: str, path: str, operation: dict[str, Any], document: dict[str, Any],
    objects: dict[str, int | str],
) -> int:  # fmt: skip
    names = PARAMETER.findall(path)
    missing = [name for name in names if name not in objects]
    assert not missing, f"{method} {path}: give the walk an object for {missing}"
    url = PARAMETER.sub(lambda m: str(objects[m.group(1)]), path)
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return who.generic(method, url).status_code
    body = sample(content["schema"], document)
    return who.generic(method, url, json.dumps(body), content_type="application/json").status_code


def attachment_of(who: Persona, case_id: int) -> int:
    """A text attachment on the case, stored under the test's own MEDIA_ROOT."""
    upload = SimpleUploadedFile("notes.txt", b"notes", content_type="text/plain")
    response = who.client.post(f"/api/v1/cases/{case_id}/attachments", {"file": upload})
    assert response.status_code == 201, response.content
    attachment_id: int = response.json()["id"]
    return attachment_id


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path


def test_the_walk_has_object_endpoints_to_walk(client: Client) -> None:
    walked = {(method, path) for method, path, _, _ in object_operations(client)}
    assert ("GET", "/api/v1/cases/{case_id}") in walked
    assert ("POST", "/api/v1/cases/{case_id}/messages") in walked


@pytest.mark.rule("R30")
def test_the_outsider_gets_404_from_every_method_of_every_object_path(
    alice: Persona, eve: Persona, client: Client
) -> None:
    case = open_case(alice)
    objects: dict[str, int | str] = {
        "case_id": case["id"], "attachment_id": attachment_of(alice, case["id"])
    }  # fmt: skip
    with time_machine.travel(NOW, tick=False):
        for method, path, operation, document in object_operations(client):
            status = request(eve.client, method, path, operation, document, objects)
            assert status == 404, (method, path, status)
        # The control: the paths are right, and the case is there for its owner.
        for method, path, operation, document in object_operations(client):
            status = request(alice.client, method, path, operation, document, objects)
            assert status != 404, (method, path, status)


def test_nobody_gets_401_from_every_authenticated_operation(alice: Persona, client: Client) -> None:
    case = open_case(alice)
    objects: dict[str, int | str] = {
        "case_id": case["id"], "attachment_id": 1, "incident_id": 1, "maintenance_id": 1,
        "webhook_id": 1,
        "kind": "final",
    }  # fmt: skip
    anonymous = Client()
    walked = 0
    for method, path, operation, document in operations(client):
        if not operation.get("security"):
            continue
        walked += 1
        status = request(anonymous, method, path, operation, document, objects)
        assert status == 401, (method, path, status)
        bad = Client(headers={"Authorization": "Bearer cw_not-a-token"})
        assert request(bad, method, path, operation, document, objects) == 401, (method, path)
    assert walked >= 3


def test_a_customer_gets_403_from_every_staff_operation_of_the_status_page(
    alice: Persona, client: Client
) -> None:
    objects: dict[str, int | str] = {
        "incident_id": 1,
        "maintenance_id": 1,
        "webhook_id": 1,
        "kind": "final",
    }
    staff = [
        op for op in operations(client)
        if op[1].startswith(STATUS) and op[2].get("security")
    ]  # fmt: skip
    assert len(staff) >= 8
    for method, path, operation, document in staff:
        status = request(alice.client, method, path, operation, document, objects)
        assert status == 403, (method, path, status)


@pytest.mark.parametrize(("label", "body"), MALFORMED, ids=[label for label, _ in MALFORMED])
def test_malformed_bodies_to_a_real_case_get_a_4xx_as_staff(
    alice: Persona, bob: Persona, client: Client, label: str, body: str
) -> None:
    case = open_case(alice)
    writes = [
        (method, path)
        for method, path, _, _ in object_operations(client)
        if method in {"POST", "PUT", "PATCH", "DELETE"}
    ]
    assert writes
    raw = body.encode("utf-8", "surrogateescape")
    for method, path in writes:
        url = PARAMETER.sub(str(case["id"]), path)
        response = bob.client.generic(method, url, raw, content_type="application/json")
        assert 400 <= response.status_code < 500, (method, path, label, response.status_code)
        if response.status_code == 422:
            detail = response.json()["detail"]
            assert detail, (method, path, label)
            assert all("field" in item and item["msg"] for item in detail)
