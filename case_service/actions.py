"""What an agent (or supervisor) does to a case: reply, note, escalate, resolve, reopen, close, reclassify (splitting
and moving messages is in case_service.rethreading).

Each action runs in the caller's transaction on a case the caller may see (row-locked where it changes), records who
did it on the timeline, and announces what the rest of the platform must hear through the outbox. A refused action
raises before anything is written: lifecycle.IllegalTransition or one of the `ActionRefused` errors below.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from case_service import alerts, clocks, domain, lifecycle, live, outbound, timeline
from case_service.emit import emit
from case_service.lifecycle import CaseAction
from case_service.models import Case, Customer, Message
from case_service.outbound import NOTE
from case_service.policy import CasePolicy
from case_service.reply_files import FilesRefused, Prepared, ReplyFiles
from case_service.settings import SERVICE_NAME
from case_service.transitions import change_status
from shared.auth import Principal
from shared.events import (
    CaseEscalationRequested,
    CaseReclassified,
    Channel,
    OutboundPurpose,
    Priority,
    ProblemKind,
)

# Channels where the customer's opt-out (STOP) forbids any further message from us, replies included.
OPT_OUT_CHANNELS = frozenset({Channel.SMS.value})


class ActionRefused(Exception):
    """The action cannot be done as asked; `kind` and `title` name why (the problem type at the HTTP edge)."""

    def __init__(self, kind: str, title: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.title = title
        self.detail = detail


class Conflict(ActionRefused):
    """The case's state forbids it (409)."""


class Invalid(ActionRefused):
    """The request names something that does not fit this case (422)."""


class Missing(ActionRefused):
    """Another case the action names does not exist or is not the caller's to see (404)."""


async def reply(
    session: AsyncSession,
    *,
    case: Case,
    caller: Principal,
    policy: CasePolicy,
    now: datetime,
    text: str,
    await_customer: bool = False,
    tenant: str = "default",
    files: ReplyFiles | None = None,
    attachments: Sequence[Prepared] = (),
) -> Message:
    """Send `text` (and `attachments`, through `files`) to the customer on the case's channel; the first reply
    meets the first-response target."""
    after = lifecycle.next_status(domain.CaseStatus(case.status), CaseAction.REPLY)
    if await_customer:
        lifecycle.next_status(after, CaseAction.AWAIT_CUSTOMER)
    customer = await session.get(Customer, case.customer_id)
    if customer is not None and customer.opted_out and case.channel in OPT_OUT_CHANNELS:
        raise Conflict(
            "customer-opted-out",
            "Customer opted out",
            f"The customer opted out of {case.channel} messages; answer on another channel.",
        )
    actor = timeline.actor_of(caller)
    sent_files = []
    if attachments:
        if files is None:
            raise Invalid("attachments-unavailable", "Attachments unavailable", "This service takes no files.")
        try:
            sent_files = await files.attach(session, case=case, prepared=attachments, now=now)
        except FilesRefused as error:
            raise Invalid(error.kind, error.title, error.detail) from error
    try:
        message = await outbound.send_to_customer(
            session,
            case=case,
            purpose=OutboundPurpose.REPLY,
            text=text,
            now=now,
            actor=actor,
            agent_id=caller.agent_id,
            tenant=tenant,
            attachments=sent_files,
        )
    except outbound.OptedOut as error:
        raise Conflict("customer-opted-out", "Customer opted out", f"{str(error).capitalize()}.") from error
    except outbound.NoAddress as error:
        raise Conflict("no-address", "Nobody to answer", str(error)) from error
    await clocks.meet_first_response(session, case=case, policy=policy, now=now)
    await change_status(session, case=case, action=CaseAction.REPLY, actor=actor, policy=policy, now=now, tenant=tenant)
    if await_customer:
        await change_status(
            session,
            case=case,
            action=CaseAction.AWAIT_CUSTOMER,
            actor=actor,
            policy=policy,
            now=now,
            reason="waiting on the customer's answer",
            tenant=tenant,
        )
    case.updated_at = now
    return message


async def note(session: AsyncSession, *, case: Case, caller: Principal, now: datetime, text: str) -> Message:
    """An internal note on the case: stored with the messages, never sent."""
    lifecycle.next_status(domain.CaseStatus(case.status), CaseAction.NOTE)
    actor = timeline.actor_of(caller)
    message_id = str(uuid.uuid4())
    message = Message(
        id=message_id,
        case_id=case.id,
        channel=case.channel,
        provider=SERVICE_NAME,
        provider_message_id=f"note-{message_id}",
        direction=NOTE,
        purpose=None,
        author_agent_id=caller.agent_id,
        sender_kind=actor.kind,
        sender_address=actor.id or actor.kind,
        sender_display_name=None,
        recipient=None,
        subject=None,
        text=text,
        html=None,
        language=None,
        auto_submitted=False,
        received_at=now,
        created_at=now,
        inbound_event_id=None,
        thread={},
        attachments=[],
        metadata_={},
    )
    session.add(message)
    timeline.record(session, case_id=case.id, kind="note_added", actor=actor, at=now, message_id=message_id)
    case.updated_at = now
    return message


