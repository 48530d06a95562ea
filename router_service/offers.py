"""What becomes of an offer: accepted (the assignment), or declined, expired or rescinded (re-routed elsewhere)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from router_service import repository
from router_service.broadcast import notify
from router_service.domain import Requirement, RoutingPolicy
from router_service.handlers import SOURCE, RoutedCase, assign, record, route_case
from router_service.models import Offer, outbox
from shared import topics
from shared.cloudevents import new_event
from shared.events import CaseOfferEnded
from shared.outbox import enqueue

log = logging.getLogger(__name__)


class Answer(StrEnum):
    """What an accept or decline request found."""

    DONE = "done"
    UNKNOWN = "unknown"
    NOT_PENDING = "not pending"


@dataclass(frozen=True)
class Outcome:
    answer: Answer
    status: str | None = None  # the offer's status when it was not pending
    assignment_id: str | None = None


async def accept(session: AsyncSession, *, offer_id: str, policy: RoutingPolicy) -> Outcome:
    """Turn a pending, unexpired offer into the case's assignment (announced as case.assigned.v1)."""
    offer = await repository.get_offer(session, offer_id=offer_id, for_update=True)
    if offer is None:
        return Outcome(Answer.UNKNOWN)
    now = datetime.now(UTC)
    if offer.status == repository.PENDING and offer.expires_at <= now:
        await end(session, offer=offer, status=repository.EXPIRED, reason=None, policy=policy)
        return Outcome(Answer.NOT_PENDING, repository.EXPIRED)
    if not await repository.end_offer(session, offer_id=offer_id, status=repository.ACCEPTED, at=now, reason=None):
        await session.refresh(offer)
        return Outcome(Answer.NOT_PENDING, offer.status)
    case = RoutedCase.stored(offer.case)
    assignment_id = await assign(session, case=case, agent_id=offer.agent_id, at=now)
    record(
        session,
        offer.case_id,
        offer.requirement,
        [],
        trigger="offer_accepted",
        agent_id=offer.agent_id,
        outcome="accepted",
        at=now,
    )
    return Outcome(Answer.DONE, repository.ACCEPTED, assignment_id)


async def decline(session: AsyncSession, *, offer_id: str, reason: str | None, policy: RoutingPolicy) -> Outcome:
    """Decline a pending offer: its capacity is given back and the case goes to the next eligible agent."""
    offer = await repository.get_offer(session, offer_id=offer_id, for_update=True)
    if offer is None:
        return Outcome(Answer.UNKNOWN)
    if offer.status != repository.PENDING:
        return Outcome(Answer.NOT_PENDING, offer.status)
    if not await end(session, offer=offer, status=repository.DECLINED, reason=reason, policy=policy):
        await session.refresh(offer)
        return Outcome(Answer.NOT_PENDING, offer.status)
    return Outcome(Answer.DONE, repository.DECLINED)


async def end(session: AsyncSession, *, offer: Offer, status: str, reason: str | None, policy: RoutingPolicy) -> bool:
    """End a pending offer without assignment (declined, expired, rescinded) and re-route its case; False when it was
    no longer pending."""
    now = datetime.now(UTC)
    if not await repository.end_offer(session, offer_id=offer.id, status=status, at=now, reason=reason):
        return False
    await repository.release_capacity(session, agent_id=offer.agent_id, channel=offer.channel)
    record(
        session,
        offer.case_id,
        offer.requirement,
        [],
        trigger=f"offer_{status}",
        agent_id=offer.agent_id,
        outcome=status,
        at=now,
    )
    case = RoutedCase.stored(offer.case)
    event = new_event(
        CaseOfferEnded(
            case_id=offer.case_id,
            offer_id=offer.id,
            agent_id=offer.agent_id,
            outcome=status,
            reason=reason,
            ended_at=now,
        ),
        source=SOURCE,
        subject=offer.case_id,
        correlation_id=case.correlation_id,
        tenant=case.tenant,
    )
    await enqueue(session, outbox, topic=topics.ROUTING_EVENTS, key=offer.case_id, event=event)
    notify(session, offer.agent_id, f"offer_{status}", {"offer_id": offer.id, "case_id": offer.case_id})
    requirement = Requirement(**offer.requirement)
    declined = await repository.refused_by(session, case_id=offer.case_id)
    await route_case(
        session,
        case=case,
        requirement=requirement,
        trigger=f"offer_{status}"[:20],
        policy=policy,
        declined=declined,
    )
    log.info("offer %s of case %s %s; case re-routed", offer.id, offer.case_id, status)
    return True


async def expire_due(session: AsyncSession, *, policy: RoutingPolicy, limit: int = 100) -> int:
    """Expire pending offers past their deadline and re-route their cases; how many were expired."""
    due = await repository.due_offers(session, now=datetime.now(UTC), limit=limit)
    expired = 0
    for offer in due:
        if await end(session, offer=offer, status=repository.EXPIRED, reason=None, policy=policy):
            expired += 1
    return expired


async def rescind_pending(session: AsyncSession, *, agent_id: str, policy: RoutingPolicy) -> int:
    """Take back the agent's pending offers (it went away or offline) and re-route their cases."""
    rescinded = 0
    for offer in await repository.pending_offers(session, agent_id=agent_id):
        reason = "agent no longer available"
        if await end(session, offer=offer, status=repository.RESCINDED, reason=reason, policy=policy):
            rescinded += 1
    return rescinded
