"""An agent escalating a case (case.escalation_requested.v1): the case goes to, or is brought to the attention of, a
supervisor of the agent's team (any supervisor when the team has none present), announced with case.escalated.v1."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from router_service import repository
from router_service.broadcast import notify
from router_service.domain import (
    CHANNEL_NOT_SERVED,
    DEFAULT_POLICY,
    MIN_LEVEL,
    AgentView,
    Requirement,
    RoutingPolicy,
    rank,
    supervisor_exclusions,
)
from router_service.escalation import SUPERVISOR_STRATEGY, escalate_waiting, explain_supervisors, holder_of, with_room
from router_service.handlers import SOURCE, record
from router_service.models import outbox
from shared import topics
from shared.cloudevents import CloudEvent, new_event
from shared.events import CaseEscalated, CaseEscalationRequested
from shared.outbox import enqueue

log = logging.getLogger(__name__)

REQUESTED = "escalation_request"
NO_SUPERVISOR = ""  # case.escalated.v1's supervisor_id when no supervisor can be told: the case is still escalated


async def on_escalation_requested(
    session: AsyncSession,
    event: CloudEvent,
    data: CaseEscalationRequested,
    *,
    policy: RoutingPolicy = DEFAULT_POLICY,
) -> None:
    """A waiting case is given to the best eligible supervisor (as an SLA breach would); a case an agent holds is
    brought to a supervisor of that agent's team. Either way case.escalated.v1 confirms it, with the request's
    reason, even when no supervisor is there to tell (supervisor_id "": the case waits for whoever looks first)."""
    now = datetime.now(UTC)
    waiting = await repository.get_waiting(session, case_id=data.case_id)
    if waiting is not None:
        await escalate_waiting(session, waiting, reason=data.reason, at=now, policy=policy, trigger=REQUESTED)
        holder = await holder_of(session, case_id=data.case_id)
        supervisor_id = holder[0] if holder is not None else NO_SUPERVISOR
        await _announce(session, event, data, supervisor_id=supervisor_id, agent_id=data.agent_id, at=now)
        return
    holder = await holder_of(session, case_id=data.case_id)
    agent_id = holder[0] if holder is not None else data.agent_id
    channel = holder[1] if holder is not None else None
    requirement = Requirement(skill="", min_level=MIN_LEVEL, language=None, channel=channel or "")
    supervisors = [s for s in await repository.supervisors(session) if s.id != agent_id]
    chosen = await _supervisor_for(session, agent_id, supervisors, requirement, any_channel=channel is None)
    record(
        session,
        data.case_id,
        {"escalation": data.reason, "requested_by": data.agent_id, "assigned_to": agent_id, "channel": channel},
        explain_supervisors(supervisors, requirement, chosen=chosen, room_needed=False),
        trigger=REQUESTED,
        agent_id=chosen,
        outcome="escalated",
        at=now,
    )
    if chosen is None:
        log.warning("case %s: escalation requested and no supervisor is available to be told", data.case_id)
    await _announce(session, event, data, supervisor_id=chosen or NO_SUPERVISOR, agent_id=agent_id, at=now)


async def _supervisor_for(
    session: AsyncSession,
    agent_id: str | None,
    supervisors: list[AgentView],
    requirement: Requirement,
    *,
    any_channel: bool,
) -> str | None:
    """The supervisor to tell: present ones of the agent's team first, then any present one; None when nobody is."""
    # To be told, a supervisor needs only to be there: capacity matters for taking cases, not for looking at one.
    present = [s for s in supervisors if not _kept_from(s, requirement, any_channel=any_channel)]
    agent = await repository.get_agent(session, agent_id=agent_id) if agent_id else None
    team = agent.team if agent is not None else None
    for group in ([s for s in present if team is not None and s.team == team], present):
        if group:
            return rank(group, requirement, strategy=SUPERVISOR_STRATEGY)[0].id
    return None


def _kept_from(supervisor: AgentView, requirement: Requirement, *, any_channel: bool) -> list[str]:
    reasons = supervisor_exclusions(with_room(supervisor), requirement)
    # A case routing never held has no channel it knows of: the supervisor's channels do not matter then.
    return [r for r in reasons if not (any_channel and r == CHANNEL_NOT_SERVED)]


async def _announce(
    session: AsyncSession,
    cause: CloudEvent,
    data: CaseEscalationRequested,
    *,
    supervisor_id: str,
    agent_id: str | None,
    at: datetime,
) -> None:
    """case.escalated.v1, continuing the request's trace, and a notice on the supervisor's live stream."""
    escalated = CaseEscalated(
        case_id=data.case_id, supervisor_id=supervisor_id, reason=data.reason, agent_id=agent_id, escalated_at=at
    )
    envelope = new_event(
        escalated,
        source=SOURCE,
        subject=data.case_id,
        correlation_id=cause.correlationid or cause.id,
        tenant=cause.tenant,
        traceparent=cause.traceparent,
    )
    await enqueue(session, outbox, topic=topics.ROUTING_EVENTS, key=data.case_id, event=envelope)
    if supervisor_id:
        notify(
            session, supervisor_id, "escalation", {"case_id": data.case_id, "agent_id": agent_id, "reason": data.reason}
        )
