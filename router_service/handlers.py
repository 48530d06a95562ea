"""Routing: give an opened case to the best eligible agent or queue it, and drain the queue to an agent."""

from __future__ import annotations

import logging
import uuid
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from router_service import repository
from router_service.domain import (
    AgentView,
    Evaluation,
    Presence,
    Requirement,
    RoutingPolicy,
    Score,
    evaluate,
    exclusion_reasons,
    priority_rank,
    requirement_for,
    score,
)
from router_service.models import Assignment, RoutingDecision, WaitingCase, outbox
from shared import topics
from shared.cloudevents import CloudEvent, new_event
from shared.events import CaseAssigned, CaseOpened
from shared.outbox import enqueue

log = logging.getLogger(__name__)

SOURCE = "router_service"
CLAIM_LOST = "lost its last capacity to a concurrent assignment"


@dataclass(frozen=True)
class RoutedCase:
    """What routing keeps of a case, whether it comes straight from CaseOpened or out of the queue."""

    case_id: str
    case_reference: str
    customer_id: str
    channel: str
    category: str
    priority: str
    language: str | None
    subject: str | None
    correlation_id: str | None
    tenant: str

    @classmethod
    def opened(cls, event: CloudEvent, data: CaseOpened) -> RoutedCase:
        return cls(
            case_id=data.case_id,
            case_reference=data.case_reference,
            customer_id=data.customer_id,
            channel=data.channel.value,
            category=data.category,
            priority=data.priority.value,
            language=data.language,
            subject=data.subject,
            correlation_id=event.correlationid or event.id,
            tenant=event.tenant,
        )

    @classmethod
    def waiting(cls, row: WaitingCase) -> RoutedCase:
        return cls(
            case_id=row.case_id,
            case_reference=row.case_reference,
            customer_id=row.customer_id,
            channel=row.channel,
            category=row.category,
            priority=row.priority,
            language=row.language,
            subject=row.subject,
            correlation_id=row.correlation_id,
            tenant=row.tenant,
        )


async def on_case_opened(
    session: AsyncSession, event: CloudEvent, data: CaseOpened, *, policy: RoutingPolicy | None = None
) -> None:
    """Assign the case to the best eligible agent that still has capacity, or queue it."""
    if await repository.case_is_known(session, case_id=data.case_id):
        log.info("case %s was already routed; the repeated case.opened changes nothing", data.case_id)
        return
    case = RoutedCase.opened(event, data)
    requirement = requirement_for(data, policy or RoutingPolicy())
    agents = await repository.list_agents(session)
    evaluation = evaluate([agent.view() for agent in agents], requirement)
    now = datetime.now(UTC)
    lost: list[str] = []
    for agent in evaluation.ranked:
        # Ranking read a snapshot; the claim re-checks presence and capacity on the row itself.
        if await repository.claim_capacity(session, agent_id=agent.id, at=now):
            await _assign(session, case=case, agent_id=agent.id, at=now)
            candidates = _candidates(evaluation, chosen=agent.id, lost=lost)
            _record(session, case, requirement, candidates, trigger="case_opened", agent_id=agent.id, at=now)
            return
        lost.append(agent.id)
    session.add(_waiting(case, requirement, at=now))
    candidates = _candidates(evaluation, chosen=None, lost=lost)
    _record(session, case, requirement, candidates, trigger="case_opened", agent_id=None, at=now)
    log.info("case %s queued: no eligible agent with capacity", case.case_id)


async def drain_queue_for(session: AsyncSession, *, agent_id: str) -> list[str]:
    """Give waiting cases (priority, then age) to the agent while it can take them; returns the case ids assigned."""
    row = await repository.get_agent(session, agent_id=agent_id, for_update=True)
    if row is None:
        return []
    agent = row.view()
    assigned: list[str] = []
    if not _can_take_more(agent):
        return assigned
    queue = await repository.waiting_in_order(session, skills=agent.skills.keys(), channels=agent.channels)
    for waiting in queue:
        if not _can_take_more(agent):
            break
        requirement = Requirement(
            skill=waiting.required_skill,
            min_level=waiting.required_level,
            language=waiting.required_language,
            channel=waiting.channel,
        )
        if exclusion_reasons(agent, requirement):
            continue
        if not await repository.take_waiting(session, case_id=waiting.case_id):
            continue  # another router assigned it meanwhile
        now = datetime.now(UTC)
        agent_score = score(agent, requirement)
        if not await repository.claim_capacity(session, agent_id=agent_id, at=now):
            # Cannot happen while this transaction holds the agent's row; if it ever does, the case keeps its place.
            await repository.requeue(session, waiting=waiting)
            break
        case = RoutedCase.waiting(waiting)
        await _assign(session, case=case, agent_id=agent_id, at=now)
        candidates = [_candidate(agent_id, reasons=[], rank=1, agent_score=agent_score, chosen=True)]
        _record(session, case, requirement, candidates, trigger="queue_drain", agent_id=agent_id, at=now)
        agent = replace(agent, active_cases=agent.active_cases + 1, last_assignment_at=now)
        assigned.append(case.case_id)
    if assigned:
        await session.refresh(row)  # the claims bypassed the ORM; the caller may still show this agent
    return assigned


