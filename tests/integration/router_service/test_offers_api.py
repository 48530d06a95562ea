"""Offers over HTTP: list, accept, decline, the problems for late or unknown offers, and the agent's live stream."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from router_service.app import create_app
from router_service.handlers import on_case_opened
from shared import topics
from shared.bus import ensure_topics
from tests.integration.router_service.helpers import AGENT, API_KEY, opened, route, router_settings
from tests.integration.router_service.test_api import assert_problem, sessions_of
from tests.support.polling import eventually

OFFERED = {**AGENT, "auto_accept": False, "presence": "available"}


async def test_an_agent_accepts_one_offer_and_declines_another(app: FastAPI, client: httpx.AsyncClient):
    await client.put("/v1/agents/lan", json=OFFERED)
    await client.put("/v1/agents/minh", json={**OFFERED, "skills": {"billing": 4}, "team": "tier-2"})
    await route(sessions_of(app), "case-1")
    await route(sessions_of(app), "case-2")

    offers = (await client.get("/v1/agents/lan/offers")).json()["items"]
    assert [o["case_id"] for o in offers] == ["case-1", "case-2"]
    assert all(o["status"] == "pending" and o["expires_at"] > o["created_at"] for o in offers)
    assert (await client.get("/v1/agents/lan")).json()["active_cases"] == 2

    accepted = await client.post(f"/v1/offers/{offers[0]['id']}/accept")
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["offer"]["status"] == "accepted" and accepted.json()["assignment_id"]
    declined = await client.post(f"/v1/offers/{offers[1]['id']}/decline", json={"reason": "not my area"})
    assert declined.status_code == 200, declined.text
    assert (declined.json()["status"], declined.json()["reason"]) == ("declined", "not my area")

    assignments = (await client.get("/v1/agents/lan/assignments")).json()["items"]
    assert [a["case_id"] for a in assignments] == ["case-1"]
    assert [o["case_id"] for o in (await client.get("/v1/agents/minh/offers")).json()["items"]] == ["case-2"]
    assert (await client.get("/v1/agents/lan/offers")).json()["items"] == []
    tier_2 = (await client.get("/v1/agents", params={"team": "tier-2"})).json()["items"]
    assert [a["id"] for a in tier_2] == ["minh"]

    late = assert_problem(await client.post(f"/v1/offers/{offers[1]['id']}/accept"), 409)
    assert "declined" in late["detail"]
    assert_problem(await client.post(f"/v1/offers/{offers[0]['id']}/decline", json={}), 409)
    assert_problem(await client.post("/v1/offers/nothing/accept"), 404)
    assert_problem(await client.post("/v1/offers/nothing/decline"), 404)
    assert_problem(await client.get("/v1/agents/nobody/offers"), 404)
    routing = (await client.get("/v1/cases/case-2/routing")).json()["decisions"]
    assert [(d["outcome"], d["agent_id"]) for d in routing] == [
        ("offered", "lan"),
        ("declined", "lan"),
        ("offered", "minh"),
    ]


async def test_the_sweeper_expires_unanswered_offers(broker: str, database_url: str, engine: AsyncEngine):
    await ensure_topics(broker, topics.ALL_TOPICS, partitions=1)
    settings = router_settings(broker, database_url).model_copy(
        update={"offer_timeout_s": 0.2, "offer_sweep_interval_s": 0.05}
    )
    app = create_app(settings)
    app.state.runtime.consumer = None
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {API_KEY}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://router", headers=headers) as client:
            await client.put("/v1/agents/lan", json=OFFERED)
            await route(sessions_of(app), "case-1")  # offered with the default 30 s by this direct call
            event, data = opened("case-2")
            async with sessions_of(app)() as session, session.begin():
                await on_case_opened(session, event, data, policy=settings.routing_policy())

            async def case_2_expired() -> list[Any] | None:
                routing = (await client.get("/v1/cases/case-2/routing")).json()["decisions"]
                return routing if len(routing) >= 3 else None

            routing = await eventually(case_2_expired, what="the offer of case-2 to expire")
            assert [d["outcome"] for d in routing] == ["offered", "expired", "queued"]
            offers = (await client.get("/v1/agents/lan/offers")).json()["items"]
            assert [o["case_id"] for o in offers] == ["case-1"]


@pytest.fixture
async def served(app: FastAPI) -> AsyncIterator[str]:
    """The app behind a real HTTP server on a free port (streams need one: the ASGI test transport buffers)."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve())
    await eventually(lambda: _true(server.started), what="the HTTP server to start")
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


async def test_the_agent_stream_pushes_offers_and_assignments(app: FastAPI, served: str):
    headers = {"Authorization": f"Bearer {API_KEY}"}
    async with httpx.AsyncClient(base_url=served, headers=headers, timeout=10) as client:
        await client.put("/v1/agents/lan", json=OFFERED)
        assert_problem(await client.get("/v1/agents/nobody/stream"), 404)
        async with client.stream("GET", "/v1/agents/lan/stream") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.aiter_lines()
            assert await anext(lines) == ": connected"
            await route(sessions_of(app), "case-1")
            offer = await next_event(lines)
            assert offer[0] == "offer" and offer[1]["case_id"] == "case-1"
            accepted = (await client.post(f"/v1/offers/{offer[1]['offer_id']}/accept")).json()
            assignment = {"assignment_id": accepted["assignment_id"], "case_id": "case-1"}
            assert await next_event(lines) == ("assignment", assignment)
            await route(sessions_of(app), "case-2")
            second = await next_event(lines)
            await client.post(f"/v1/offers/{second[1]['offer_id']}/decline", json={"reason": "lunch"})
            assert await next_event(lines) == (
                "offer_declined",
                {"offer_id": second[1]["offer_id"], "case_id": "case-2"},
            )


async def next_event(lines: AsyncIterator[str]) -> tuple[str, dict[str, Any]]:
    kind = ""
    async for line in lines:
        if line.startswith("event: "):
            kind = line.removeprefix("event: ")
        elif line.startswith("data: "):
            return kind, json.loads(line.removeprefix("data: "))
    raise AssertionError("the stream ended")


async def _true(value: bool) -> bool:
    return value
