"""The published OpenAPI and AsyncAPI documents in docs/api are what the code serves today."""

from __future__ import annotations

import json

import pytest

from services.apidocs import DOCS_DIR, render_documents

CURRENT = render_documents()


@pytest.mark.parametrize("name", sorted(CURRENT))
def test_published_document_is_current(name: str):
    path = DOCS_DIR / name
    assert path.exists(), f"{path} is missing: run `python -m services docs`"
    assert json.loads(path.read_text()) == json.loads(CURRENT[name]), (
        f"{path} is stale: run `python -m services docs` and commit the result"
    )


def test_every_service_documents_its_health_and_versioned_routes():
    for name, text in CURRENT.items():
        if name == "asyncapi.json":
            continue
        paths = json.loads(text)["paths"]
        assert {"/healthz", "/readyz"} <= paths.keys(), name


def test_spine_routes_are_published():
    routes = {name: set(json.loads(text).get("paths", {})) for name, text in CURRENT.items()}
    assert {"/v1/messages", "/v1/deadletters", "/v1/deadletters/{letter_id}/replay"} <= routes["gateway.openapi.json"]
    assert {"/v1/cases/{case_id}", "/v1/customers/{customer_id}", "/v1/customers"} <= routes[
        "case_service.openapi.json"
    ]
    assert {
        "/v1/agents/{agent_id}",
        "/v1/agents/{agent_id}/presence",
        "/v1/agents/{agent_id}/assignments",
    } <= routes["router_service.openapi.json"]
