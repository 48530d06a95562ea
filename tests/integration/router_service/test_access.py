"""Access tokens at the router: an agent sees and acts on its own work only; supervisors and admins see everything."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from router_service.app import create_app
from shared import topics
from shared.auth import Principal, Role
from shared.bus import ensure_topics
from shared.tokens import issue_token
from tests.integration.router_service.helpers import AGENT, API_KEY, route, router_settings
from tests.integration.router_service.test_api import assert_problem, sessions_of

SIGNING_KEY = "router-test-signing-key-0123456789abcdef"
OTHER_SIGNING_KEY = "a-different-signing-key-4Hq8Zp2Wm6Tx9Lc3"
OFFERED = {**AGENT, "auto_accept": False, "presence": "available"}


@pytest.fixture
async def app(broker: str, database_url: str, engine: AsyncEngine) -> AsyncIterator[FastAPI]:
    """The service verifying tokens signed with SIGNING_KEY, without its event consumer (see conftest.app)."""
    await ensure_topics(broker, topics.ALL_TOPICS, partitions=1)
    settings = router_settings(broker, database_url).model_copy(update={"token_signing_key": SecretStr(SIGNING_KEY)})
    app = create_app(settings)
    app.state.runtime.consumer = None
    async with app.router.lifespan_context(app):
        yield app


def client_as(app: FastAPI, credential: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(
        transport=transport, base_url="http://router", headers={"Authorization": f"Bearer {credential}"}
    )


def token_for(principal: Principal) -> str:
    return issue_token(SIGNING_KEY, principal=principal, ttl=timedelta(hours=1)).token


async def offers_of(client: httpx.AsyncClient, agent_id: str) -> list[dict[str, object]]:
    response = await client.get(f"/v1/agents/{agent_id}/offers")
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


async def test_an_agent_token_sees_and_answers_only_its_own_offers(app: FastAPI):
    async with client_as(app, API_KEY) as admin:
        await admin.put("/v1/agents/lan", json=OFFERED)
        await admin.put("/v1/agents/minh", json={**OFFERED, "skills": {"delivery": 3}})
        await route(sessions_of(app), "case-1", category="billing")
        await route(sessions_of(app), "case-2", category="delivery")
        minh_offer = (await offers_of(admin, "minh"))[0]

    async with client_as(app, token_for(Principal(Role.AGENT, agent_id="lan"))) as lan:
        own = await offers_of(lan, "lan")
        assert [o["case_id"] for o in own] == ["case-1"]
        assert (await lan.get("/v1/agents/lan")).json()["id"] == "lan"
        assert (await lan.put("/v1/agents/lan/presence", json={"presence": "available"})).status_code == 200

        for path in ["/v1/agents/minh", "/v1/agents/minh/offers", "/v1/agents/minh/assignments"]:
            assert_problem(await lan.get(path), 404)
        assert_problem(await lan.put("/v1/agents/minh/presence", json={"presence": "away"}), 404)
        assert_problem(await lan.post(f"/v1/offers/{minh_offer['id']}/accept"), 404)
        assert_problem(await lan.post(f"/v1/offers/{minh_offer['id']}/decline", json={}), 404)

        accepted = await lan.post(f"/v1/offers/{own[0]['id']}/accept")
        assert accepted.status_code == 200, accepted.text
        assignments = (await lan.get("/v1/agents/lan/assignments")).json()["items"]
        assert [a["case_id"] for a in assignments] == ["case-1"]

    async with client_as(app, token_for(Principal(Role.SUPERVISOR))) as supervisor:
        still_pending = await offers_of(supervisor, "minh")
        assert [(o["id"], o["status"]) for o in still_pending] == [(minh_offer["id"], "pending")]


async def test_managing_agents_and_the_queue_is_for_supervisors(app: FastAPI):
    async with client_as(app, token_for(Principal(Role.AGENT, agent_id="lan"))) as lan:
        forbidden = assert_problem(await lan.put("/v1/agents/lan", json=OFFERED), 403)
        assert forbidden["type"].endswith("/forbidden")
        for path in [
            "/v1/agents",
            "/v1/queue",
            "/v1/queue/depth",
            "/v1/routing/statistics",
            "/v1/supervisor/snapshot",
        ]:
            assert_problem(await lan.get(path), 403)
        dry_run = {"skill": "billing", "language": "vi", "channel": "email"}
        assert_problem(await lan.post("/v1/routing/dry-run", json=dry_run), 403)
        assert_problem(await lan.post("/v1/routing/dry-run", json={"case_id": "c-1"}), 403)

    async with client_as(app, token_for(Principal(Role.SUPERVISOR, subject="Hoa"))) as supervisor:
        created = await supervisor.put("/v1/agents/lan", json=OFFERED)
        assert created.status_code == 201, created.text
        assert (await supervisor.get("/v1/queue")).status_code == 200
        assert [a["id"] for a in (await supervisor.get("/v1/agents")).json()["items"]] == ["lan"]
        assert (await supervisor.get("/v1/agents/lan/offers")).status_code == 200
        floor = await supervisor.get("/v1/supervisor/snapshot")
        assert floor.status_code == 200, floor.text
        assert [a["agent_id"] for a in floor.json()["agents"]] == ["lan"]


async def test_an_offer_shows_the_case_and_an_agent_reads_the_routing_of_its_own_case_only(app: FastAPI):
    async with client_as(app, API_KEY) as admin:
        await admin.put("/v1/agents/lan", json=OFFERED)
        await admin.put("/v1/agents/minh", json={**OFFERED, "skills": {"billing": 1}})
        await route(sessions_of(app), "case-1", category="billing", markers=("angry",))
        await route(sessions_of(app), "case-2", category="billing")

    async with client_as(app, token_for(Principal(Role.AGENT, agent_id="lan"))) as lan:
        [offer] = await offers_of(lan, "lan")
        assert offer["case"] == {
            "case_reference": "REF-case-1",
            "customer_id": "customer-of-case-1",
            "category": "billing",
            "priority": "normal",
            "language": "vi",
            "subject": "subject of case-1",
            "markers": ["angry"],
        }
        assert_problem(await lan.get("/v1/cases/case-1/routing"), 404)  # offered, not yet theirs
        assert (await lan.post(f"/v1/offers/{offer['id']}/accept")).status_code == 200
        routing = await lan.get("/v1/cases/case-1/routing")
        assert routing.status_code == 200, routing.text
        decisions = routing.json()["decisions"]
        assert [d["outcome"] for d in decisions] == ["offered", "accepted"]
        assert {c["agent_id"] for d in decisions for c in d["candidates"]} == {"lan"}
        assert all("minh" not in d["summary"] for d in decisions)
        assert_problem(await lan.get("/v1/cases/case-2/routing"), 404)  # not assigned to lan

    async with client_as(app, token_for(Principal(Role.SUPERVISOR))) as supervisor:
        everyone = (await supervisor.get("/v1/cases/case-1/routing")).json()["decisions"][0]["candidates"]
        assert {c["agent_id"] for c in everyone} == {"lan", "minh"}


async def test_bad_tokens_are_refused(app: FastAPI):
    other_key = issue_token(OTHER_SIGNING_KEY, principal=Principal(Role.SUPERVISOR), ttl=timedelta(hours=1)).token
    async with client_as(app, other_key) as forged:
        assert_problem(await forged.get("/v1/queue"), 401)
    expired = issue_token(SIGNING_KEY, principal=Principal(Role.SUPERVISOR), ttl=timedelta(hours=-1)).token
    async with client_as(app, expired) as late:
        assert assert_problem(await late.get("/v1/queue"), 401)["type"].endswith("/token-expired")