async def escalate(
    session: AsyncSession, *, case: Case, caller: Principal, now: datetime, reason: str, tenant: str = "default"
) -> None:
    """Ask the router to hand the case to a supervisor; `case.escalated` is set when the router confirms."""
    lifecycle.next_status(domain.CaseStatus(case.status), CaseAction.ESCALATE)
    actor = timeline.actor_of(caller)
    timeline.record(
        session, case_id=case.id, kind="escalation_requested", actor=actor, at=now, detail={"reason": reason}
    )
    request = CaseEscalationRequested(
        case_id=case.id, reason=reason, agent_id=caller.agent_id or case.assignee_agent_id, requested_at=now
    )
    await emit(session, request, case_id=case.id, tenant=tenant)
    case.updated_at = now


async def resolve(
    session: AsyncSession,
    *,
    case: Case,
    caller: Principal,
    policy: CasePolicy,
    now: datetime,
    resolution_code: str,
    root_cause: str,
    tenant: str = "default",
) -> None:
    """Resolved with how and why; the check-back with the customer is scheduled (transitions.change_status)."""
    await change_status(
        session,
        case=case,
        action=CaseAction.RESOLVE,
        actor=timeline.actor_of(caller),
        policy=policy,
        now=now,
        detail={"resolution_code": resolution_code, "root_cause": root_cause},
        tenant=tenant,
    )
    case.resolution_code = resolution_code
    case.root_cause = root_cause
    await alerts.detect(session, case=case, kind=ProblemKind.ROOT_CAUSE, rule=policy.recurring, now=now, tenant=tenant)


async def reopen(
    session: AsyncSession,
    *,
    case: Case,
    caller: Principal,
    policy: CasePolicy,
    now: datetime,
    reason: str,
    tenant: str = "default",
) -> None:
    """Back to open; the previous resolution stays on the timeline only."""
    await change_status(
        session,
        case=case,
        action=CaseAction.REOPEN,
        actor=timeline.actor_of(caller),
        policy=policy,
        now=now,
        reason=reason,
        detail={"resolution_code": case.resolution_code, "root_cause": case.root_cause},
        tenant=tenant,
    )
    case.resolution_code = None
    case.root_cause = None


async def close(
    session: AsyncSession,
    *,
    case: Case,
    caller: Principal,
    policy: CasePolicy,
    now: datetime,
    reason: str | None,
    tenant: str = "default",
) -> None:
    await change_status(
        session,
        case=case,
        action=CaseAction.CLOSE,
        actor=timeline.actor_of(caller),
        policy=policy,
        now=now,
        reason=reason,
        tenant=tenant,
    )


async def reclassify(
    session: AsyncSession,
    *,
    case: Case,
    caller: Principal,
    policy: CasePolicy,
    now: datetime,
    category: str | None,
    priority: Priority | None,
    tenant: str = "default",
) -> None:
    """An agent's override of the category and/or priority; a new priority moves the SLA targets."""
    if category is not None and category not in policy.categories:
        raise Invalid(
            "unknown-category",
            "Unknown category",
            f"{category!r} is not a category; use one of: {', '.join(policy.categories)}.",
        )
    lifecycle.next_status(domain.CaseStatus(case.status), CaseAction.RECLASSIFY)
    before = {"category": case.category, "priority": case.priority}
    after = {"category": category or case.category, "priority": (priority or Priority(case.priority)).value}
    if after == before:
        return
    actor = timeline.actor_of(caller)
    case.category, case.priority = after["category"], after["priority"]
    case.updated_at = now
    timeline.record(
        session,
        case_id=case.id,
        kind="reclassified",
        actor=actor,
        at=now,
        detail={"from": before, "to": after, "by": actor.id, "override": True},
    )
    if after["priority"] != before["priority"]:
        await clocks.retarget(session, case=case, policy=policy, now=now)
    live.case_updated(session, case=case)
    changed = CaseReclassified(
        case_id=case.id,
        category=case.category,
        priority=Priority(case.priority),
        previous_category=before["category"],
        previous_priority=Priority(before["priority"]),
        by=actor.id or actor.kind,
        reclassified_at=now,
    )
    await emit(session, changed, case_id=case.id, tenant=tenant)
    if after["category"] != before["category"]:
        await alerts.detect(
            session, case=case, kind=ProblemKind.CATEGORY, rule=policy.recurring, now=now, tenant=tenant
        )
