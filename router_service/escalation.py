"""SLA signals from case_service: a case at risk waits less (higher priority, wider search); a breached one goes to,
or is brought to the attention of, a supervisor."""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from router_service import repository
from router_service.broadcast import notify
from router_service.domain import (
    DEFAULT_POLICY,
    LONGEST_IDLE,
    LOWEST_OCCUPANCY,
    MIN_LEVEL,
    AgentView,
    Requirement,
    RoutingPolicy,
    priority_rank,
    raised_priority,
    rank,
    score,
    supervisor_exclusions,
)
from router_service.handlers import SOURCE, RoutedCase, candidate_entry, give, record
from router_service.models import WaitingCase, outbox
from router_service.reassign import case_of_assignment
from router_service.relaxation import route_waiting
from shared import topics
from shared.cloudevents import CloudEvent, new_event
from shared.events import CaseEscalated, CaseSlaAtRisk, CaseSlaBreached
from shared.outbox import enqueue

log = logging.getLogger(__name__)

AT_RISK = "sla_at_risk"
BREACHED = "sla_breached"
SUPERVISOR_STRATEGY = (LOWEST_OCCUPANCY, LONGEST_IDLE)


async def on_sla_at_risk(
    session: AsyncSession, event: CloudEvent, data: CaseSlaAtRisk, *, policy: RoutingPolicy = DEFAULT_POLICY
) -> None:
    """A waiting case moves up one priority (its place in the queue) and one level down (more agents qualify), then
    is routed if someone can now take it. A case already offered or assigned is left alone."""
    waiting = await repository.get_waiting(session, case_id=data.case_id)
    if waiting is None:
        log.info("case %s: %s SLA at risk, but it is not waiting", data.case_id, data.target)
        return
    now = datetime.now(UTC)
    before_priority, before_level = waiting.priority, waiting.required_level
    higher = raised_priority(waiting.priority)
    if higher is not None:
        waiting.priority, waiting.priority_rank = higher, priority_rank(higher)
    if waiting.required_level > MIN_LEVEL:
        waiting.required_level, waiting.relaxed_at = waiting.required_level - 1, now
    requirement = _requirement(waiting)
    explained = {
        **asdict(requirement),
        "relaxed_from": before_level,
        "priority": waiting.priority,
        "priority_from": before_priority,
        "sla_target": data.target.value,
        "due_at": data.due_at.isoformat(),
    }
    record(session, waiting.case_id, explained, [], trigger=AT_RISK, agent_id=None, outcome="relaxed", at=now)
    await session.flush()
    log.info(
        "case %s: %s SLA at risk; priority %s, level %d",
        data.case_id,
        data.target,
        waiting.priority,
        waiting.required_level,
    )
    await route_waiting(session, waiting, requirement, trigger=AT_RISK, policy=policy)


async def on_sla_breached(
    session: AsyncSession, event: CloudEvent, data: CaseSlaBreached, *, policy: RoutingPolicy = DEFAULT_POLICY
) -> None:
    """Escalate: a waiting case is given to the best eligible supervisor (skill and level ignored); for a case
    already offered or assigned, a supervisor is told (case.escalated.v1). Either way the escalation is recorded."""
    reason = f"{data.target.value} SLA breached (due {data.due_at.isoformat()})"
    now = datetime.now(UTC)
    waiting = await repository.get_waiting(session, case_id=data.case_id)
    if waiting is not None:
        await escalate_waiting(session, waiting, reason=reason, at=now, policy=policy)
        return
    holder = await holder_of(session, case_id=data.case_id)
    if holder is None:
        log.info("case %s: SLA breached, but routing holds nothing of it", data.case_id)
        return
    agent_id, channel, case = holder
    requirement = Requirement(skill="", min_level=MIN_LEVEL, language=None, channel=channel)
    supervisors = [s for s in await repository.supervisors(session) if s.id != agent_id]
    # To be told, a supervisor needs only to be there: capacity matters for taking cases, not for looking at one.
    present = [s for s in supervisors if not supervisor_exclusions(with_room(s), requirement)]
    chosen = rank(present, requirement, strategy=SUPERVISOR_STRATEGY)[0] if present else None
    candidates = explain_supervisors(supervisors, requirement, chosen=chosen.id if chosen else None, room_needed=False)
    explained = {"escalation": reason, "assigned_to": agent_id, "channel": channel}
    supervisor_id = chosen.id if chosen else None
    record(
        session,
        data.case_id,
        explained,
        candidates,
        trigger=BREACHED,
        agent_id=supervisor_id,
        outcome="escalated",
        at=now,
    )
    if chosen is None:
        log.warning("case %s: SLA breached and no supervisor is available to be told", data.case_id)
        return
    await _announce(session, case, supervisor_id=chosen.id, agent_id=agent_id, reason=reason, at=now)


