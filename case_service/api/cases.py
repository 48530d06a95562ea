"""The case API: the filtered list, the case detail, and the agent actions (each answering the updated case)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.ext.asyncio import AsyncSession

from case_service import actions, case_queries, rethreading
from case_service.api.deps import Caller, Files, Links, Policy, Session, Tenant
from case_service.domain import CaseStatus
from case_service.downloads import DownloadLinks
from case_service.lifecycle import IllegalTransition
from case_service.models import Case
from case_service.policy import CasePolicy
from case_service.reply_files import FilesRefused
from case_service.schemas.cases import (
    CaseDetail,
    CaseList,
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
from shared.attachments import Refused, Unreadable, upload_problem
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


@dataclass(frozen=True)
class _Desk:
    """What an action route needs besides its path and body: the request, its session, the caller, policy, tenant."""

    request: Request
    session: AsyncSession
    caller: Principal
    policy: CasePolicy
    links: DownloadLinks
    tenant: str

    async def act(self, case_id: str, action: Callable[..., Awaitable[object]], *, lock: bool = True) -> CaseDetail:
        """Run `action(session, case=, caller=, now=)` on the visible case (row-locked unless the action locks
        itself) in a transaction committed on success, and answer the case it returns (split and move: the new or the
        target case), else the acted-on one. Refusals become problems; the relay is woken for what was emitted."""
        try:
            async with self.session.begin():
                case = await case_queries.visible_case(
                    self.session, case_id=case_id, caller=self.caller, for_update=lock
                )
                if case is None:
                    raise _not_found(case_id)
                done = await action(self.session, case=case, caller=self.caller, now=datetime.now(UTC))
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
        cast(ServiceRuntime, self.request.app.state.runtime).relay.wake()
        answered = done if isinstance(done, Case) else case
        return await _detail(self.session, answered.id, self.policy, self.links)


def _desk(request: Request, session: Session, caller: Caller, policy: Policy, links: Links, tenant: Tenant) -> _Desk:
    return _Desk(request=request, session=session, caller=caller, policy=policy, links=links, tenant=tenant)


Desk = Annotated[_Desk, Depends(_desk)]


@router.get("/cases", responses={422: _problem("A filter or the cursor is not valid.")})
async def list_cases(
    session: Session,
    caller: Caller,
    policy: Policy,
    status: CaseStatus | None = None,
    priority: Priority | None = None,
    category: Annotated[str | None, Query(max_length=100)] = None,
    channel: Channel | None = None,
    assignee: Annotated[str | None, Query(max_length=200, description="The agent id holding the case.")] = None,
    customer_id: Annotated[str | None, Query(max_length=36)] = None,
    sla: SlaState | None = None,
    q: Annotated[
        str | None,
        Query(min_length=1, max_length=200, description="Text in the reference, subject, customer name or messages."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500, description="`next_cursor` of the previous page.")] = None,
) -> CaseList:
    """Cases newest first, each with its SLA state and time left and the customer's latest message. Agents get only
    their own cases (asking for another agent's gives an empty list): an agent's "my cases" is this list."""
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
    items = await case_queries.list_items(session, page=page, policy=policy, now=datetime.now(UTC))
    return CaseList(items=items, next_cursor=next_cursor)


@router.get("/cases/{case_id}", responses=NOT_FOUND)
async def get_case(case_id: str, session: Session, caller: Caller, policy: Policy, links: Links) -> CaseDetail:
    """The case with its messages; each stored file of a message carries `download_url`, a signed link valid for
    CASE_SERVICE_ATTACHMENT_LINK_TTL_SECONDS to the service that stores it (null when it cannot be opened)."""
    case = await case_queries.visible_case(session, case_id=case_id, caller=caller)
    if case is None:
        raise _not_found(case_id)
    return await case_queries.case_detail(session, case=case, policy=policy, now=datetime.now(UTC), links=links)


REPLY_ANSWERS: Answers = {
    **ACTION_ANSWERS,
    422: _problem(
        "A field is missing, or a file cannot go: attachment-refused (a program, a type not accepted, too large: "
        "with filename and reason), attachment-unreadable, too-many-attachments, attachment-unknown (no such file on "
        "this case), attachment-not-deliverable (the channel cannot carry it: the detail says why), "
        "attachments-unavailable (no link key or store address)."
    ),
}


@router.post("/cases/{case_id}/reply", responses=REPLY_ANSWERS)
async def reply(case_id: str, body: ReplyIn, desk: Desk, files: Files) -> CaseDetail:
    """Send a reply to the customer on the case's channel, with `attachments` when the channel can carry them (how
    each channel sends files: shared.channel_media); `await_customer` then waits on their answer."""
    try:
        prepared = await asyncio.to_thread(files.decoded, body.attachments)
    except (Refused, Unreadable) as error:
        raise upload_problem(error) from None
    except FilesRefused as error:
        raise Problem(422, error.kind, error.title, error.detail) from None
    return await desk.act(
        case_id,
        partial(
            actions.reply,
            policy=desk.policy,
            tenant=desk.tenant,
            text=body.text,
            await_customer=body.await_customer,
            files=files,
            attachments=prepared,
        ),
    )


@router.post("/cases/{case_id}/note", responses=ACTION_ANSWERS)
async def note(case_id: str, body: NoteIn, desk: Desk) -> CaseDetail:
    """An internal note: kept with the messages, never sent to the customer."""
    return await desk.act(case_id, partial(actions.note, text=body.text))


@router.post("/cases/{case_id}/escalate", responses=ACTION_ANSWERS)
async def escalate(case_id: str, body: EscalateIn, desk: Desk) -> CaseDetail:
    """Ask for a supervisor; `escalated` turns true when the router has handed the case over."""
    return await desk.act(case_id, partial(actions.escalate, reason=body.reason, tenant=desk.tenant))


@router.post("/cases/{case_id}/resolve", responses=ACTION_ANSWERS)
async def resolve(case_id: str, body: ResolveIn, desk: Desk) -> CaseDetail:
    """Resolve with a resolution code and a root-cause tag; a check-back with the customer is scheduled."""
    return await desk.act(
        case_id,
        partial(
            actions.resolve,
            policy=desk.policy,
            tenant=desk.tenant,
            resolution_code=body.resolution_code,
            root_cause=body.root_cause,
        ),
    )


@router.post("/cases/{case_id}/reopen", responses=ACTION_ANSWERS)
async def reopen(case_id: str, body: ReopenIn, desk: Desk) -> CaseDetail:
    return await desk.act(case_id, partial(actions.reopen, policy=desk.policy, tenant=desk.tenant, reason=body.reason))


@router.post("/cases/{case_id}/close", responses=ACTION_ANSWERS)
async def close(case_id: str, desk: Desk, body: CloseIn | None = None) -> CaseDetail:
    """Close the case for good (a closed case is final: the customer's next message opens a new one)."""
    reason = body.reason if body is not None else None
    return await desk.act(case_id, partial(actions.close, policy=desk.policy, tenant=desk.tenant, reason=reason))


@router.patch("/cases/{case_id}", responses=ACTION_ANSWERS)
async def reclassify(case_id: str, body: ReclassifyIn, desk: Desk) -> CaseDetail:
    """Override the category and/or the priority; the override is on the timeline and a new priority moves the SLA."""
    return await desk.act(
        case_id,
        partial(
            actions.reclassify,
            policy=desk.policy,
            tenant=desk.tenant,
            category=body.category,
            priority=body.priority,
        ),
    )


@router.post("/cases/{case_id}/split", responses=ACTION_ANSWERS)
async def split(case_id: str, body: SplitIn, desk: Desk) -> CaseDetail:
    """Split customer messages off into a new case of the same customer and channel; answers the NEW case."""
    return await desk.act(
        case_id,
        partial(rethreading.split, policy=desk.policy, tenant=desk.tenant, message_ids=body.message_ids),
    )


@router.post("/cases/{case_id}/move", responses=ACTION_ANSWERS)
async def move(case_id: str, body: MoveIn, desk: Desk) -> CaseDetail:
    """Move a customer message to another case of the same customer; answers the target case."""
    return await desk.act(
        case_id,
        partial(
            rethreading.move,
            policy=desk.policy,
            tenant=desk.tenant,
            message_id=body.message_id,
            to_case_id=body.to_case_id,
        ),
        lock=False,
    )


_STATUS_OF: dict[type[actions.ActionRefused], int] = {
    actions.Conflict: 409,
    actions.Invalid: 422,
    actions.Missing: 404,
}


async def _detail(session: AsyncSession, case_id: str, policy: CasePolicy, links: DownloadLinks) -> CaseDetail:
    """The case as GET shows it, read after the action's commit."""
    case = await session.get(Case, case_id, populate_existing=True)
    if case is None:  # just written in the committed transaction
        raise _not_found(case_id)
    detail = await case_queries.case_detail(session, case=case, policy=policy, now=datetime.now(UTC), links=links)
    await session.rollback()  # the detail refreshed sla_status in memory only
    return detail
