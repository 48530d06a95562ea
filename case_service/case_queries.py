"""Reading cases for the API: which cases a caller may see, the filtered list with its cursor, and the case detail
(messages, timeline, playbook, SLA clocks, satisfaction)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from case_service import clocks, playbooks, repository, timeline
from case_service.downloads import DownloadLinks
from case_service.folding import fold
from case_service.models import Case, Customer, Message, SlaClock, Survey
from case_service.policy import CasePolicy
from case_service.schemas.cases import (
    CaseDetail,
    CaseListItem,
    CaseSummary,
    ClockOut,
    CsatOut,
    MessageOut,
    PlaybookOut,
    SlaOut,
    TimelineEntryOut,
)
from shared.auth import Principal
from shared.db import as_utc

PREVIEW_CHARS = 200
MAX_NAME_WORDS = 5
INBOUND = "inbound"


class BadCursor(ValueError):
    """The cursor was not made by this API (answered 422)."""


@dataclass(frozen=True)
class CaseFilters:
    """List filters; None leaves a field unfiltered. `q` searches reference, subject, customer name and message text."""

    status: str | None = None
    priority: str | None = None
    category: str | None = None
    channel: str | None = None
    assignee: str | None = None
    customer_id: str | None = None
    sla: str | None = None
    q: str | None = None


def can_see(caller: Principal, case: Case) -> bool:
    """Supervisors and admins see every case; an agent only the cases assigned to them."""
    return caller.sees_all or (caller.agent_id is not None and case.assignee_agent_id == caller.agent_id)


async def visible_case(
    session: AsyncSession, *, case_id: str, caller: Principal, for_update: bool = False
) -> Case | None:
    """The case if it exists and the caller may see it; None otherwise (an agent cannot tell the two apart)."""
    if for_update:
        case = await repository.case_for_update(session, case_id=case_id)
    else:
        case = await session.get(Case, case_id)
    return case if case is not None and can_see(caller, case) else None


def encode_cursor(case: Case) -> str:
    """An opaque cursor after `case`: base64 of its (opened_at, id)."""
    raw = json.dumps([as_utc(case.opened_at).isoformat(), case.id])
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        opened_at, case_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return as_utc(datetime.fromisoformat(opened_at)), str(case_id)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as error:
        raise BadCursor("the cursor is not one this API handed out") from error


def scoped(filters: CaseFilters, caller: Principal) -> CaseFilters | None:
    """The filters an agent's list is forced to (their own cases); None when they asked for someone else's."""
    if caller.sees_all:
        return filters
    if filters.assignee is not None and filters.assignee != caller.agent_id:
        return None
    return CaseFilters(**{**filters.__dict__, "assignee": caller.agent_id})


async def list_cases(
    session: AsyncSession, *, filters: CaseFilters, limit: int, cursor: str | None
) -> tuple[Sequence[Case], str | None]:
    """A page of cases newest first (by opened_at, then id) and the cursor of the next page, if there is one."""
    query = select(Case).where(*_conditions(filters)).order_by(Case.opened_at.desc(), Case.id.desc())
    if cursor is not None:
        opened_at, case_id = decode_cursor(cursor)
        query = query.where(or_(Case.opened_at < opened_at, and_(Case.opened_at == opened_at, Case.id < case_id)))
    # One more than asked tells whether there is a next page without counting.
    rows = (await session.execute(query.limit(limit + 1))).scalars().all()
    page = rows[:limit]
    return page, encode_cursor(page[-1]) if len(rows) > limit else None


def _conditions(filters: CaseFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    for column, value in (
        (Case.status, filters.status),
        (Case.priority, filters.priority),
        (Case.category, filters.category),
        (Case.channel, filters.channel),
        (Case.assignee_agent_id, filters.assignee),
        (Case.customer_id, filters.customer_id),
        (Case.sla_status, filters.sla),
    ):
        if value is not None:
            conditions.append(column == value)
    if filters.q:
        conditions.append(_text_search(filters.q))
    return conditions


def _text_search(q: str) -> ColumnElement[bool]:
    """Case-insensitive substring (LIKE, its wildcards escaped) of the reference, the subject, the customer's name or
    any message's text. SQLite lower-cases ASCII only, so there a Vietnamese word matches in the case it is written
    in; a name also matches folded (`nguyen` finds `Nguyễn`), word by word."""
    needle = q.strip().lower()
    in_messages = exists().where(Message.case_id == Case.id, func.lower(Message.text).contains(needle, autoescape=True))
    name = [func.lower(Customer.display_name).contains(needle, autoescape=True)]
    words = fold(needle).split()[:MAX_NAME_WORDS]
    if words:
        name.append(and_(*(Customer.name_key.contains(word, autoescape=True) for word in words)))
    of_customer = exists().where(Customer.id == Case.customer_id, or_(*name))
    return or_(
        func.lower(Case.reference).contains(needle, autoescape=True),
        func.lower(Case.subject).contains(needle, autoescape=True),
        of_customer,
        in_messages,
    )


async def list_items(
    session: AsyncSession, *, page: Sequence[Case], policy: CasePolicy, now: datetime
) -> list[CaseListItem]:
    """The page as the list shows it: each case with its SLA state as of now and the time left on the clock due
    soonest, and the customer's latest message (its first PREVIEW_CHARS characters and when it was written). Two
    queries for the whole page."""
    ids = [case.id for case in page]
    latest = await _latest_customer_messages(session, case_ids=ids)
    clock_rows = (await session.execute(select(SlaClock).where(SlaClock.case_id.in_(ids)))).scalars().all()
    clocks_by_case: dict[str, list[SlaClock]] = {}
    for row in clock_rows:
        clocks_by_case.setdefault(row.case_id, []).append(row)
    items = []
    for case in page:
        rows = clocks_by_case.get(case.id, [])
        running = [view for view in (clocks.view(row, policy=policy, now=now) for row in rows) if view["due_at"]]
        soonest = min(running, key=lambda view: view["remaining_seconds"], default=None)
        preview, written_at = latest.get(case.id, (None, None))
        items.append(
            CaseListItem.model_validate(
                {
                    **CaseSummary.model_validate(case).model_dump(exclude={"assignee"}),
                    "sla_status": clocks.worst_state(rows, policy=policy, now=now) or case.sla_status,
                    "sla_due_at": soonest["due_at"] if soonest else None,
                    "sla_remaining_seconds": soonest["remaining_seconds"] if soonest else None,
                    "last_customer_message_at": written_at or case.last_customer_message_at,
                    "last_customer_message_preview": preview,
                }
            )
        )
    return items


async def _latest_customer_messages(
    session: AsyncSession, *, case_ids: Sequence[str]
) -> dict[str, tuple[str, datetime]]:
    """{case id: (preview, received at)} of each case's latest inbound message."""
    if not case_ids:
        return {}
    order = (Message.received_at.desc(), Message.created_at.desc(), Message.id.desc())
    ranked = (
        select(
            Message.case_id,
            func.substr(Message.text, 1, PREVIEW_CHARS).label("preview"),
            Message.received_at,
            func.row_number().over(partition_by=Message.case_id, order_by=order).label("rank"),
        )
        .where(Message.case_id.in_(case_ids), Message.direction == INBOUND)
        .subquery()
    )
    rows = await session.execute(
        select(ranked.c.case_id, ranked.c.preview, ranked.c.received_at).where(ranked.c.rank == 1)
    )
    return {case_id: (preview, received_at) for case_id, preview, received_at in rows}


