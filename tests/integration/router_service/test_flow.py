"""The whole service: a case.opened.v1 on cases.events.v1 becomes a case.assigned.v1 and an agent's assignment."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from router_service.app import create_app
from shared import topics
from shared.bus import KafkaBus, ensure_topics
from tests.integration.router_service.helpers import AGENT, API_KEY, opened, read_assignments, router_settings
from tests.support.polling import eventually


@pytest.fixture
async def running_app(broker: str, database_url: str, engine: AsyncEngine) -> AsyncIterator[FastAPI]:
    await ensure_topics(broker, topics.ALL_TOPICS, partitions=2)
    app = create_app(router_settings(broker, database_url))
    async with app.router.lifespan_context(app):
        yield app


async def test_an_opened_case_is_consumed_assigned_and_announced_once(running_app: FastAPI, broker: str):
    transport = httpx.ASGITransport(app=running_app)
    headers = {"Authorization": f"Bearer {API_KEY}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://router", headers=headers) as client:
        created = await client.put("/v1/agents/lan", json={**AGENT, "presence": "available"})
        assert created.status_code == 201, created.text

        event, _ = opened("case-1")
        bus = KafkaBus(broker, client_id="case_service-test")
        await bus.start()
        try:
            for _ in range(2):  # delivered twice, as after a producer retry
                await bus.publish(topics.CASES_EVENTS, event, key="case-1")
        finally:
            await bus.stop()

        [announced] = await read_assignments(broker, expected=1)
        assert (announced.case_id, announced.agent_id) == ("case-1", "lan")

        async def assignments() -> list[str] | None:
            response = await client.get("/v1/agents/lan/assignments")
            return [a["case_id"] for a in response.json()["items"]] or None

        assert await eventually(assignments, what="the assignment over the API") == ["case-1"]
        consumer = running_app.state.runtime.consumer
        await eventually(lambda: _true(consumer.processed_count >= 2), what="both deliveries consumed")
        assert (await client.get("/v1/agents/lan")).json()["active_cases"] == 1
        assert len((await client.get("/v1/cases/case-1/routing")).json()["decisions"]) == 1


async def _true(value: bool) -> bool:
    return value
