"""Queries of router_service. Every function takes the caller's session and runs inside its transaction."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import CursorResult, delete, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from router_service.domain import Presence
from router_service.models import Agent, Assignment, RoutingDecision, WaitingCase

ACTIVE = "active"


async def get_agent(session: AsyncSession, *, agent_id: str, for_update: bool = False) -> Agent | None:
    """The agent, locked until the transaction ends when `for_update` (PostgreSQL; SQLite locks on BEGIN)."""
    query = select(Agent).where(Agent.id == agent_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def list_agents(session: AsyncSession, *, presence: str | None = None) -> Sequence[Agent]:
    query = select(Agent).order_by(Agent.id)
    if presence is not None:
        query = query.where(Agent.presence == presence)
    return (await session.execute(query)).scalars().all()


async def claim_capacity(session: AsyncSession, *, agent_id: str, at: datetime) -> bool:
    """Take one unit of the agent's capacity if it is still available and under capacity.

    The condition is evaluated by the database on the row it updates (after any concurrent update of that row
    committed), so routers running side by side can never push an agent over capacity.
    """
    result = await session.execute(
        update(Agent)
        .where(Agent.id == agent_id, Agent.presence == Presence.AVAILABLE.value, Agent.active_cases < Agent.capacity)
        .values(active_cases=Agent.active_cases + 1, last_assignment_at=at, updated_at=at)
        .execution_options(synchronize_session=False)  # loaded agents are refreshed by whoever shows them
    )
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


async def case_is_known(session: AsyncSession, *, case_id: str) -> bool:
    """Whether the case was already assigned or queued (a re-sent CaseOpened)."""
    assigned = exists().where(Assignment.case_id == case_id)
    waiting = exists().where(WaitingCase.case_id == case_id)
    return bool((await session.execute(select(assigned | waiting))).scalar_one())


async def active_assignments(session: AsyncSession, *, agent_id: str) -> Sequence[Assignment]:
    query = (
        select(Assignment)
        .where(Assignment.agent_id == agent_id, Assignment.status == ACTIVE)
        .order_by(Assignment.assigned_at.desc(), Assignment.id.desc())
    )
    return (await session.execute(query)).scalars().all()


async def waiting_in_order(
    session: AsyncSession,
    *,
    limit: int | None = None,
    skills: Collection[str] | None = None,
    channels: Collection[str] | None = None,
) -> Sequence[WaitingCase]:
    """The queue in service order (priority rank, then age), optionally only cases needing one of `skills` on one
    of `channels`."""
    query = select(WaitingCase).order_by(WaitingCase.priority_rank, WaitingCase.enqueued_at, WaitingCase.case_id)
    if skills is not None:
        query = query.where(WaitingCase.required_skill.in_(list(skills)))
    if channels is not None:
        query = query.where(WaitingCase.channel.in_(list(channels)))
    if limit is not None:
        query = query.limit(limit)
    return (await session.execute(query)).scalars().all()


async def take_waiting(session: AsyncSession, *, case_id: str) -> bool:
    """Remove the case from the queue; False when another transaction has taken it or is taking it.

    Skipping a row another router holds (PostgreSQL) keeps two draining routers from waiting on each other.
    """
    held = select(WaitingCase.case_id).where(WaitingCase.case_id == case_id).with_for_update(skip_locked=True)
    if (await session.execute(held)).first() is None:
        return False
    result = await session.execute(
        delete(WaitingCase).where(WaitingCase.case_id == case_id).execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)
    return result.rowcount == 1


async def decisions_for(session: AsyncSession, *, case_id: str) -> Sequence[RoutingDecision]:
    query = select(RoutingDecision).where(RoutingDecision.case_id == case_id).order_by(RoutingDecision.id)
    return (await session.execute(query)).scalars().all()


async def requeue(session: AsyncSession, *, waiting: WaitingCase) -> None:
    """Put back a case taken from the queue, with its original place in it."""
    values = {column.key: getattr(waiting, column.key) for column in WaitingCase.__table__.columns}
    await session.execute(insert(WaitingCase).values(values))