async def escalate_waiting(
    session: AsyncSession,
    waiting: WaitingCase,
    *,
    reason: str,
    at: datetime,
    policy: RoutingPolicy,
    trigger: str = BREACHED,
) -> None:
    """Give a waiting case to the best eligible supervisor (skill and level ignored); it keeps waiting if none can."""
    requirement = _requirement(waiting)
    supervisors = await repository.supervisors(session, channel=waiting.channel)
    eligible = [s for s in supervisors if not supervisor_exclusions(s, requirement)]
    explained = {**asdict(requirement), "escalation": reason}
    case = RoutedCase.waiting(waiting)
    for supervisor in rank(eligible, requirement, strategy=SUPERVISOR_STRATEGY):
        if not await repository.claim_capacity(session, agent_id=supervisor.id, channel=waiting.channel, at=at):
            continue
        if not await repository.take_waiting(session, case_id=waiting.case_id):
            await repository.release_capacity(session, agent_id=supervisor.id, channel=waiting.channel)
            return  # another router is routing it right now
        candidates = explain_supervisors(supervisors, requirement, chosen=supervisor.id, room_needed=True)
        record(
            session,
            case.case_id,
            explained,
            candidates,
            trigger=trigger,
            agent_id=supervisor.id,
            outcome="escalated",
            at=at,
        )
        outcome = await give(session, case=case, requirement=requirement, agent=supervisor, at=at, policy=policy)
        record(
            session,
            case.case_id,
            requirement,
            candidates,
            trigger=trigger,
            agent_id=supervisor.id,
            outcome=outcome,
            at=at,
        )
        log.info("case %s escalated to supervisor %s (%s)", case.case_id, supervisor.id, outcome)
        return
    candidates = explain_supervisors(supervisors, requirement, chosen=None, room_needed=True)
    record(session, case.case_id, explained, candidates, trigger=trigger, agent_id=None, outcome="escalated", at=at)
    log.warning("case %s: escalated (%s) but no supervisor can take it; it keeps waiting", case.case_id, trigger)


async def holder_of(session: AsyncSession, *, case_id: str) -> tuple[str, str, RoutedCase] | None:
    """(agent id, channel, case) of the case's active assignment or pending offer; None when neither exists."""
    for assignment in await repository.active_assignments_of_case(session, case_id=case_id):
        offer = await repository.accepted_offer(session, case_id=case_id)
        case = RoutedCase.stored(offer.case) if offer is not None else case_of_assignment(assignment)
        return assignment.agent_id, assignment.channel, case
    for pending in await repository.pending_offers_of_case(session, case_id=case_id):
        return pending.agent_id, pending.channel, RoutedCase.stored(pending.case)
    return None


def _requirement(waiting: WaitingCase) -> Requirement:
    return Requirement(waiting.required_skill, waiting.required_level, waiting.required_language, waiting.channel)


def with_room(agent: AgentView) -> AgentView:
    """The agent as if it had room: for checks where capacity does not matter."""
    return AgentView(**{**asdict(agent), "active_cases": 0, "channel_load": {}, "capacity": max(agent.capacity, 1)})


def explain_supervisors(
    supervisors: list[AgentView], requirement: Requirement, *, chosen: str | None, room_needed: bool
) -> list[dict[str, Any]]:
    out = []
    for s in supervisors:
        reasons = supervisor_exclusions(s if room_needed else with_room(s), requirement)
        out.append(
            candidate_entry(
                s.id,
                reasons=reasons,
                rank=None,
                agent_score=None if reasons else score(s, requirement),
                chosen=s.id == chosen,
            )
        )
    return out


async def _announce(
    session: AsyncSession, case: RoutedCase, *, supervisor_id: str, agent_id: str, reason: str, at: datetime
) -> None:
    event = new_event(
        CaseEscalated(
            case_id=case.case_id, supervisor_id=supervisor_id, reason=reason, agent_id=agent_id, escalated_at=at
        ),
        source=SOURCE,
        subject=case.case_id,
        correlation_id=case.correlation_id,
        tenant=case.tenant,
    )
    await enqueue(session, outbox, topic=topics.ROUTING_EVENTS, key=case.case_id, event=event)
    notify(session, supervisor_id, "escalation", {"case_id": case.case_id, "agent_id": agent_id, "reason": reason})
