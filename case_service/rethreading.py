"""Re-threading by hand: an agent splits a second problem out of a conversation into a new case, or moves a message
that was threaded wrongly to the right case of the same customer. The message keeps its history: both timelines say
where it went, and its own threading record says who moved it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from case_service import domain, lifecycle, opening, repository, timeline, wording
from case_service.actions import Conflict, Invalid, Missing
from case_service.case_queries import can_see
from case_service.lifecycle import CaseAction
from case_service.models import Case, Message
from case_service.outbound import INBOUND
from case_service.policy import CasePolicy
from case_service.transitions import change_status
from shared.auth import Principal
from shared.events import Channel


async def split(
    session: AsyncSession,
    *,
    case: Case,
    caller: Principal,
    policy: CasePolicy,
    now: datetime,
    message_ids: Sequence[str],
    tenant: str = "default",
) -> Case:
    """Take customer messages out of the case into a new case of the same customer and channel (a second problem
    the customer raised in the same conversation); the new case is classified, clocked and routed like any new one."""
    wanted = dict.fromkeys(message_ids)
    messages = await repository.messages_of(session, case_id=case.id)
    inbound = [message for message in messages if message.direction == INBOUND]
    chosen = [message for message in inbound if message.id in wanted]
    if len(chosen) != len(wanted):
        strangers = sorted(set(wanted) - {message.id for message in chosen})
        raise Invalid(
            "not-messages-of-case",
            "Not customer messages of this case",
            f"Only the customer's messages of {case.reference} can be split off; not: {', '.join(strangers)}.",
        )
    if len(chosen) == len(inbound):
        raise Conflict(
            "split-would-empty-case",
            "Nothing would be left",
            "Splitting every customer message off would leave the case empty; leave at least one.",
        )
    lifecycle.next_status(domain.CaseStatus(case.status), CaseAction.SPLIT)
    actor = timeline.actor_of(caller)
    new = await _open_split_case(session, source=case, messages=chosen, actor=actor, policy=policy, now=now)
    for message in chosen:
        _move_message(session, message, source=case, target=new, actor=actor, now=now, verb="split")
    case.updated_at = now
    await opening.announce_opened(session, case=new, message_id=chosen[0].id, cause=None, tenant=tenant)
    return new


async def move(
    session: AsyncSession,
    *,
    case: Case,
    caller: Principal,
    policy: CasePolicy,
    now: datetime,
    message_id: str,
    to_case_id: str,
    tenant: str = "default",
) -> Case:
    """Move a customer message to another case of the same customer (a conversation threaded wrongly); a case left
    with no customer message is closed, as it was opened by mistake."""
    if to_case_id == case.id:
        raise Conflict("same-case", "Same case", "The message is already in this case.")
    # Both cases change: lock them in a fixed order so two opposite moves cannot deadlock.
    locked = {
        case_id: await repository.case_for_update(session, case_id=case_id) for case_id in sorted({case.id, to_case_id})
    }
    source, target = locked[case.id], locked[to_case_id]
    if source is None or not can_see(caller, source):  # reassigned between the visibility check and the lock
        raise Missing("case-not-found", "Case not found", f"There is no case with id {case.id}.")
    if target is None or not can_see(caller, target):
        raise Missing("case-not-found", "Case not found", f"There is no case with id {to_case_id}.")
    message = await session.get(Message, message_id)
    if message is None or message.case_id != case.id or message.direction != INBOUND:
        raise Invalid(
            "not-a-message-of-case",
            "Not a customer message of this case",
            f"Message {message_id} is not a customer message of {case.reference}.",
        )
    if target.customer_id != case.customer_id:
        raise Conflict(
            "different-customer",
            "Another customer's case",
            f"{target.reference} belongs to another customer; a message only moves between one customer's cases.",
        )
    lifecycle.next_status(domain.CaseStatus(case.status), CaseAction.MOVE)
    lifecycle.next_status(domain.CaseStatus(target.status), CaseAction.MOVE)
    actor = timeline.actor_of(caller)
    _move_message(session, message, source=case, target=target, actor=actor, now=now, verb="moved")
    case.updated_at = target.updated_at = now
    if target.last_customer_message_at is None or message.received_at > target.last_customer_message_at:
        target.last_customer_message_at = message.received_at
    left = await session.scalar(
        select(func.count(Message.id)).where(Message.case_id == case.id, Message.direction == INBOUND)
    )
    if not left:
        await change_status(
            session,
            case=case,
            action=CaseAction.CLOSE,
            actor=actor,
            policy=policy,
            now=now,
            reason=f"every customer message was moved to {target.reference}",
            tenant=tenant,
        )
    return target


async def _open_split_case(
    session: AsyncSession,
    *,
    source: Case,
    messages: Sequence[Message],
    actor: timeline.Actor,
    policy: CasePolicy,
    now: datetime,
) -> Case:
    """A new case of the source's customer and channel, classified from the messages it takes over."""
    first = messages[0]
    text = "\n".join(message.text for message in messages)
    subject = first.subject or source.subject
    new, classification = await opening.open_case(
        session,
        customer_id=source.customer_id,
        channel=Channel(source.channel),
        subject=subject,
        text=text,
        language=wording.detect_language(declared=first.language or source.language, text=text, subject=subject),
        policy=policy,
        now=now,
    )
    new.last_customer_message_at = max(message.received_at for message in messages)
    timeline.record(
        session,
        case_id=new.id,
        kind="case_opened",
        actor=actor,
        at=now,
        message_id=first.id,
        detail={
            "rule": "split",
            "reason": f"split out of {source.reference}",
            "from_case_id": source.id,
            "from_reference": source.reference,
        },
    )
    opening.record_classification(session, case=new, classification=classification, now=now, message_id=first.id)
    return new


def _move_message(
    session: AsyncSession,
    message: Message,
    *,
    source: Case,
    target: Case,
    actor: timeline.Actor,
    now: datetime,
    verb: str,
) -> None:
    """Re-home the message and say so on both timelines and on the message's own threading record."""
    kind = "message_split" if verb == "split" else "message_moved"
    message.case_id = target.id
    message.thread_rule = verb
    message.thread_reason = f"{verb} from {source.reference} by {actor.id or actor.kind}"
    for here, side, there, way in ((source, "out", target, "to"), (target, "in", source, "from")):
        timeline.record(
            session,
            case_id=here.id,
            kind=f"{kind}_{side}",
            actor=actor,
            at=now,
            message_id=message.id,
            detail={f"{way}_case_id": there.id, f"{way}_reference": there.reference},
        )
