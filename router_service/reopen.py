"""A reopened case (case.reopened.v1) is routed again like a new one, back to the agent who had it when they can take
it."""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import UTC, datetime

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from router_service import repository
from router_service.domain import (
    CONTINUITY,
    DEFAULT_POLICY,
    Requirement,
    RoutingPolicy,
    exclusion_reasons,
    requirement_for,
    score,
)
from router_service.handlers import RoutedCase, candidate_entry, give, record, route_case
from router_service.models import Assignment, Offer, WaitingCase
from shared.cloudevents import CloudEvent
from shared.events import CaseReopened

log = logging.getLogger(__name__)

REOPENED = "case_reopened"


async def on_case_reopened(
    session: AsyncSession, event: CloudEvent, data: CaseReopened, *, policy: RoutingPolicy = DEFAULT_POLICY
) -> None:
    """Offer (or assign) the case to its previous agent when eligible, else to the best eligible agent, or queue it,
    with the requirement a new case of its category, priority, markers, language and channel would have. A case
    routing still holds (assigned, offered or waiting) is left as it is."""
    if await _held(session, case_id=data.case_id):
        log.info("case %s reopened, but routing still holds it; nothing to do", data.case_id)
        return
    now = datetime.now(UTC)
    # The offer accepted when the case was first assigned outlived that assignment; the case may hold a new one now.
    await repository.end_accepted_offer(
        session, case_id=data.case_id, status=repository.RESCINDED, at=now, reason="the case ended, then reopened"
    )
    case = await _routed_case(session, event, data)
    requirement = requirement_for(data, policy, markers=data.markers)
    previous = data.previous_agent_id
    if previous and CONTINUITY in policy.strategy:
        if await _back_to(session, previous, case=case, requirement=requirement, at=now, policy=policy):
            return
    await route_case(session, case=case, requirement=requirement, trigger=REOPENED, policy=policy, may_reserve=True)


async def _back_to(
    session: AsyncSession,
    agent_id: str,
    *,
    case: RoutedCase,
    requirement: Requirement,
    at: datetime,
    policy: RoutingPolicy,
) -> bool:
    """Give the case to `agent_id` if eligible and its capacity can be claimed; whether it was given."""
    row = await repository.get_agent(session, agent_id=agent_id)
    if row is None:
        return False
    agent = row.view()
    if exclusion_reasons(agent, requirement, at=at):
        return False  # route_case explains why, and may hold the case for them when they are only busy or full
    if not await repository.claim_capacity(session, agent_id=agent_id, channel=requirement.channel, at=at):
        return False
    outcome = await give(session, case=case, requirement=requirement, agent=agent, at=at, policy=policy)
    entry = candidate_entry(agent_id, reasons=[], rank=1, agent_score=score(agent, requirement), chosen=True)
    record(
        session,
        case.case_id,
        {**asdict(requirement), "previous_agent": agent_id},
        [entry],
        trigger=REOPENED,
        agent_id=agent_id,
        outcome=outcome,
        at=at,
    )
    log.info("reopened case %s back to its previous agent %s (%s)", case.case_id, agent_id, outcome)
    return True


async def _held(session: AsyncSession, *, case_id: str) -> bool:
    """Whether the case has an active assignment, a pending offer or a place in the queue."""
    assigned = exists().where(Assignment.case_id == case_id, Assignment.status == repository.ACTIVE)
    offered = exists().where(Offer.case_id == case_id, Offer.status == repository.PENDING)
    waiting = exists().where(WaitingCase.case_id == case_id)
    return bool((await session.execute(select(assigned | offered | waiting))).scalar_one())


async def _routed_case(session: AsyncSession, event: CloudEvent, data: CaseReopened) -> RoutedCase:
    """The case as the event tells it; the subject (not in the event) as its last assignment kept it."""
    query = (
        select(Assignment.subject)
        .where(Assignment.case_id == data.case_id)
        .order_by(Assignment.assigned_at.desc(), Assignment.id.desc())
        .limit(1)
    )
    subject = (await session.execute(query)).scalar_one_or_none()
    return RoutedCase.announced(event, data, subject=subject)
