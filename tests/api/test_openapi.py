"""The API's published description (SPEC §4): OpenAPI 3.1 at /api/v1/openapi.json."""

from django.test import Client


def test_the_openapi_document_is_openapi_3_1(client: Client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1.")
    assert document["info"]["title"] == "casework"
    assert "paths" in document


def test_the_api_docs_page_is_served_without_a_cdn(client: Client) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/api/v1/openapi.json" in page
    assert "cdn." not in page