async def case_detail(
    session: AsyncSession, *, case: Case, policy: CasePolicy, now: datetime, links: DownloadLinks | None = None
) -> CaseDetail:
    """Everything an agent needs to work the case, in one body; with `links`, each stored file of its messages
    carries a signed download link (the caller may see the case, so they may open its files)."""
    messages = await repository.messages_of(session, case_id=case.id)
    entries = await timeline.entries_of(session, case_id=case.id)
    rows = (await clocks.clocks_of(session, case_id=case.id)).values()
    views = [clocks.view(row, policy=policy, now=now) for row in sorted(rows, key=lambda row: row.target)]
    # The stored sla_status is as of the last change or scheduler tick; the detail shows it as of now (without
    # writing it: reading a case must not lock or change its row).
    sla_status = clocks.worst_state(rows, policy=policy, now=now) or case.sla_status
    playbook = playbooks.playbook_for(case.category, policy.playbooks)
    return CaseDetail.model_validate(
        {
            **CaseSummary.model_validate(case).model_dump(exclude={"assignee"}),
            "sla_status": sla_status,
            "first_response_at": case.first_response_at,
            "resolved_at": case.resolved_at,
            "closed_at": case.closed_at,
            "resolution_code": case.resolution_code,
            "root_cause": case.root_cause,
            "escalation_reason": case.escalation_reason,
            "messages": [_message_out(message, links=links, now=now) for message in messages],
            "timeline": [TimelineEntryOut.model_validate(entry) for entry in entries],
            "playbook": (
                PlaybookOut(category=playbook.category, questions=list(playbook.questions), steps=list(playbook.steps))
                if playbook is not None
                else None
            ),
            "sla": SlaOut(status=sla_status, clocks=[ClockOut.model_validate(view) for view in views]),
            "csat": await _csat(session, case=case),
        }
    )


def _message_out(message: Message, *, links: DownloadLinks | None, now: datetime) -> MessageOut:
    out = MessageOut.model_validate(message)
    if links is None:
        return out
    return out.model_copy(update={"attachments": links.with_links(message.case_id, message.attachments, now=now)})


async def _csat(session: AsyncSession, *, case: Case) -> CsatOut | None:
    """The case's satisfaction score, with when the latest answered survey came back."""
    if case.csat_score is None:
        return None
    answered_at = (
        await session.execute(
            select(Survey.answered_at)
            .where(Survey.case_id == case.id, Survey.answered_at.is_not(None))
            .order_by(Survey.answered_at.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    return CsatOut(score=case.csat_score, comment=case.csat_comment, answered_at=answered_at)
