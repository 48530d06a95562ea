"""Live updates: a console route relays the router's stream for the signed-in agent, opened with that agent's own
token, so an offer reaches their browser; another agent's stream is refused (an event saying so, never the data)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from fastapi import APIRouter
from fastapi.responses import StreamingResponse

import services.console
from router_service.app import create_app as create_router
from router_service.models import Base as RouterBase
from router_service.settings import RouterServiceSettings
from services.console.auth import UserApi
from services.console.live import relay
from services.console.services_client import Service, api_path
from shared import topics
from shared.bus import ensure_topics
from shared.db import create_engine
from shared.migrations import upgrade
from shared.settings import hash_api_key
from tests.integration.console.support import (
    API_KEY,
    SIGNING_KEY,
    console_settings,
    create,
    generated_password,
    running_console,
    served_over_http,
    sign_in,
)
from tests.integration.router_service.helpers import AGENT, route
from tests.support.databases import sqlite_url


async def lines_of(stream: httpx.Response) -> AsyncIterator[str]:
    async for line in stream.aiter_lines():
        yield line


async def next_event(lines: AsyncIterator[str]) -> tuple[str, dict[str, object]]:
    kind = ""
    async for line in lines:
        if line.startswith("event: "):
            kind = line.removeprefix("event: ")
        elif line.startswith("data: "):
            return kind, json.loads(line.removeprefix("data: "))
    raise AssertionError("the stream ended")


async def test_an_agent_gets_their_own_stream_and_not_another_agents(
    broker: str, tmp_path: Path, gateway_url: str
) -> None:
    await ensure_topics(broker, topics.ALL_TOPICS, partitions=1)
    router_db = sqlite_url(tmp_path, "router")
    engine = create_engine(router_db)
    async with engine.begin() as connection:
        await connection.run_sync(RouterBase.metadata.create_all)
    await engine.dispose()
    router = create_router(
        RouterServiceSettings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=router_db,
            kafka_bootstrap_servers=broker,
            api_key_hashes=hash_api_key(API_KEY),
            token_signing_key=SIGNING_KEY,
        )
    )
    router.state.runtime.consumer = None
    console_db = sqlite_url(tmp_path, "console")
    await asyncio.to_thread(upgrade, Path(services.console.__file__).parent, console_db)

    async with served_over_http(router) as router_url:
        async with httpx.AsyncClient(base_url=router_url, headers={"Authorization": f"Bearer {API_KEY}"}) as admin_api:
            offered = {**AGENT, "auto_accept": False, "presence": "available"}
            assert (await admin_api.put("/v1/agents/agent-lan", json=offered)).status_code in (200, 201)
        settings = console_settings(
            console_db, tmp_path / "console", api_key=API_KEY, gateway_url=gateway_url, router_service_url=router_url
        )
        async with running_console(settings) as console:
            probe = APIRouter()

            @probe.get("/probe/live/{agent_id}")
            async def live(agent_id: str, api: UserApi) -> StreamingResponse:
                return relay(api, Service.ROUTER, api_path("/v1/agents/{agent_id}/stream", agent_id=agent_id))

            console.app.include_router(probe)
            async with console.client() as admin:
                await sign_in(admin, "admin", console.admin_password())
                password = generated_password(await create(admin, username="lan", agent_id="agent-lan"))

            async with served_over_http(console.app, lifespan="off") as console_url:
                async with httpx.AsyncClient(base_url=console_url, timeout=15) as browser:
                    await sign_in(browser, "lan", password)
                    async with browser.stream("GET", "/probe/live/agent-lan") as stream:
                        assert stream.headers["content-type"].startswith("text/event-stream")
                        lines = lines_of(stream)
                        assert await anext(lines) == "retry: 3000"
                        assert await anext(lines) == ""
                        assert await anext(lines) == ": connected"
                        await route(router.state.runtime.sessions, "case-1")
                        kind, data = await next_event(lines)
                        assert (kind, data["case_id"]) == ("offer", "case-1")

                    async with browser.stream("GET", "/probe/live/someone-else") as stream:
                        kind, data = await next_event(lines_of(stream))
                        assert kind == "console_error"
                        assert data == {"service": "router_service", "kind": "refused", "status": 404}
