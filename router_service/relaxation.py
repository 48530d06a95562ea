"""Relaxation: a case waiting too long has its minimum level lowered one step at a time, then is routed again."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from router_service import repository
from router_service.domain import Requirement, RoutingPolicy, evaluate, relaxed_level
from router_service.handlers import RoutedCase, record, route_case
from router_service.models import WaitingCase
from shared.background import PeriodicTask

log = logging.getLogger(__name__)


async def relax_waiting(
    session: AsyncSession, *, after: Mapping[str, timedelta], policy: RoutingPolicy, limit: int = 200
) -> list[str]:
    """Lower the minimum level of every case that waited long enough, record it, and route it when someone can now
    take it; the ids of the cases relaxed."""
    now = datetime.now(UTC)
    relaxed = await release_reservations(session, policy=policy, now=now, limit=limit)
    for waiting in await repository.relaxable(session, limit=limit):
        level = relaxed_level(
            waiting.required_level,
            priority=waiting.priority,
            waiting_since=waiting.relaxed_at or waiting.enqueued_at,
            now=now,
            after=after,
        )
        if level is None:
            continue
        before = waiting.required_level
        waiting.required_level, waiting.relaxed_at = level, now
        requirement = Requirement(waiting.required_skill, level, waiting.required_language, waiting.channel)
        explained = {**asdict(requirement), "relaxed_from": before}
        record(session, waiting.case_id, explained, [], trigger="relaxation", agent_id=None, outcome="relaxed", at=now)
        relaxed.append(waiting.case_id)
        log.info("case %s: minimum level relaxed from %d to %d", waiting.case_id, before, level)
        await session.flush()
        await route_waiting(session, waiting, requirement, trigger="relaxation", policy=policy)
    return relaxed


async def release_reservations(
    session: AsyncSession, *, policy: RoutingPolicy, now: datetime, limit: int = 200
) -> list[str]:
    """Cases held for the customer's previous agent past the wait: no longer held, recorded, and routed to anyone
    eligible (or left in the queue, in their place); their ids."""
    released = []
    for waiting in await repository.reservations_due(session, now=now, limit=limit):
        held_for = waiting.reserved_for
        waiting.reserved_for, waiting.reserved_until = None, None
        requirement = Requirement(
            waiting.required_skill, waiting.required_level, waiting.required_language, waiting.channel
        )
        explained = {**asdict(requirement), "released_from": held_for}
        record(
            session,
            waiting.case_id,
            explained,
            [],
            trigger="continuity_wait",
            agent_id=held_for,
            outcome="queued",
            at=now,
        )
        released.append(waiting.case_id)
        log.info("case %s no longer held for %s: the continuity wait is over", waiting.case_id, held_for)
        await session.flush()
        await route_waiting(session, waiting, requirement, trigger="continuity_wait", policy=policy)
    return released


async def _someone_can_take(session: AsyncSession, requirement: Requirement, *, case_id: str) -> bool:
    agents = await repository.candidates(session, skill=requirement.skill, channel=requirement.channel)
    declined = await repository.refused_by(session, case_id=case_id)
    return bool(evaluate(agents, requirement, declined=declined).ranked)


async def route_waiting(
    session: AsyncSession, waiting: WaitingCase, requirement: Requirement, *, trigger: str, policy: RoutingPolicy
) -> None:
    """Route a waiting case again under `requirement` when someone can take it now; else it keeps its place."""
    if not await _someone_can_take(session, requirement, case_id=waiting.case_id):
        return
    case, since = RoutedCase.waiting(waiting), waiting.enqueued_at
    if await repository.take_waiting(session, case_id=waiting.case_id):
        declined = await repository.refused_by(session, case_id=waiting.case_id)
        await route_case(
            session,
            case=case,
            requirement=requirement,
            trigger=trigger,
            policy=policy,
            declined=declined,
            waiting_since=since,
        )


class Relaxer(PeriodicTask):
    """Every `interval`, relaxes the cases that waited past their priority's threshold."""

    task_name = "queue-relaxer"

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        after: Mapping[str, timedelta],
        policy: RoutingPolicy,
        interval: float,
        after_commit: Callable[[], None],
    ) -> None:
        super().__init__(interval=interval)
        self._sessions = sessions
        self._after = after
        self._policy = policy
        self._after_commit = after_commit

    async def tick(self) -> None:
        async with self._sessions() as session:
            async with session.begin():
                relaxed = await relax_waiting(session, after=self._after, policy=self._policy)
            if relaxed:
                self._after_commit()
