"""Open cases of an agent away or offline longer than the grace period go to someone else."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from router_service import repository
from router_service.broadcast import notify
from router_service.domain import Requirement, RoutingPolicy, requirement_for
from router_service.handlers import RoutedCase, record, route_case
from router_service.models import Assignment
from shared.background import PeriodicTask

log = logging.getLogger(__name__)
REASON = "agent away past the grace period"


async def release_capacity(session: AsyncSession, *, assignment: Assignment, status: str) -> bool:
    """End an active assignment and give its capacity back; False when it was no longer active. Resolved, closed or
    transferred cases (later issues) end the same way."""
    if not await repository.release_assignment(session, assignment_id=assignment.id, status=status):
        return False
    await repository.release_capacity(session, agent_id=assignment.agent_id, channel=assignment.channel)
    notify(session, assignment.agent_id, "assignment_ended", {"case_id": assignment.case_id, "status": status})
    return True


async def reassign_overdue(session: AsyncSession, *, grace: timedelta, policy: RoutingPolicy, limit: int = 100) -> int:
    """Re-route the open cases of agents away or offline for longer than `grace`; how many were re-routed."""
    now = datetime.now(UTC)
    moved = 0
    for assignment in await repository.overdue_assignments(session, away_since=now - grace, limit=limit):
        if not await release_capacity(session, assignment=assignment, status=repository.RELEASED):
            continue
        offer = await repository.accepted_offer(session, case_id=assignment.case_id)
        await repository.end_accepted_offer(
            session, case_id=assignment.case_id, status=repository.RESCINDED, at=now, reason=REASON
        )
        # The case and requirement as routed (kept with the offer); for assignments older than offers, derived again.
        case = RoutedCase.stored(offer.case) if offer is not None else case_of_assignment(assignment)
        if offer is not None:
            requirement = Requirement(**offer.requirement)
        else:
            requirement = requirement_for(assignment, policy, markers=assignment.markers)
        record(
            session,
            assignment.case_id,
            requirement,
            [],
            trigger="away_grace",
            agent_id=assignment.agent_id,
            outcome="rescinded",
            at=now,
        )
        declined = await repository.refused_by(session, case_id=assignment.case_id)
        await route_case(
            session,
            case=case,
            requirement=requirement,
            trigger="away_grace",
            policy=policy,
            declined=declined | {assignment.agent_id},
        )
        moved += 1
        log.info("case %s re-routed: its agent is away past the grace period", assignment.case_id)
    return moved


def case_of_assignment(assignment: Assignment) -> RoutedCase:
    # An assignment does not keep the case's trace: what it starts anew gets a fresh correlation id.
    return RoutedCase.of_row(assignment, correlation_id=None, tenant="default")


class AwayReassigner(PeriodicTask):
    task_name = "away-reassigner"

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        grace: timedelta,
        policy: RoutingPolicy,
        interval: float,
        after_commit: Callable[[], None],
    ) -> None:
        super().__init__(interval=interval)
        self._sessions, self._grace, self._policy = sessions, grace, policy
        self._after_commit = after_commit

    async def tick(self) -> None:
        async with self._sessions() as session:
            async with session.begin():
                moved = await reassign_overdue(session, grace=self._grace, policy=self._policy)
            if moved:
                self._after_commit()
