"""One way to change a case's status, whoever asks (a customer's message, an agent, a survey answer, the router):
the lifecycle rule, the timeline entry, the SLA clocks, the follow-up, and the event the rest of the platform hears."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from case_service import clocks, lifecycle, live, opening, timeline
from case_service.domain import CaseStatus
from case_service.emit import emit
from case_service.lifecycle import CaseAction
from case_service.models import Case, FollowUp
from case_service.policy import CasePolicy
from shared.cloudevents import CloudEvent
from shared.events import CaseClosed, CaseReopened, CaseResolved

SCHEDULED = "scheduled"
CANCELLED = "cancelled"


async def change_status(
    session: AsyncSession,
    *,
    case: Case,
    action: CaseAction,
    actor: timeline.Actor,
    policy: CasePolicy,
    now: datetime,
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
    cause: CloudEvent | None = None,
    tenant: str = "default",
) -> CaseStatus:
    """Apply `action` to the case's status (raises lifecycle.IllegalTransition); returns the new status."""
    old = CaseStatus(case.status)
    new = lifecycle.next_status(old, action)
    if new is old:
        return new
    case.status = new.value
    case.updated_at = now
    timeline.record(
        session,
        case_id=case.id,
        kind="status_changed",
        actor=actor,
        at=now,
        detail={"from": old.value, "to": new.value, "action": action.value, "reason": reason, **(detail or {})},
    )
    await clocks.follow_status(session, case=case, old=old, new=new, policy=policy, now=now)
    live.case_updated(session, case=case)
    if new is CaseStatus.RESOLVED:
        case.resolved_at = now
        _schedule_follow_up(session, case=case, policy=policy, now=now)
        data: Any = CaseResolved(
            case_id=case.id, case_reference=case.reference, agent_id=case.assignee_agent_id, resolved_at=now
        )
        await emit(session, data, case_id=case.id, cause=cause, tenant=tenant)
    elif new is CaseStatus.CLOSED:
        case.closed_at = now
        data = CaseClosed(
            case_id=case.id,
            case_reference=case.reference,
            agent_id=case.assignee_agent_id,
            reason=reason,
            closed_at=now,
        )
        await emit(session, data, case_id=case.id, cause=cause, tenant=tenant)
    elif old is CaseStatus.RESOLVED:
        await _reopened(session, case=case, reason=reason or action.value, now=now, cause=cause, tenant=tenant)
    return new


def _schedule_follow_up(session: AsyncSession, *, case: Case, policy: CasePolicy, now: datetime) -> None:
    session.add(
        FollowUp(
            id=str(uuid.uuid4()),
            case_id=case.id,
            agent_id=case.assignee_agent_id,
            due_at=now + policy.follow_up_delay,
            state=SCHEDULED,
            created_at=now,
        )
    )


async def _reopened(
    session: AsyncSession, *, case: Case, reason: str, now: datetime, cause: CloudEvent | None, tenant: str
) -> None:
    """A reopened case is routed again (its previous agent preferred) and its pending check-back is moot."""
    case.reopen_count += 1
    case.resolved_at = None
    await session.execute(
        update(FollowUp)
        .where(FollowUp.case_id == case.id, FollowUp.state == SCHEDULED)
        .values(state=CANCELLED, done_at=now, note="case reopened")
    )
    data = CaseReopened(
        **opening.routing_fields(case), previous_agent_id=case.assignee_agent_id, reason=reason, reopened_at=now
    )
    await emit(session, data, case_id=case.id, cause=cause, tenant=tenant)
