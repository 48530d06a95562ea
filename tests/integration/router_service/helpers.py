"""Building blocks of the router_service tests: opened cases, agents, and reading back what routing did."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from router_service.agents import save_agent
from router_service.domain import Presence
from router_service.handlers import on_case_opened
from router_service.models import Agent, Assignment, RoutingDecision, WaitingCase, outbox
from router_service.settings import RouterServiceSettings
from shared import topics
from shared.cloudevents import CloudEvent, EventData, decode, new_event
from shared.events import CaseAssigned, CaseOpened, Channel, Priority, payload_as
from shared.settings import hash_api_key
from tests.support.polling import eventually

Sessions = async_sessionmaker[AsyncSession]

API_KEY = "router-test-key-0123456789"
# auto_accept: these tests are about choosing the agent; test_offers.py covers offers.
AGENT = {
    "name": "Lan",
    "skills": {"Billing": 2, "delivery": 3},
    "languages": ["VI", "en"],
    "capacity": 2,
    "auto_accept": True,
}


def router_settings(broker: str, database_url: str) -> RouterServiceSettings:
    return RouterServiceSettings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        kafka_bootstrap_servers=broker,
        api_key_hashes=hash_api_key(API_KEY),
    )


def opened(
    case_id: str,
    *,
    category: str = "billing",
    priority: Priority = Priority.NORMAL,
    language: str | None = "vi",
    channel: Channel = Channel.EMAIL,
    markers: tuple[str, ...] = (),
    preferred_skills: tuple[str, ...] = (),
) -> tuple[CloudEvent, CaseOpened]:
    data = CaseOpened(
        case_id=case_id,
        case_reference=f"REF-{case_id}",
        customer_id=f"customer-of-{case_id}",
        channel=channel,
        category=category,
        priority=priority,
        language=language,
        subject=f"subject of {case_id}",
        message_id=f"message-of-{case_id}",
        opened_at=datetime.now(UTC),
        markers=markers,
        preferred_skills=preferred_skills,
    )
    return new_event(data, source="case_service", subject=case_id, correlation_id=f"trace-{case_id}"), data


async def route(sessions: Sessions, case_id: str, **changes: Any) -> CloudEvent:
    """Handle a CaseOpened for `case_id` in its own transaction, as the consumer would."""
    event, data = opened(case_id, **changes)
    async with sessions() as session, session.begin():
        await on_case_opened(session, event, data)
    return event


async def add_agent(
    sessions: Sessions,
    agent_id: str,
    *,
    skills: dict[str, int] | None = None,
    capacity: int = 2,
    presence: Presence = Presence.AVAILABLE,
    languages: Sequence[str] = ("vi", "en"),
    channels: Sequence[str] = tuple(Channel),
    auto_accept: bool = True,
    max_total: int | None = None,
    team: str | None = None,
    capacity_per_channel: dict[str, int] | None = None,
    supervisor: bool = False,
    schedule: dict[str, Any] | None = None,
) -> None:
    async with sessions() as session, session.begin():
        await save_agent(
            session,
            agent_id=agent_id,
            name=f"Agent {agent_id}",
            skills=skills if skills is not None else {"billing": 2},
            languages=languages,
            channels=channels,
            capacity=capacity_per_channel if capacity_per_channel is not None else capacity,
            max_total=max_total,
            team=team,
            auto_accept=auto_accept,
            supervisor=supervisor,
            schedule=schedule,
            presence=presence,
        )


async def assigned_to(sessions: Sessions) -> dict[str, str]:
    """case id -> agent id of every assignment."""
    async with sessions() as session:
        rows = (await session.execute(select(Assignment.case_id, Assignment.agent_id))).all()
    return {row.case_id: row.agent_id for row in rows}


async def waiting(sessions: Sessions) -> list[str]:
    async with sessions() as session:
        query = select(WaitingCase.case_id).order_by(WaitingCase.priority_rank, WaitingCase.enqueued_at)
        return list((await session.execute(query)).scalars())


async def agent(sessions: Sessions, agent_id: str) -> Agent:
    async with sessions() as session:
        return (await session.execute(select(Agent).where(Agent.id == agent_id))).scalar_one()


async def decisions(sessions: Sessions, case_id: str) -> list[RoutingDecision]:
    async with sessions() as session:
        query = select(RoutingDecision).where(RoutingDecision.case_id == case_id).order_by(RoutingDecision.id)
        return list((await session.execute(query)).scalars())


async def outbox_rows(sessions: Sessions) -> list[Any]:
    async with sessions() as session:
        return list((await session.execute(select(outbox).order_by(outbox.c.id))).all())


async def read_assignments(broker: str, *, expected: int) -> list[CaseAssigned]:
    """The CaseAssigned events on routing.events.v1, once `expected` of them arrived."""
    consumer = AIOKafkaConsumer(
        topics.ROUTING_EVENTS, bootstrap_servers=broker, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    found: list[CaseAssigned] = []
    try:

        async def probe() -> list[CaseAssigned] | None:
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                found.extend(payload_as(decode(r.value), CaseAssigned) for r in batch if r.value is not None)
            return found if len(found) >= expected else None

        return await eventually(probe, what=f"{expected} case.assigned.v1 on {topics.ROUTING_EVENTS}")
    finally:
        await consumer.stop()


async def publish(sessions: Sessions, handler: Any, data: EventData, *, correlation_id: str | None = None) -> None:
    """Handle one case_service event in its own transaction, as the consumer would."""
    event = new_event(
        data, source="case_service", subject=getattr(data, "case_id", None), correlation_id=correlation_id
    )
    async with sessions() as session, session.begin():
        await handler(session, event, data)
