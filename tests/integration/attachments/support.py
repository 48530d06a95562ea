"""Helpers of the attachment tests, which cross services: the services in-process (their HTTP served for real where
another service or the console calls them), a message handed from a channel service's outbox to case_service's
inbound handler as the broker would, and the callers (agents, a supervisor) with their tokens."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from case_service.app import create_app as create_case_service
from case_service.handlers import CaseHandlers
from case_service.models import Message, outbox
from case_service.settings import CaseServiceSettings
from shared.cloudevents import CloudEvent, decode
from shared.events import ComplaintMessageReceived, OutboundMessageRequested, payload
from shared.migrations import upgrade
from tests.integration.case_service.builders import SIGNING_KEY, assigned, create_schema, envelope, token_auth
from tests.integration.console.support import served_over_http
from tests.support.broker import free_port
from tests.support.polling import eventually

__all__ = ["SIGNING_KEY", "free_port", "served_over_http", "token_auth"]

LINK_KEY = "attachment-link-test-key-0123456789abcdefXYZ"
API_KEY = "attachments-test-admin-key-0123456789abcdef"
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n" + b"0123456789" * 30


def closed_bootstrap() -> str:
    """No broker: the services here are driven by handing events on by hand (the relays retry in the background)."""
    return f"127.0.0.1:{free_port()}"


async def migrate(package: Path, url: str) -> None:
    await asyncio.to_thread(upgrade, package, url)


async def outbox_events(sessions: async_sessionmaker[AsyncSession], table: Table) -> list[CloudEvent]:
    async with sessions() as session:
        payloads = (await session.scalars(select(table.c.payload).order_by(table.c.id))).all()
    return [decode(payload.encode()) for payload in payloads]


async def received_events(sessions: async_sessionmaker[AsyncSession], table: Table) -> list[CloudEvent]:
    return [event for event in await outbox_events(sessions, table) if event.type == "complaint.message.received.v1"]


def inbound(case: dict[str, Any]) -> list[dict[str, Any]]:
    """The customer's messages of a case as the API shows it (not our acknowledgement or replies)."""
    return [message for message in case["messages"] if message["direction"] == "inbound"]


@dataclass
class Cases:
    """case_service in-process: its API behind `client`, its inbound handler fed by hand."""

    app: FastAPI
    client: httpx.AsyncClient
    handlers: CaseHandlers

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        return self.app.state.runtime.sessions  # type: ignore[no-any-return]

    async def receive(self, event: CloudEvent) -> str | None:
        """The consumer's handler takes a channel service's event; answers the case a message landed in."""
        data = payload(event)
        async with self.sessions() as session, session.begin():
            await self.handlers.mapping()[event.type](session, event, data)
        if not isinstance(data, ComplaintMessageReceived):
            return None
        async with self.sessions() as session:
            found = await session.scalar(
                select(Message.case_id).where(
                    Message.channel == data.channel.value, Message.provider_message_id == data.provider_message_id
                )
            )
        return str(found)

    async def assign(self, case_id: str, agent_id: str) -> None:
        data = assigned(case_id, agent_id)
        async with self.sessions() as session, session.begin():
            await self.handlers.on_case_assigned(session, envelope(data), data)

    async def case(self, case_id: str, *, agent_id: str = "lan") -> dict[str, Any]:
        response = await self.client.get(f"/v1/cases/{case_id}", headers=token_auth(agent_id=agent_id))
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def outbound(self) -> list[OutboundMessageRequested]:
        async with self.sessions() as session:
            payloads = (await session.scalars(select(outbox.c.payload).order_by(outbox.c.id))).all()
        found = [json.loads(payload) for payload in payloads]
        return [
            OutboundMessageRequested.model_validate(event["data"])
            for event in found
            if event["type"] == OutboundMessageRequested.event_type
        ]


def case_settings(database_url: str, data_dir: Path, stores: dict[str, str], **changes: Any) -> CaseServiceSettings:
    return CaseServiceSettings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        data_dir=data_dir,
        kafka_bootstrap_servers=closed_bootstrap(),
        token_signing_key=SecretStr(SIGNING_KEY),
        attachment_link_key=SecretStr(LINK_KEY),
        attachment_stores=",".join(f"{name}={url}" for name, url in stores.items()),
        **changes,
    )


@asynccontextmanager
async def running_cases(settings: CaseServiceSettings) -> AsyncIterator[Cases]:
    app = create_case_service(settings, consume_events=False, schedule=False)
    await create_schema(app.state.runtime.engine)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://case-service") as client:
            yield Cases(app=app, client=client, handlers=CaseHandlers(settings, app.state.policy))


@asynccontextmanager
async def served_on(app: FastAPI, port: int) -> AsyncIterator[str]:
    """`app` behind a real HTTP server on `port` (for a service whose own settings name where it is served)."""
    config = uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", log_config=None, log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())

    async def started() -> bool:
        if task.done():
            task.result()
        return server.started

    await eventually(started, what="the HTTP server to start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def serving_cases(settings: CaseServiceSettings, port: int) -> AsyncIterator[Cases]:
    """case_service over real HTTP on `port` (channel services fetch its files from there), its API called there."""
    app = create_case_service(settings, consume_events=False, schedule=False)
    await create_schema(app.state.runtime.engine)
    async with served_on(app, port) as base_url, httpx.AsyncClient(base_url=base_url) as client:
        yield Cases(app=app, client=client, handlers=CaseHandlers(settings, app.state.policy))
