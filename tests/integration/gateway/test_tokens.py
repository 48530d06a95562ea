"""POST /v1/tokens: an admin gets signed access tokens; other roles cannot mint them; tokens work on other routes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from services.gateway.settings import GatewaySettings
from shared.settings import hash_api_key
from tests.integration.gateway.support import API_KEY, running_gateway

SIGNING_KEY = "gateway-test-signing-key-0123456789abcdef"
PROBLEM_JSON = "application/problem+json"


def settings_with(migrated_url: str, bootstrap: str, signing_key: str | None) -> GatewaySettings:
    return GatewaySettings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=migrated_url,
        kafka_bootstrap_servers=bootstrap,
        api_key_hashes=hash_api_key(API_KEY),
        token_signing_key=signing_key,
    )


@pytest.fixture
async def gateway(migrated_url: str, closed_bootstrap: str) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    async with running_gateway(settings_with(migrated_url, closed_bootstrap, SIGNING_KEY)) as running:
        yield running


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def problem_kind(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    return str(response.json()["type"]).rsplit("/", 1)[-1]


async def test_an_admin_gets_a_token_that_works_on_other_endpoints(gateway: tuple[FastAPI, httpx.AsyncClient]):
    _, client = gateway
    issued = await client.post("/v1/tokens", json={"role": "supervisor", "subject": "Hoa", "ttl_seconds": 3600})
    assert issued.status_code == 201, issued.text
    body = issued.json()
    assert (body["token_type"], body["role"], body["agent_id"]) == ("bearer", "supervisor", None)
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert datetime.now(UTC) < expires_at <= datetime.now(UTC) + timedelta(seconds=3600)

    listed = await client.get("/v1/deadletters", headers=bearer(body["token"]))
    assert listed.status_code == 200, listed.text
    assert listed.json()["items"] == []


async def test_only_an_admin_may_issue_tokens(gateway: tuple[FastAPI, httpx.AsyncClient]):
    _, client = gateway
    supervisor = (await client.post("/v1/tokens", json={"role": "supervisor"})).json()["token"]
    refused = await client.post("/v1/tokens", json={"role": "admin"}, headers=bearer(supervisor))
    assert refused.status_code == 403 and problem_kind(refused) == "forbidden"

    agent = await client.post("/v1/tokens", json={"role": "agent", "agent_id": "lan"})
    assert agent.status_code == 201 and agent.json()["agent_id"] == "lan"
    agent_token = agent.json()["token"]
    assert (
        await client.post("/v1/tokens", json={"role": "agent", "agent_id": "lan"}, headers=bearer(agent_token))
    ).status_code == 403
    assert (await client.get("/v1/deadletters", headers=bearer(agent_token))).status_code == 403

    admin = (await client.post("/v1/tokens", json={"role": "admin"})).json()["token"]
    assert (await client.post("/v1/tokens", json={"role": "supervisor"}, headers=bearer(admin))).status_code == 201


async def test_token_requests_are_validated(gateway: tuple[FastAPI, httpx.AsyncClient]):
    _, client = gateway
    for body in [
        {"role": "agent"},
        {"role": "supervisor", "agent_id": "lan"},
        {"role": "owner"},
        {"role": "admin", "ttl_seconds": 59},
        {"role": "admin", "ttl_seconds": 2_592_001},
    ]:
        response = await client.post("/v1/tokens", json=body)
        assert response.status_code == 422, body
        assert problem_kind(response) == "validation-error"


async def test_a_gateway_without_a_signing_key_cannot_issue_tokens(migrated_url: str, closed_bootstrap: str):
    async with running_gateway(settings_with(migrated_url, closed_bootstrap, None)) as (_, client):
        response = await client.post("/v1/tokens", json={"role": "supervisor"})
        assert response.status_code == 503 and problem_kind(response) == "tokens-unavailable"
        assert (await client.get("/v1/deadletters")).status_code == 200  # the admin key still works
