"""A case ending (resolved or closed, from case_service) frees what it held: the assignment ends, the agent's
capacity comes back, and the queue drains to that agent in the same transaction."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from router_service import repository
from router_service.domain import DEFAULT_POLICY, RoutingPolicy
from router_service.handlers import drain_queue_for, record
from router_service.reassign import release_capacity
from shared.cloudevents import CloudEvent
from shared.events import CaseClosed, CaseResolved

log = logging.getLogger(__name__)

RESOLVED = "resolved"
CLOSED = "closed"


async def on_case_resolved(
    session: AsyncSession, event: CloudEvent, data: CaseResolved, *, policy: RoutingPolicy = DEFAULT_POLICY
) -> None:
    await end_case(session, case_id=data.case_id, status=RESOLVED, at=data.resolved_at, policy=policy)


async def on_case_closed(
    session: AsyncSession, event: CloudEvent, data: CaseClosed, *, policy: RoutingPolicy = DEFAULT_POLICY
) -> None:
    await end_case(session, case_id=data.case_id, status=CLOSED, at=data.closed_at, policy=policy)


async def end_case(
    session: AsyncSession, *, case_id: str, status: str, at: datetime, policy: RoutingPolicy = DEFAULT_POLICY
) -> list[str]:
    """End whatever routing still holds of the case; the agents whose capacity came back (then drained to).

    Active assignment: ended with `status`, its capacity released. Pending offer: rescinded, its capacity released.
    Still waiting: taken out of the queue. A case already ended (a repeated or late event) changes nothing.
    """
    now = datetime.now(UTC)
    freed: list[str] = []
    for assignment in await repository.active_assignments_of_case(session, case_id=case_id):
        if await release_capacity(session, assignment=assignment, status=status):
            freed.append(assignment.agent_id)
    for offer in await repository.pending_offers_of_case(session, case_id=case_id):
        if await repository.end_offer(session, offer_id=offer.id, status=repository.RESCINDED, at=now, reason=status):
            await repository.release_capacity(session, agent_id=offer.agent_id, channel=offer.channel)
            freed.append(offer.agent_id)
    left_queue = await repository.take_waiting(session, case_id=case_id)
    if not freed and not left_queue:
        log.info("case %s %s: routing held nothing of it", case_id, status)
        return []
    record(
        session,
        case_id,
        {"ended": status, "at": at.isoformat()},
        [],
        trigger=f"case_{status}",
        agent_id=freed[0] if freed else None,
        outcome=status,
        at=now,
    )
    for agent_id in dict.fromkeys(freed):
        given = await drain_queue_for(session, agent_id=agent_id, policy=policy)
        log.info("case %s %s: agent %s freed, given %s from the queue", case_id, status, agent_id, given)
    return freed
