"""Messages to the customer (acknowledgement, an agent's reply, the survey): stored on the case as outbound and
requested on `outbound.messages.v1`, where the customer's channel service delivers them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from case_service import live, timeline
from case_service.emit import emit
from case_service.models import Case, ContactPoint, Message
from case_service.settings import SERVICE_NAME
from shared import topics
from shared.cloudevents import CloudEvent
from shared.events import (
    AddressKind,
    AttachmentMeta,
    Channel,
    ContactAddress,
    OutboundMessageRequested,
    OutboundPurpose,
    ThreadRefs,
)

INBOUND = "inbound"
OUTBOUND = "outbound"
NOTE = "note"


class NoAddress(LookupError):
    """The case has no address to answer on (no customer message, no contact point of the channel's kind)."""


class OptedOut(NoAddress):
    """The customer asked for no more messages on the address the case would answer on (e.g. SMS STOP)."""


async def send_to_customer(
    session: AsyncSession,
    *,
    case: Case,
    purpose: OutboundPurpose,
    text: str,
    now: datetime,
    actor: timeline.Actor,
    agent_id: str | None = None,
    cause: CloudEvent | None = None,
    tenant: str = "default",
    language: str | None = None,
    delivered_text: str | None = None,
    attachments: Sequence[dict[str, Any]] = (),
) -> Message:
    """Store the message on the case and request its delivery; answers the customer's latest message there.

    `text` is what the case keeps (what agents read); `delivered_text`, when given, is what only the channel gets:
    a survey's link with its token, which is the customer's credential and never stored where agents read. The
    `attachments` (case_service.reply_files) go to the channel with their delivery links; the case keeps them
    without (agents get links of their own)."""
    last = await _last_inbound(session, case=case)
    to = await _recipient(session, case=case, last=last)
    if await address_opted_out(session, address=to):
        raise OptedOut(f"the customer opted out of messages to this {to.kind.value} address")
    outbound_id = str(uuid.uuid4())
    from_address = last.recipient if last is not None else None
    thread = _thread(outbound_id, last=last, from_address=from_address)
    subject = _subject(case) if case.channel in (Channel.EMAIL.value, Channel.WEB.value) else None
    message = Message(
        id=str(uuid.uuid4()),
        case_id=case.id,
        channel=case.channel,
        provider=last.provider if last is not None else SERVICE_NAME,
        provider_message_id=f"out-{outbound_id}",
        direction=OUTBOUND,
        purpose=purpose.value,
        author_agent_id=agent_id,
        sender_kind=to.kind.value,
        sender_address=from_address or SERVICE_NAME,
        sender_display_name=None,
        recipient=to.address,
        subject=subject,
        text=text,
        html=None,
        language=language or case.language,
        auto_submitted=purpose is not OutboundPurpose.REPLY,
        received_at=now,
        created_at=now,
        inbound_event_id=None,
        thread=thread.model_dump(mode="json"),
        attachments=[{name: value for name, value in item.items() if name != "download_url"} for item in attachments],
        metadata_={},
        message_id_header=thread.message_id,
        conversation_id=thread.conversation_id,
        delivery_status="requested",
    )
    session.add(message)
    live.message_added(
        session, case=case, message=message, author=live.AGENT if purpose is OutboundPurpose.REPLY else live.SYSTEM
    )
    request = OutboundMessageRequested(
        outbound_id=outbound_id,
        case_id=case.id,
        case_reference=case.reference,
        customer_id=case.customer_id,
        channel=Channel(case.channel),
        provider=last.provider if last is not None else None,
        purpose=purpose,
        to=to,
        from_address=from_address,
        subject=subject,
        text=text if delivered_text is None else delivered_text,
        language=message.language,
        thread=thread,
        agent_id=agent_id,
        requested_at=now,
        attachments=tuple(AttachmentMeta.model_validate(item) for item in attachments),
    )
    await emit(session, request, case_id=case.id, cause=cause, topic=topics.OUTBOUND_MESSAGES, tenant=tenant)
    timeline.record(
        session, case_id=case.id, kind=f"{purpose.value}_sent", actor=actor, at=now, message_id=message.id, detail={}
    )
    return message


async def send_automatic(
    session: AsyncSession,
    *,
    case: Case,
    purpose: OutboundPurpose,
    why_not: str | None,
    text: Callable[[], str],
    now: datetime,
    language: str | None,
    skipped: str,
    message_id: str | None = None,
    detail: dict[str, Any] | None = None,
    cause: CloudEvent | None = None,
    tenant: str = "default",
    delivered: Callable[[], str] | None = None,
) -> Message | None:
    """The system's own message to the customer, unless `why_not` (or the case has no address to write to): then no
    message (None), and the timeline says why under `skipped` with `detail`. `text` is only written when sent;
    `delivered`, when given, writes the channel's copy (see `send_to_customer`)."""
    if why_not is None:
        try:
            return await send_to_customer(
                session,
                case=case,
                purpose=purpose,
                text=text(),
                now=now,
                actor=timeline.SYSTEM,
                cause=cause,
                tenant=tenant,
                language=language,
                delivered_text=delivered() if delivered is not None else None,
            )
        except NoAddress as error:
            why_not = str(error)
    timeline.record(
        session,
        case_id=case.id,
        kind=skipped,
        actor=timeline.SYSTEM,
        at=now,
        message_id=message_id,
        detail={"reason": why_not, **(detail or {})},
    )
    return None


async def address_opted_out(session: AsyncSession, *, address: ContactAddress) -> bool:
    found = await session.execute(
        select(ContactPoint.opted_out).where(
            ContactPoint.kind == address.kind.value, ContactPoint.address == address.address
        )
    )
    return bool(found.scalar())


async def _last_inbound(session: AsyncSession, *, case: Case) -> Message | None:
    """The customer's latest message on the case's own channel: a call that joined an email case is no address to
    answer the email on."""
    rows = await session.execute(
        select(Message)
        .where(Message.case_id == case.id, Message.channel == case.channel, Message.direction == INBOUND)
        .order_by(Message.received_at.desc(), Message.created_at.desc())
        .limit(1)
    )
    return rows.scalars().first()


async def _recipient(session: AsyncSession, *, case: Case, last: Message | None) -> ContactAddress:
    """Whoever wrote last on the case, else the customer's contact point of the channel's kind."""
    if last is not None:
        return ContactAddress(kind=AddressKind(last.sender_kind), address=last.sender_address)
    kind = _KIND_OF_CHANNEL.get(Channel(case.channel))
    if kind is not None:
        rows = await session.execute(
            select(ContactPoint)
            .where(ContactPoint.customer_id == case.customer_id, ContactPoint.kind == kind.value)
            .order_by(ContactPoint.created_at.desc())
            .limit(1)
        )
        point = rows.scalars().first()
        if point is not None:
            return ContactAddress(kind=kind, address=point.address)
    raise NoAddress(f"case {case.reference} has no {case.channel} address to answer on")


_KIND_OF_CHANNEL = {
    Channel.EMAIL: AddressKind.EMAIL,
    Channel.WEB: AddressKind.EMAIL,
    Channel.SMS: AddressKind.PHONE,
    Channel.PHONE: AddressKind.PHONE,
    Channel.WHATSAPP: AddressKind.WHATSAPP,
    Channel.MESSENGER: AddressKind.MESSENGER,
    Channel.INSTAGRAM: AddressKind.INSTAGRAM,
    Channel.TELEGRAM: AddressKind.TELEGRAM,
    Channel.ZALO: AddressKind.ZALO,
    Channel.X: AddressKind.X,
}


def _thread(outbound_id: str, *, last: Message | None, from_address: str | None) -> ThreadRefs:
    """Our Message-ID, replying to the customer's message so mail clients thread it with theirs."""
    domain = from_address.rpartition("@")[2] if from_address and "@" in from_address else "complaints.invalid"
    if last is None:
        return ThreadRefs(message_id=f"<{outbound_id}@{domain}>")
    previous = tuple(last.thread.get("references") or ())
    customer_message_id = last.message_id_header
    references = (*previous, customer_message_id) if customer_message_id else previous
    return ThreadRefs(
        message_id=f"<{outbound_id}@{domain}>",
        in_reply_to=customer_message_id,
        references=references,
        conversation_id=last.conversation_id,
    )


def _subject(case: Case) -> str:
    """The case reference in brackets, so an answer threads even when a mail client drops the headers."""
    tag = f"[#{case.reference}]"
    subject = (case.subject or "").strip()
    if tag in subject:
        return subject if subject.lower().startswith("re:") else f"Re: {subject}"
    return f"Re: {subject} {tag}" if subject else tag
