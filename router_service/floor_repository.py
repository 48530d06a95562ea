"""Queries of the supervisor's floor: a fixed handful of statements whatever the number of agents or cases (no query
per agent), read in one transaction that sees one state of the database, then aggregated by router_service.floor."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from router_service import repository
from router_service.floor import (
    ENDED_OUTCOMES,
    AgentRow,
    ChannelLoad,
    EndedOffer,
    HeldCase,
    Snapshot,
    WaitingRow,
    build_snapshot,
)
from router_service.models import Agent, AgentLoad, Assignment, Offer, WaitingCase


async def one_state(session: AsyncSession) -> None:
    """Make the transaction just begun on `session` read one state of the database in every statement.

    PostgreSQL: a read-only REPEATABLE READ transaction (one snapshot for all its statements, no locks taken).
    SQLite already reads one state: its transactions begin immediate, and the service has one connection.
    """
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True})


async def snapshot(
    session: AsyncSession, *, now: datetime, window: timedelta, case_ids_limit: int, offers_limit: int
) -> Snapshot:
    """The floor as the database holds it now: see router_service.floor.build_snapshot."""
    since = now - window
    return build_snapshot(
        now=now,
        window=window,
        waiting=await waiting_rows(session, per_group=case_ids_limit),
        agents=await agent_rows(session),
        loads=await channel_loads(session),
        held=await held_cases(session),
        ended_offers=await ended_offers(session, since=since, limit=offers_limit),
        ended_counts=await ended_offer_counts(session, since=since),
    )


async def waiting_rows(session: AsyncSession, *, per_group: int) -> list[WaitingRow]:
    """The first `per_group` waiting cases of each required skill and priority (oldest first), each row carrying
    its group's size and how many of the group are held for a previous agent. One statement (window functions)."""
    group = (WaitingCase.required_skill, WaitingCase.priority)
    numbered = select(
        WaitingCase.required_skill.label("skill"),
        WaitingCase.priority,
        WaitingCase.priority_rank,
        WaitingCase.case_id,
        WaitingCase.enqueued_at,
        func.row_number()
        .over(partition_by=group, order_by=(WaitingCase.enqueued_at, WaitingCase.case_id))
        .label("position"),
        func.count().over(partition_by=group).label("depth"),
        func.count(WaitingCase.reserved_for).over(partition_by=group).label("reserved"),
    ).subquery()
    query = (
        select(numbered)
        .where(numbered.c.position <= per_group)
        .order_by(numbered.c.priority_rank, numbered.c.skill, numbered.c.priority, numbered.c.position)
    )
    return [
        WaitingRow(
            skill=row.skill,
            priority=row.priority,
            priority_rank=row.priority_rank,
            case_id=row.case_id,
            enqueued_at=row.enqueued_at,
            depth=row.depth,
            reserved=row.reserved,
        )
        for row in await session.execute(query)
    ]


async def agent_rows(session: AsyncSession) -> list[AgentRow]:
    query = select(
        Agent.id,
        Agent.name,
        Agent.presence,
        Agent.team,
        Agent.supervisor,
        Agent.channels,
        Agent.capacity,
        Agent.active_cases,
        Agent.presence_changed_at,
    ).order_by(Agent.id)
    return [
        AgentRow(
            agent_id=row.id,
            display_name=row.name,
            presence=row.presence,
            team=row.team,
            supervisor=row.supervisor,
            channels=tuple(row.channels),
            max_total=row.capacity,
            active_cases=row.active_cases,
            presence_since=row.presence_changed_at,
        )
        for row in await session.execute(query)
    ]


async def channel_loads(session: AsyncSession) -> list[ChannelLoad]:
    query = select(AgentLoad.agent_id, AgentLoad.channel, AgentLoad.capacity, AgentLoad.active_cases)
    return [
        ChannelLoad(agent_id=row.agent_id, channel=row.channel, capacity=row.capacity, held=row.active_cases)
        for row in await session.execute(query)
    ]


async def held_cases(session: AsyncSession) -> list[HeldCase]:
    """Every active assignment (newest first) and pending offer (oldest first), agent by agent."""
    assigned = (
        select(Assignment.agent_id, Assignment.case_id)
        .where(Assignment.status == repository.ACTIVE)
        .order_by(Assignment.assigned_at.desc(), Assignment.id.desc())
    )
    offered = (
        select(Offer.agent_id, Offer.case_id)
        .where(Offer.status == repository.PENDING)
        .order_by(Offer.created_at, Offer.id)
    )
    held = [HeldCase(row.agent_id, row.case_id, offered=False) for row in await session.execute(assigned)]
    held += [HeldCase(row.agent_id, row.case_id, offered=True) for row in await session.execute(offered)]
    return held


async def ended_offers(session: AsyncSession, *, since: datetime, limit: int) -> list[EndedOffer]:
    """Offers declined or expired since `since`, newest first, at most `limit`."""
    query = (
        select(Offer.id, Offer.case_id, Offer.agent_id, Offer.status, Offer.reason, Offer.decided_at, Offer.channel)
        .where(Offer.status.in_(ENDED_OUTCOMES), Offer.decided_at >= since)
        .order_by(Offer.decided_at.desc(), Offer.id.desc())
        .limit(limit)
    )
    return [
        EndedOffer(
            offer_id=row.id,
            case_id=row.case_id,
            agent_id=row.agent_id,
            outcome=row.status,
            reason=row.reason,
            at=row.decided_at,
            channel=row.channel,
        )
        for row in await session.execute(query)
    ]


async def ended_offer_counts(session: AsyncSession, *, since: datetime) -> dict[str, int]:
    """Offers declined and expired since `since`, all of them (the list above may be cut short)."""
    query = (
        select(Offer.status, func.count())
        .where(Offer.status.in_(ENDED_OUTCOMES), Offer.decided_at >= since)
        .group_by(Offer.status)
    )
    return {status: count for status, count in (await session.execute(query)).all()}
