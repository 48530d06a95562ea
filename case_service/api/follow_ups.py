"""Follow-up tasks: the check-backs with customers after a resolution, listed for the agent and marked done."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from case_service import timeline
from case_service.api.deps import Caller, Session
from case_service.models import Case, FollowUp
from case_service.schemas.follow_ups import FollowUpDoneIn, FollowUpList, FollowUpOut, FollowUpState
from shared.auth import Principal
from shared.problems import PROBLEM_JSON, Problem

router = APIRouter(tags=["follow-ups"])

# Still to do: a task can be done before it falls due (the agent checked back early) or once it is due.
OPEN_STATES = (FollowUpState.SCHEDULED.value, FollowUpState.DUE.value)


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_JSON: {}}}


@router.get("/follow-ups")
async def list_follow_ups(
    session: Session,
    caller: Caller,
    state: FollowUpState = FollowUpState.DUE,
    agent_id: Annotated[str | None, Query(max_length=200, description="Tasks of this agent.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> FollowUpList:
    """Follow-up tasks in one state (due by default), soonest first. Agents get only their own."""
    if not caller.sees_all:
        if agent_id is not None and agent_id != caller.agent_id:
            return FollowUpList(items=[])
        agent_id = caller.agent_id
    query = (
        select(FollowUp, Case.reference)
        .join(Case, Case.id == FollowUp.case_id)
        .where(FollowUp.state == state.value)
        .order_by(FollowUp.due_at, FollowUp.id)
        .limit(limit)
    )
    if agent_id is not None:
        query = query.where(FollowUp.agent_id == agent_id)
    rows = (await session.execute(query)).all()
    return FollowUpList(items=[_out(row[0], row[1]) for row in rows])


@router.post(
    "/follow-ups/{follow_up_id}/done",
    responses={
        404: _problem("No such follow-up, or it is not the calling agent's."),
        409: _problem("The follow-up is already done or was cancelled."),
    },
)
async def follow_up_done(
    follow_up_id: str, session: Session, caller: Caller, body: FollowUpDoneIn | None = None
) -> FollowUpOut:
    """Mark the check-back done, optionally with what the customer said; it goes on the case's timeline."""
    note = body.note if body is not None and body.note else None
    now = datetime.now(UTC)
    actor = timeline.actor_of(caller)
    async with session.begin():
        found, _ = await _visible(session, follow_up_id, caller)
        # Claimed by a conditional update: two clicks (or two agents) finish the task once.
        claimed = await session.execute(
            update(FollowUp)
            .where(FollowUp.id == follow_up_id, FollowUp.state.in_(OPEN_STATES))
            .values(state=FollowUpState.DONE.value, done_at=now, done_by=actor.id or actor.kind, note=note)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            raise Problem(
                409,
                "follow-up-closed",
                "Follow-up already closed",
                f"The follow-up is {found.state}; only a scheduled or due one can be done.",
            )
        timeline.record(
            session,
            case_id=found.case_id,
            kind="follow_up_done",
            actor=actor,
            at=now,
            detail={"follow_up_id": follow_up_id, "note": note},
        )
    return _out(*await _visible(session, follow_up_id, caller, refresh=True))


async def _visible(
    session: AsyncSession, follow_up_id: str, caller: Principal, *, refresh: bool = False
) -> tuple[FollowUp, str]:
    query = select(FollowUp, Case.reference).join(Case, Case.id == FollowUp.case_id).where(FollowUp.id == follow_up_id)
    if refresh:
        query = query.execution_options(populate_existing=True)
    row = (await session.execute(query)).first()
    if row is None or not (caller.sees_all or row[0].agent_id == caller.agent_id):
        raise Problem(404, "follow-up-not-found", "Follow-up not found", f"There is no follow-up {follow_up_id}.")
    return row[0], row[1]


def _out(follow_up: FollowUp, reference: str) -> FollowUpOut:
    return FollowUpOut(
        id=follow_up.id,
        case_id=follow_up.case_id,
        case_reference=reference,
        agent_id=follow_up.agent_id,
        state=FollowUpState(follow_up.state),
        due_at=follow_up.due_at,
        created_at=follow_up.created_at,
        fired_at=follow_up.fired_at,
        done_at=follow_up.done_at,
        done_by=follow_up.done_by,
        note=follow_up.note,
    )
