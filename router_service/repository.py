"""Queries of router_service. Every function takes the caller's session and runs inside its transaction."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, and_, delete, exists, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from router_service.domain import AgentView, Presence, Schedule
from router_service.models import Agent, AgentLoad, Assignment, Offer, RoutingDecision, WaitingCase

ACTIVE = "active"
PENDING = "pending"
ACCEPTED = "accepted"
DECLINED = "declined"
EXPIRED = "expired"
RESCINDED = "rescinded"
RELEASED = "released"


async def get_agent(session: AsyncSession, *, agent_id: str, for_update: bool = False) -> Agent | None:
    """The agent, locked until the transaction ends when `for_update` (PostgreSQL; SQLite locks on BEGIN).

    Always read afresh (with its per-channel rows): capacity claims and releases bypass the ORM.
    """
    query = select(Agent).where(Agent.id == agent_id).execution_options(populate_existing=True)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def list_agents(
    session: AsyncSession, *, presence: str | None = None, team: str | None = None, skill: str | None = None
) -> Sequence[Agent]:
    """Agents in id order, optionally only those with `presence`, of `team`, or having `skill` (at any level)."""
    # Fresh rows, not the session's copies: capacity claims and releases bypass the ORM.
    query = select(Agent).order_by(Agent.id).execution_options(populate_existing=True)
    if presence is not None:
        query = query.where(Agent.presence == presence)
    if team is not None:
        query = query.where(Agent.team == team)
    if skill is not None:
        query = query.where(Agent.skills[skill].as_integer().is_not(None))
    return (await session.execute(query)).scalars().all()


async def candidates(session: AsyncSession, *, skill: str, channel: str) -> list[AgentView]:
    """Agents having `skill`, as routing sees them for a case on `channel` (that channel's limit and load only).

    Plain rows, no ORM objects: with thousands of agents this read is most of a routing decision.
    """
    query = (
        select(
            Agent.id,
            Agent.skills,
            Agent.languages,
            Agent.channels,
            Agent.capacity,
            Agent.active_cases,
            Agent.presence,
            Agent.last_assignment_at,
            Agent.auto_accept,
            Agent.team,
            Agent.schedule,
            AgentLoad.capacity.label("channel_capacity"),
            AgentLoad.active_cases.label("channel_load"),
        )
        .outerjoin(AgentLoad, and_(AgentLoad.agent_id == Agent.id, AgentLoad.channel == channel))
        .where(Agent.skills[skill].as_integer().is_not(None))
        .order_by(Agent.id)
    )
    return [
        AgentView(
            id=row.id,
            skills=row.skills,
            languages=frozenset(row.languages),
            channels=frozenset(row.channels),
            capacity=row.capacity,
            active_cases=row.active_cases,
            presence=row.presence,
            last_assignment_at=row.last_assignment_at,
            channel_capacity={channel: row.channel_capacity} if row.channel_capacity is not None else {},
            channel_load={channel: row.channel_load} if row.channel_load is not None else {},
            auto_accept=row.auto_accept,
            team=row.team,
            schedule=Schedule.from_json(row.schedule) if row.schedule else None,
        )
        for row in await session.execute(query)
    ]


async def claim_capacity(session: AsyncSession, *, agent_id: str, channel: str, at: datetime) -> bool:
    """Take one unit of the agent's capacity on `channel` and overall, if it is available and under both limits.

    Each condition is evaluated by the database on the row it updates (after any concurrent update of that row
    committed), so routers running side by side can never push an agent over either limit. Both updates run in the
    caller's transaction; when the overall one fails, the channel one is given back before anyone else can see it.
    """
    per_channel = await _execute(
        session,
        update(AgentLoad)
        .where(
            AgentLoad.agent_id == agent_id,
            AgentLoad.channel == channel,
            AgentLoad.active_cases < AgentLoad.capacity,
        )
        .values(active_cases=AgentLoad.active_cases + 1),
    )
    if per_channel != 1:
        return False
    overall = await _execute(
        session,
        update(Agent)
        .where(Agent.id == agent_id, Agent.presence == Presence.AVAILABLE.value, Agent.active_cases < Agent.capacity)
        .values(active_cases=Agent.active_cases + 1, last_assignment_at=at, updated_at=at),
    )
    if overall != 1:
        await _execute(
            session,
            update(AgentLoad)
            .where(AgentLoad.agent_id == agent_id, AgentLoad.channel == channel)
            .values(active_cases=AgentLoad.active_cases - 1),
        )
        return False
    return True


async def release_capacity(session: AsyncSession, *, agent_id: str, channel: str) -> None:
    """Give back one unit taken by `claim_capacity` (an offer declined or expired; later: a case resolved)."""
    await _execute(
        session,
        update(AgentLoad)
        .where(AgentLoad.agent_id == agent_id, AgentLoad.channel == channel, AgentLoad.active_cases > 0)
        .values(active_cases=AgentLoad.active_cases - 1),
    )
    await _execute(
        session,
        update(Agent).where(Agent.id == agent_id, Agent.active_cases > 0).values(active_cases=Agent.active_cases - 1),
    )


async def set_channel_capacity(session: AsyncSession, *, agent_id: str, limits: Mapping[str, int]) -> None:
    """Set the agent's limit per channel, keeping what it holds; channels no longer served get limit 0."""
    rows = {
        row.channel: row
        for row in (await session.execute(select(AgentLoad).where(AgentLoad.agent_id == agent_id))).scalars()
    }
    for channel, row in rows.items():
        row.capacity = limits.get(channel, 0)
    for channel, limit in limits.items():
        if channel not in rows:
            session.add(AgentLoad(agent_id=agent_id, channel=channel, capacity=limit, active_cases=0))
    await session.flush()


async def _execute(session: AsyncSession, statement: Any) -> int:
    result = await session.execute(statement.execution_options(synchronize_session=False))
    assert isinstance(result, CursorResult)
    return result.rowcount


async def case_is_known(session: AsyncSession, *, case_id: str) -> bool:
    """Whether the case was already assigned or queued (a re-sent CaseOpened)."""
    assigned = exists().where(Assignment.case_id == case_id)
    waiting = exists().where(WaitingCase.case_id == case_id)
    offered = exists().where(Offer.case_id == case_id)
    return bool((await session.execute(select(assigned | waiting | offered))).scalar_one())


async def previous_agent(session: AsyncSession, *, customer_id: str) -> str | None:
    """The agent of the customer's latest assignment, for continuity."""
    query = (
        select(Assignment.agent_id)
        .where(Assignment.customer_id == customer_id)
        .order_by(Assignment.assigned_at.desc(), Assignment.id.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def active_assignments(session: AsyncSession, *, agent_id: str) -> Sequence[Assignment]:
    query = (
        select(Assignment)
        .where(Assignment.agent_id == agent_id, Assignment.status == ACTIVE)
        .order_by(Assignment.assigned_at.desc(), Assignment.id.desc())
    )
    return (await session.execute(query)).scalars().all()


async def active_assignments_of_case(session: AsyncSession, *, case_id: str) -> Sequence[Assignment]:
    query = select(Assignment).where(Assignment.case_id == case_id, Assignment.status == ACTIVE).with_for_update()
    return (await session.execute(query)).scalars().all()


async def holds_case(session: AsyncSession, *, case_id: str, agent_id: str | None) -> bool:
    """Whether the case's latest assignment is the agent's (still active, or ended by resolving or closing it)."""
    if agent_id is None:
        return False
    latest = await latest_assignment_of_case(session, case_id=case_id)
    return latest is not None and latest.agent_id == agent_id


async def pending_offers_of_case(session: AsyncSession, *, case_id: str) -> Sequence[Offer]:
    query = select(Offer).where(Offer.case_id == case_id, Offer.status == PENDING).with_for_update()
    return (await session.execute(query)).scalars().all()


async def get_waiting(session: AsyncSession, *, case_id: str) -> WaitingCase | None:
    """The waiting case, locked; None when it is not waiting (or another router holds it right now)."""
    query = select(WaitingCase).where(WaitingCase.case_id == case_id).with_for_update(skip_locked=True)
    return (await session.execute(query)).scalar_one_or_none()


async def waiting_entry(session: AsyncSession, *, case_id: str) -> WaitingCase | None:
    """The case's place in the queue, read without locking it (for answers that change nothing)."""
    return (await session.execute(select(WaitingCase).where(WaitingCase.case_id == case_id))).scalar_one_or_none()


async def latest_offer_of_case(session: AsyncSession, *, case_id: str) -> Offer | None:
    """The case's most recent offer, whatever became of it (it keeps the case and requirement as routed)."""
    query = select(Offer).where(Offer.case_id == case_id).order_by(Offer.created_at.desc(), Offer.id.desc()).limit(1)
    return (await session.execute(query)).scalar_one_or_none()


async def latest_assignment_of_case(session: AsyncSession, *, case_id: str) -> Assignment | None:
    query = (
        select(Assignment)
        .where(Assignment.case_id == case_id)
        .order_by(Assignment.assigned_at.desc(), Assignment.id.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()


async def count_agents(session: AsyncSession) -> int:
    return int((await session.execute(select(func.count()).select_from(Agent))).scalar_one())


async def supervisors(session: AsyncSession, *, channel: str | None = None) -> list[AgentView]:
    """Every supervisor as routing sees it, in id order (optionally only those serving `channel`)."""
    query = select(Agent).where(Agent.supervisor.is_(True)).order_by(Agent.id)
    query = query.execution_options(populate_existing=True)
    views = [agent.view() for agent in (await session.execute(query)).scalars()]
    return [v for v in views if channel is None or channel in v.channels]


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


async def served_from_queue(session: AsyncSession, *, since: datetime) -> dict[str, int]:
    """Required skill -> how many cases left the queue (offered or assigned on draining) since `since`."""
    query = select(RoutingDecision.requirement).where(
        RoutingDecision.trigger == "queue_drain", RoutingDecision.decided_at >= since
    )
    counts: dict[str, int] = {}
    for requirement in (await session.execute(query)).scalars():
        skill = str(requirement.get("skill"))
        counts[skill] = counts.get(skill, 0) + 1
    return counts


async def depth_by_skill(session: AsyncSession) -> list[tuple[str, int, datetime]]:
    """(required skill, waiting cases, oldest enqueued_at) for each skill with waiting cases."""
    query = select(WaitingCase.required_skill, func.count(), func.min(WaitingCase.enqueued_at)).group_by(
        WaitingCase.required_skill
    )
    return [(skill, count, oldest) for skill, count, oldest in (await session.execute(query)).all()]


async def reservations_due(session: AsyncSession, *, now: datetime, limit: int) -> Sequence[WaitingCase]:
    """Waiting cases held for an agent past `reserved_until`, oldest first, locked; rows another router holds are
    skipped."""
    query = (
        select(WaitingCase)
        .where(WaitingCase.reserved_until.is_not(None), WaitingCase.reserved_until <= now)
        .order_by(WaitingCase.reserved_until, WaitingCase.case_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (await session.execute(query)).scalars().all()


async def relaxable(session: AsyncSession, *, limit: int) -> Sequence[WaitingCase]:
    """Waiting cases above the lowest level, oldest first, locked; rows another router holds are skipped."""
    query = (
        select(WaitingCase)
        .where(WaitingCase.required_level > 1)
        .order_by(WaitingCase.enqueued_at, WaitingCase.case_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
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


async def overdue_assignments(session: AsyncSession, *, away_since: datetime, limit: int) -> Sequence[Assignment]:
    """Active assignments of agents away or offline since before `away_since`, locked; rows another router holds are
    skipped (PostgreSQL)."""
    query = (
        select(Assignment)
        .join(Agent, Agent.id == Assignment.agent_id)
        .where(
            Assignment.status == ACTIVE,
            Agent.presence.in_([Presence.AWAY.value, Presence.OFFLINE.value]),
            Agent.presence_changed_at <= away_since,
        )
        .order_by(Assignment.assigned_at, Assignment.id)
        .limit(limit)
        .with_for_update(of=Assignment, skip_locked=True)
    )
    return (await session.execute(query)).scalars().all()


async def release_assignment(session: AsyncSession, *, assignment_id: str, status: str) -> bool:
    """End an active assignment (`status`: released; later resolved, transferred); False when it was not active."""
    ended = await _execute(
        session,
        update(Assignment).where(Assignment.id == assignment_id, Assignment.status == ACTIVE).values(status=status),
    )
    return ended == 1


async def end_accepted_offer(session: AsyncSession, *, case_id: str, status: str, at: datetime, reason: str) -> None:
    await _execute(
        session,
        update(Offer)
        .where(Offer.case_id == case_id, Offer.status == ACCEPTED)
        .values(status=status, decided_at=at, reason=reason),
    )


async def accepted_offer(session: AsyncSession, *, case_id: str) -> Offer | None:
    query = select(Offer).where(Offer.case_id == case_id, Offer.status == ACCEPTED)
    return (await session.execute(query)).scalar_one_or_none()


async def get_offer(session: AsyncSession, *, offer_id: str, for_update: bool = False) -> Offer | None:
    query = select(Offer).where(Offer.id == offer_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalar_one_or_none()


async def end_offer(session: AsyncSession, *, offer_id: str, status: str, at: datetime, reason: str | None) -> bool:
    """Move a pending offer to `status`; False when it is no longer pending (another request or router ended it)."""
    ended = await _execute(
        session,
        update(Offer)
        .where(Offer.id == offer_id, Offer.status == PENDING)
        .values(status=status, decided_at=at, reason=reason),
    )
    return ended == 1


async def pending_offers(session: AsyncSession, *, agent_id: str) -> Sequence[Offer]:
    query = (
        select(Offer).where(Offer.agent_id == agent_id, Offer.status == PENDING).order_by(Offer.created_at, Offer.id)
    )
    return (await session.execute(query)).scalars().all()


async def due_offers(session: AsyncSession, *, now: datetime, limit: int) -> Sequence[Offer]:
    """Pending offers past their deadline, locked; rows another router is expiring are skipped (PostgreSQL)."""
    query = (
        select(Offer)
        .where(Offer.status == PENDING, Offer.expires_at <= now)
        .order_by(Offer.expires_at, Offer.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (await session.execute(query)).scalars().all()


async def refused_by(session: AsyncSession, *, case_id: str) -> set[str]:
    """Agents who declined the case or let its offer expire: it never goes straight back to them."""
    query = select(Offer.agent_id).where(Offer.case_id == case_id, Offer.status.in_([DECLINED, EXPIRED]))
    return set((await session.execute(query)).scalars())


async def cases_refused(session: AsyncSession, *, agent_id: str, case_ids: Collection[str]) -> set[str]:
    query = select(Offer.case_id).where(
        Offer.agent_id == agent_id, Offer.case_id.in_(list(case_ids)), Offer.status.in_([DECLINED, EXPIRED])
    )
    return set((await session.execute(query)).scalars())
