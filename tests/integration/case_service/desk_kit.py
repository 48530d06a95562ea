"""A service desk for the customer, survey and statistics tests: case_service's API in-process, customers' messages
through the real inbound handler and agents' actions through the real action functions, all on a clock the test
moves, and the scheduler run at that clock's time."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from case_service import actions
from case_service.handlers import CaseHandlers
from case_service.models import Case, Message
from case_service.policy import CasePolicy
from case_service.scheduler import Scheduler
from shared.events import ComplaintMessageReceived
from shared.tokens import Principal, Role
from tests.integration.case_service.builders import assigned, envelope
from tests.integration.case_service.case_api import CaseApi, running_case_api

SUPERVISOR = Principal(Role.SUPERVISOR, subject="sup-1")
SURVEY_LINK = re.compile(r"/survey/([A-Za-z0-9_-]+)")


@dataclass
class Clock:
    """`now` for the handlers, the actions and the scheduler: it stands still until the test moves it."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC).replace(microsecond=0))

    def __call__(self) -> datetime:
        return self.now

    def at(self, when: datetime) -> datetime:
        self.now = when
        return when

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class Desk:
    api: CaseApi
    clock: Clock
    handlers: CaseHandlers

    @property
    def client(self) -> httpx.AsyncClient:
        return self.api.client

    @property
    def policy(self) -> CasePolicy:
        policy: CasePolicy = self.api.app.state.policy
        return policy

    def session(self) -> AsyncSession:
        session: AsyncSession = self.api.app.state.runtime.sessions()
        return session

    async def deliver(self, data: ComplaintMessageReceived) -> str:
        """A customer's message, received at the clock's time; answers the case it landed in."""
        async with self.session() as session, session.begin():
            await self.handlers.on_message_received(session, envelope(data), data)
        async with self.session() as session:
            found = await session.execute(
                select(Message.case_id).where(
                    Message.channel == data.channel.value, Message.provider_message_id == data.provider_message_id
                )
            )
            return str(found.scalar_one())

    async def assign(self, case_id: str, agent_id: str) -> None:
        data = assigned(case_id, agent_id, at=self.clock.now)
        async with self.session() as session, session.begin():
            await self.handlers.on_case_assigned(session, envelope(data), data)

    async def act(self, case_id: str, action: Callable[..., Awaitable[Any]], **arguments: Any) -> None:
        """An agent action (`case_service.actions.*`) on the case at the clock's time, as a supervisor."""
        async with self.session() as session, session.begin():
            case = await session.get(Case, case_id, with_for_update=True)
            assert case is not None
            await action(session, case=case, caller=SUPERVISOR, now=self.clock.now, **arguments)

    async def reply(self, case_id: str, text: str = "We are looking into it.") -> None:
        await self.act(case_id, actions.reply, policy=self.policy, text=text)

    async def resolve(self, case_id: str) -> None:
        await self.act(case_id, actions.resolve, policy=self.policy, resolution_code="fixed", root_cause="carrier")

    async def run_scheduler(self) -> int:
        """One scheduler pass at the clock's time (follow-ups due -> surveys sent)."""
        runtime = self.api.app.state.runtime
        scheduler = Scheduler(runtime.sessions, policy=self.policy, settings=runtime.settings, wake=lambda: None)
        return await scheduler.run_due(now=self.clock.now)

    async def survey_tokens(self) -> dict[str, str]:
        """{case id: survey token} as the customers got them: from the links in the survey messages sent."""
        tokens: dict[str, str] = {}
        for event in await self.api.events("outbound.message.requested.v1"):
            if event["data"]["purpose"] == "survey":
                match = SURVEY_LINK.search(event["data"]["text"])
                assert match is not None, event["data"]["text"]
                tokens[event["data"]["case_id"]] = match[1]
        return tokens

    async def customer_of(self, case_id: str) -> str:
        return str((await self.api.case(case_id))["customer_id"])

    async def get(self, path: str, headers: dict[str, str], **params: Any) -> dict[str, Any]:
        response = await self.client.get(path, params=params, headers=headers)
        assert response.status_code == 200, response.text
        return dict(response.json())


@asynccontextmanager
async def running_desk(database_url: str, broker: str, **overrides: Any) -> AsyncIterator[Desk]:
    async with running_case_api(database_url, broker, **overrides) as api:
        clock = Clock()
        handlers = CaseHandlers(api.app.state.runtime.settings, api.app.state.policy, clock=clock)
        yield Desk(api=api, clock=clock, handlers=handlers)