def _can_take_more(agent: AgentView) -> bool:
    return agent.presence == Presence.AVAILABLE and agent.active_cases < agent.capacity


async def _assign(session: AsyncSession, *, case: RoutedCase, agent_id: str, at: datetime) -> None:
    """Record the assignment and announce it, after the capacity claim succeeded in this transaction."""
    assignment = Assignment(
        id=str(uuid.uuid4()),
        case_id=case.case_id,
        agent_id=agent_id,
        case_reference=case.case_reference,
        customer_id=case.customer_id,
        channel=case.channel,
        category=case.category,
        priority=case.priority,
        language=case.language,
        subject=case.subject,
        assigned_at=at,
        status=repository.ACTIVE,
    )
    session.add(assignment)
    await session.flush()  # the UNIQUE case_id refuses a second assignment before anything is announced
    event = new_event(
        CaseAssigned(case_id=case.case_id, agent_id=agent_id, assigned_at=at, assignment_id=assignment.id),
        source=SOURCE,
        subject=case.case_id,
        correlation_id=case.correlation_id,
        tenant=case.tenant,
    )
    await enqueue(session, outbox, topic=topics.ROUTING_EVENTS, key=case.case_id, event=event)
    log.info("case %s assigned (assignment %s)", case.case_id, assignment.id)


def _waiting(case: RoutedCase, requirement: Requirement, *, at: datetime) -> WaitingCase:
    return WaitingCase(
        case_id=case.case_id,
        case_reference=case.case_reference,
        customer_id=case.customer_id,
        channel=case.channel,
        category=case.category,
        priority=case.priority,
        language=case.language,
        subject=case.subject,
        required_skill=requirement.skill,
        required_level=requirement.min_level,
        required_language=requirement.language,
        priority_rank=priority_rank(case.priority),
        enqueued_at=at,
        correlation_id=case.correlation_id,
        tenant=case.tenant,
    )


def _record(
    session: AsyncSession,
    case: RoutedCase,
    requirement: Requirement,
    candidates: list[dict[str, Any]],
    *,
    trigger: str,
    agent_id: str | None,
    at: datetime,
) -> None:
    session.add(
        RoutingDecision(
            case_id=case.case_id,
            decided_at=at,
            trigger=trigger,
            requirement=asdict(requirement),
            candidates=candidates,
            agent_id=agent_id,
            outcome="assigned" if agent_id is not None else "queued",
        )
    )


def _candidates(evaluation: Evaluation, *, chosen: str | None, lost: list[str]) -> list[dict[str, Any]]:
    """Eligible agents in rank order, then the excluded ones, each with its reasons or score."""
    positions = {agent.id: n for n, agent in enumerate(evaluation.ranked, start=1)}
    eligible = sorted((c for c in evaluation.candidates if c.score is not None), key=lambda c: positions[c.agent_id])
    excluded = [c for c in evaluation.candidates if c.score is None]
    return [
        _candidate(
            c.agent_id,
            reasons=[CLAIM_LOST] if c.agent_id in lost else list(c.reasons),
            rank=positions.get(c.agent_id),
            agent_score=c.score,
            chosen=c.agent_id == chosen,
        )
        for c in [*eligible, *excluded]
    ]


def _candidate(
    agent_id: str, *, reasons: list[str], rank: int | None, agent_score: Score | None, chosen: bool
) -> dict[str, Any]:
    scored = None
    if agent_score is not None:
        last = agent_score.last_assignment_at
        scored = {
            "over_qualification": agent_score.over_qualification,
            "occupancy": round(float(agent_score.occupancy), 4),
            "last_assignment_at": last.isoformat() if last is not None else None,
        }
    return {"agent_id": agent_id, "reasons": reasons, "rank": rank, "score": scored, "chosen": chosen}
