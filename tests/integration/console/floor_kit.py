"""The supervisor's screens against the real services: the gateway (tokens, dead letters), the router and the case
service, each over HTTP on SQLite with the embedded broker, and the console configured to call them. Cases are made
by the case service's own inbound handler and routed by the router's own handler, as their consumers would."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from aiokafka import ConsumerRecord
from fastapi import FastAPI
from pydantic import SecretStr

import services.console
import services.gateway
from router_service.app import create_app as create_router
from router_service.handlers import on_case_opened
from router_service.models import Base as RouterBase
from router_service.settings import RouterServiceSettings
from services.gateway.app import create_app as create_gateway
from services.gateway.handlers import on_dead_letter
from services.gateway.settings import GatewaySettings
from shared.cloudevents import CloudEvent, new_event
from shared.consumer import dead_letter
from shared.db import create_engine
from shared.events import CaseOpened, ComplaintMessageReceived, DeadLetterRecorded, payload_as
from shared.migrations import upgrade
from shared.settings import hash_api_key
from tests.integration.case_service.builders import received
from tests.integration.case_service.desk_kit import Desk, running_desk
from tests.integration.console.support import (
    API_KEY,
    SIGNING_KEY,
    Console,
    console_settings,
    create,
    csrf_token,
    generated_password,
    running_console,
    served_over_http,
    sign_in,
)
from tests.support.databases import sqlite_url

ADMIN_HEADERS = {"Authorization": f"Bearer {API_KEY}"}


@dataclass
class Staff:
    """The platform a supervisor works on, and a supervisor's browser signed in to the console."""

    console: Console
    supervisor: httpx.AsyncClient
    desk: Desk  # the case service, its handlers on a clock the test may move
    router: FastAPI
    router_api: httpx.AsyncClient  # the router with the admin key, to set the scene
    gateway: FastAPI
    supervisor_password: str

    async def open_case(self, data: ComplaintMessageReceived | None = None, **fields: Any) -> str:
        """A complaint reaches the case service at the desk clock's time (its handler opens the case, or threads the
        message into one); answers the case id."""
        return await self.desk.deliver(data or received(received_at=self.desk.clock.now, **fields))

    async def route(self, case_id: str) -> None:
        """The router handles the case.opened.v1 the case service announced, as the router's consumer would."""
        opened = [e for e in await self.desk.api.events("case.opened.v1") if e["data"]["case_id"] == case_id]
        assert opened, f"no case.opened.v1 for {case_id}"
        data = CaseOpened.model_validate(opened[0]["data"])
        event = new_event(data, source="case_service", subject=case_id)
        async with self.router.state.runtime.sessions() as session, session.begin():
            await on_case_opened(session, event, data)

    async def put_agent(self, agent_id: str, **fields: Any) -> None:
        body = {"name": f"Agent {agent_id}", "languages": ["vi", "en"], "capacity": 2, **fields}
        answer = await self.router_api.put(f"/v1/agents/{agent_id}", json=body)
        assert answer.status_code in (200, 201), answer.text

    async def dead_letter(self, *, topic: str, value: bytes, reason: str) -> CloudEvent:
        """A record a consumer could not process, as the gateway's consumer stores it."""
        record = ConsumerRecord(
            topic=topic,
            partition=0,
            offset=3,
            timestamp=0,
            timestamp_type=0,
            key=b"key-1",
            value=value,
            checksum=None,
            serialized_key_size=5,
            serialized_value_size=len(value),
            headers=[("content-type", b"application/cloudevents+json")],
        )
        letter = dead_letter(record, reason=reason, consumer_group="case_service")
        async with self.gateway.state.runtime.sessions() as session, session.begin():
            await on_dead_letter(session, letter, payload_as(letter, DeadLetterRecorded))
        return letter

    async def form(self, path: str) -> str:
        """The CSRF token of the page at `path`, as the browser has it."""
        page = await self.supervisor.get(path)
        assert page.status_code == 200, page.text
        return csrf_token(page)


def text_of(html: str) -> str:
    """What a reader sees of a page: tags out, spaces folded (entities stay escaped)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


async def _migrated(package: Path, url: str) -> str:
    await asyncio.to_thread(upgrade, package, url)
    return url


@asynccontextmanager
async def staff_platform(broker: str, tmp_path: Path, **case_settings: Any) -> AsyncIterator[Staff]:
    async with AsyncExitStack() as stack:
        gateway = create_gateway(
            GatewaySettings(
                _env_file=None,  # type: ignore[call-arg]
                database_url=await _migrated(Path(services.gateway.__file__).parent, sqlite_url(tmp_path, "gateway")),
                kafka_bootstrap_servers=broker,
                api_key_hashes=hash_api_key(API_KEY),
                token_signing_key=SIGNING_KEY,
            )
        )
        gateway.state.runtime.consumer = None
        gateway_url = await stack.enter_async_context(served_over_http(gateway))

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
        router_url = await stack.enter_async_context(served_over_http(router))
        router_api = await stack.enter_async_context(httpx.AsyncClient(base_url=router_url, headers=ADMIN_HEADERS))

        desk = await stack.enter_async_context(
            running_desk(
                sqlite_url(tmp_path, "cases"), broker, token_signing_key=SecretStr(SIGNING_KEY), **case_settings
            )
        )
        case_url = await stack.enter_async_context(served_over_http(desk.api.app, lifespan="off"))

        console_db = await _migrated(Path(services.console.__file__).parent, sqlite_url(tmp_path, "console"))
        settings = console_settings(
            console_db,
            tmp_path / "console",
            api_key=API_KEY,
            gateway_url=gateway_url,
            router_service_url=router_url,
            case_service_url=case_url,
        )
        console = await stack.enter_async_context(running_console(settings))
        admin = await stack.enter_async_context(console.client())
        await sign_in(admin, "admin", console.admin_password())
        password = generated_password(
            await create(admin, username="hoa", role="supervisor", display_name="Hoa", language="en")
        )
        supervisor = await stack.enter_async_context(console.client())
        await sign_in(supervisor, "hoa", password)
        yield Staff(console, supervisor, desk, router, router_api, gateway, password)
