"""The case API in-process for the API tests: cases are made by the real inbound handler and assigned as the router
would, then driven over HTTP as an agent or supervisor."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from case_service.app import create_app
from case_service.handlers import CaseHandlers
from case_service.models import Message
from shared import topics
from shared.bus import ensure_topics
from shared.events import ComplaintMessageReceived
from shared.problems import PROBLEM_JSON
from tests.integration.case_service.builders import (
    assigned,
    auth,
    create_schema,
    envelope,
    outbox_events,
    signed_settings_for,
)


@dataclass
class CaseApi:
    app: FastAPI
    client: httpx.AsyncClient
    handlers: CaseHandlers

    async def deliver(self, data: ComplaintMessageReceived) -> str:
        """Hand a customer's message to the inbound handler; answers the id of the case it landed in."""
        sessions = self.app.state.runtime.sessions
        async with sessions() as session, session.begin():
            await self.handlers.on_message_received(session, envelope(data), data)
        async with sessions() as session:
            found = await session.execute(
                select(Message.case_id).where(
                    Message.channel == data.channel.value, Message.provider_message_id == data.provider_message_id
                )
            )
            return str(found.scalar_one())

    async def assign(self, case_id: str, agent_id: str) -> None:
        """The router's assignment, as case.assigned.v1 delivers it."""
        data = assigned(case_id, agent_id)
        async with self.app.state.runtime.sessions() as session, session.begin():
            await self.handlers.on_case_assigned(session, envelope(data), data)

    async def case(self, case_id: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        response = await self.client.get(f"/v1/cases/{case_id}", headers=headers or auth())
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def events(self, event_type: str | None = None) -> list[dict[str, Any]]:
        """Outbox rows in order (optionally of one type): what the service announced."""
        events = await outbox_events(self.app.state.runtime.engine)
        return [event for event in events if event_type is None or event["type"] == event_type]


@asynccontextmanager
async def running_case_api(database_url: str, broker: str, **overrides: Any) -> AsyncIterator[CaseApi]:
    """case_service with tokens accepted, no consumer, and the scheduler only when `schedule=True` is passed."""
    schedule = bool(overrides.pop("schedule", False))
    settings = signed_settings_for(database_url, broker, **overrides)
    await ensure_topics(broker, topics.ALL_TOPICS, partitions=1)
    app = create_app(settings, consume_events=False, schedule=schedule)
    await create_schema(app.state.runtime.engine)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app)
        async with httpx.AsyncClient(transport=transport, base_url="http://case-service") as client:
            yield CaseApi(app=app, client=client, handlers=CaseHandlers(settings, app.state.policy))


def problem_kind(response: httpx.Response) -> str:
    """The last part of a problem+json body's type (asserting it is one)."""
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.text
    assert response.json()["status"] == response.status_code
    return str(response.json()["type"]).rsplit("/", 1)[-1]
