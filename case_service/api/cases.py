"""The case API: the filtered list, the case detail, and the agent actions (each answering the updated case)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any, cast

from fastapi import APIRouter, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from case_service import actions, case_queries, rethreading
from case_service.api.deps import Caller, Policy, Session, Tenant
from case_service.domain import CaseStatus
from case_service.lifecycle import IllegalTransition
from case_service.models import Case
from case_service.policy import CasePolicy
from case_service.schemas.cases import (
    CaseDetail,
    CaseList,
    CaseSummary,
    CloseIn,
    EscalateIn,
    MoveIn,
    NoteIn,
    ReclassifyIn,
    ReopenIn,
    ReplyIn,
    ResolveIn,
    SplitIn,
)
from case_service.sla import SlaState
from shared.auth import Principal
from shared.events import Channel, Priority
from shared.problems import PROBLEM_JSON, Problem
from shared.runtime import ServiceRuntime

router = APIRouter(tags=["cases"])


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_JSON: {}}}


Answers = dict[int | str, dict[str, Any]]
NOT_FOUND: Answers = {404: _problem("No such case, or it is not assigned to the calling agent.")}
ACTION_ANSWERS: Answers = {
    **NOT_FOUND,
    409: _problem("The case's status does not allow the action (type illegal-transition), or the case forbids it."),
    422: _problem("A required field is missing or does not fit the case."),
}


def _not_found(case_id: str) -> Problem:
    return Problem(404, "case-not-found", "Case not found", f"There is no case with id {case_id}.")


@router.get("/cases", responses={422: _problem("A filter or the cursor is not valid.")})
async def list_cases(
    session: Session,
    caller: Caller,
    status: CaseStatus | None = None,
    priority: Priority | None = None,
    category: Annotated[str | None, Query(max_length=100)] = None,
    channel: Channel | None = None,
    assignee: Annotated[str | None, Query(max_length=200, description="The agent id holding the case.")] = None,
    customer_id: Annotated[str | None, Query(max_length=36)] = None,
    sla: SlaState | None = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=200, description="Text in the reference, subject or messages.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500, description="`next_cursor` of the previous page.")] = None,
) -> CaseList:
    """Cases newest first. Agents get only their own cases (asking for another agent's gives an empty list)."""
    asked = case_queries.CaseFilters(
        status=status.value if status else None,
        priority=priority.value if priority else None,
        category=category,
        channel=channel.value if channel else None,
        assignee=assignee,
        customer_id=customer_id,
        sla=sla.value if sla else None,
        q=q,
    )
    filters = case_queries.scoped(asked, caller)
    if filters is None:
        return CaseList(items=[], next_cursor=None)
    try:
        page, next_cursor = await case_queries.list_cases(session, filters=filters, limit=limit, cursor=cursor)
    except case_queries.BadCursor as error:
        raise Problem(422, "invalid-cursor", "Cursor is not valid", str(error)) from error
    return CaseList(items=[CaseSummary.model_validate(case) for case in page], next_cursor=next_cursor)


@router.get("/cases/{case_id}", responses=NOT_FOUND)
async def get_case(case_id: str, session: Session, caller: Caller, policy: Policy) -> CaseDetail:
    case = await case_queries.visible_case(session, case_id=case_id, caller=caller)
    if case is None:
        raise _not_found(case_id)
    return await case_queries.case_detail(session, case=case, policy=policy, now=datetime.now(UTC))


@router.post("/cases/{case_id}/reply", responses=ACTION_ANSWERS)
async def reply(
    case_id: str, body: ReplyIn, request: Request, session: Session, caller: Caller, policy: Policy, tenant: Tenant
) -> CaseDetail:
    """Send a reply to the customer on the case's channel; `await_customer` then waits on their answer."""
    async with _acting(request, session, case_id, caller) as (case, now):
        await actions.reply(
            session,
            case=case,
            caller=caller,
            policy=policy,
            now=now,
            text=body.text,
            await_customer=body.await_customer,
            tenant=tenant,
        )
    return await _detail(session, case.id, policy)


@router.post("/cases/{case_id}/note", responses=ACTION_ANSWERS)
async def note(
    case_id: str, body: NoteIn, request: Request, session: Session, caller: Caller, policy: Policy
) -> CaseDetail:
    """An internal note: kept with the messages, never sent to the customer."""
    async with _acting(request, session, case_id, caller) as (case, now):
        await actions.note(session, case=case, caller=caller, now=now, text=body.text)
    return await _detail(session, case.id, policy)


@router.post("/cases/{case_id}/escalate", responses=ACTION_ANSWERS)
async def escalate(
    case_id: str, body: EscalateIn, request: Request, session: Session, caller: Caller, policy: Policy, tenant: Tenant
) -> CaseDetail:
    """Ask for a supervisor; `escalated` turns true when the router has handed the case over."""
    async with _acting(request, session, case_id, caller) as (case, now):
        await actions.escalate(session, case=case, caller=caller, now=now, reason=body.reason, tenant=tenant)
    return await _detail(session, case.id, policy)


@router.post("/cases/{case_id}/resolve", responses=ACTION_ANSWERS)
async def resolve(
    case_id: str, body: ResolveIn, request: Request, session: Session, caller: Caller, policy: Policy, tenant: Tenant
) -> CaseDetail:
    """Resolve with a resolution code and a root-cause tag; a check-back with the customer is scheduled."""
    async with _acting(request, session, case_id, caller) as (case, now):
        await actions.resolve(
            session,
            case=case,
            caller=caller,
            policy=policy,
            now=now,
            resolution_code=body.resolution_code,
            root_cause=body.root_cause,
            tenant=tenant,
        )
    return await _detail(session, case.id, policy)


@router.post("/cases/{case_id}/reopen", responses=ACTION_ANSWERS)
async def reopen(
    case_id: str, body: ReopenIn, request: Request, session: Session, caller: Caller, policy: Policy, tenant: Tenant
) -> CaseDetail:
    async with _acting(request, session, case_id, caller) as (case, now):
        await actions.reopen(
            session, case=case, caller=caller, policy=policy, now=now, reason=body.reason, tenant=tenant
        )
    return await _detail(session, case.id, policy)


@router.post("/cases/{case_id}/close", responses=ACTION_ANSWERS)
async def close(
    case_id: str,
    request: Request,
    session: Session,
    caller: Caller,
    policy: Policy,
    tenant: Tenant,
    body: CloseIn | None = None,
) -> CaseDetail:
    """Close the case for good (a closed case is final: the customer's next message opens a new one)."""
    async with _acting(request, session, case_id, caller) as (case, now):
        await actions.close(
            session,
            case=case,
            caller=caller,
            policy=policy,
            now=now,
            reason=body.reason if body is not None else None,
            tenant=tenant,
        )
    return await _detail(session, case.id, policy)


@router.patch("/cases/{case_id}", responses=ACTION_ANSWERS)
async def reclassify(
    case_id: str, body: ReclassifyIn, request: Request, session: Session, caller: Caller, policy: Policy, tenant: Tenant
) -> CaseDetail:
    """Override the category and/or the priority; the override is on the timeline and a new priority moves the SLA."""
    async with _acting(request, session, case_id, caller) as (case, now):
        await actions.reclassify(
            session,
            case=case,
            caller=caller,
            policy=policy,
            now=now,
            category=body.category,
            priority=body.priority,
            tenant=tenant,
        )
    return await _detail(session, case.id, policy)


@router.post("/cases/{case_id}/split", responses=ACTION_ANSWERS)
async def split(
    case_id: str, body: SplitIn, request: Request, session: Session, caller: Caller, policy: Policy, tenant: Tenant
) -> CaseDetail:
    """Split customer messages off into a new case of the same customer and channel; answers the NEW case."""
    async with _acting(request, session, case_id, caller) as (case, now):
        new = await rethreading.split(
            session, case=case, caller=caller, policy=policy, now=now, message_ids=body.message_ids, tenant=tenant
        )
    return await _detail(session, new.id, policy)


@router.post("/cases/{case_id}/move", responses=ACTION_ANSWERS)
async def move(
    case_id: str, body: MoveIn, request: Request, session: Session, caller: Caller, policy: Policy, tenant: Tenant
) -> CaseDetail:
    """Move a customer message to another case of the same customer; answers the target case."""
    async with _acting(request, session, case_id, caller, lock=False) as (case, now):
        target = await rethreading.move(
            session,
            case=case,
            caller=caller,
            policy=policy,
            now=now,
            message_id=body.message_id,
            to_case_id=body.to_case_id,
            tenant=tenant,
        )
    return await _detail(session, target.id, policy)


@asynccontextmanager
async def _acting(
    request: Request, session: AsyncSession, case_id: str, caller: Principal, *, lock: bool = True
) -> AsyncIterator[tuple[Case, datetime]]:
    """The visible case (row-locked unless the action locks itself) in a transaction committed on success; refusals
    become problems, and the relay is woken for what the action emitted."""
    try:
        async with session.begin():
            case = await case_queries.visible_case(session, case_id=case_id, caller=caller, for_update=lock)
            if case is None:
                raise _not_found(case_id)
            yield case, datetime.now(UTC)
    except IllegalTransition as error:
        raise Problem(
            409,
            "illegal-transition",
            "Illegal transition",
            error.message,
            case_status=error.status.value,
            action=error.action.value,
        ) from error
    except actions.ActionRefused as error:
        raise Problem(_STATUS_OF[type(error)], error.kind, error.title, error.detail) from error
    cast(ServiceRuntime, request.app.state.runtime).relay.wake()


_STATUS_OF: dict[type[actions.ActionRefused], int] = {
    actions.Conflict: 409,
    actions.Invalid: 422,
    actions.Missing: 404,
}


async def _detail(session: AsyncSession, case_id: str, policy: CasePolicy) -> CaseDetail:
    """The case as GET shows it, read after the action's commit."""
    case = await session.get(Case, case_id, populate_existing=True)
    if case is None:  # just written in the committed transaction
        raise _not_found(case_id)
    detail = await case_queries.case_detail(session, case=case, policy=policy, now=datetime.now(UTC))
    await session.rollback()  # the detail refreshed sla_status in memory only
    return detail
