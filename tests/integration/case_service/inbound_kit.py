"""What the inbound-path tests share: a clock they move, inbound messages with every field an adapter may fill, the
handlers called as the consumer calls them, and ways to read back what they wrote."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from case_service.handlers import CaseHandlers
from case_service.lifecycle import CaseAction
from case_service.models import Case, Message, TimelineEntry
from case_service.policy import CasePolicy, policy_from
from case_service.settings import CaseServiceSettings
from case_service.timeline import Actor
from case_service.transitions import change_status
from shared.cloudevents import CloudEvent, EventData, new_event
from shared.events import AddressKind, Channel, ComplaintMessageReceived, Sender, ThreadRefs

Sessions = async_sessionmaker[AsyncSession]
T = TypeVar("T")
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
AGENT = Actor("agent", "agent-7")


@dataclass
class Clock:
    """The handlers' `now`: it stands still until a test moves it."""

    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class Inbound:
    """The handlers under a controlled clock, with the policy they were built with."""

    settings: CaseServiceSettings
    clock: Clock = field(default_factory=Clock)

    def __post_init__(self) -> None:
        self.policy: CasePolicy = policy_from(self.settings)
        self.handlers = CaseHandlers(self.settings, self.policy, clock=self.clock)

    async def deliver(self, sessions: Sessions, data: EventData, *, event: CloudEvent | None = None) -> CloudEvent:
        """Apply one event in its own transaction, as the consumer does; returns the envelope used."""
        envelope = event or new_event(data, source="test", correlation_id="corr-1")
        async with sessions() as session, session.begin():
            await self.handlers.mapping()[envelope.type](session, envelope, data)
        return envelope

    async def change(self, sessions: Sessions, case_id: str, action: CaseAction, **extra: Any) -> None:
        """Move a case through the lifecycle as an agent's action does."""
        async with sessions() as session, session.begin():
            case = await session.get(Case, case_id)
            assert case is not None
            await change_status(
                session, case=case, action=action, actor=AGENT, policy=self.policy, now=self.clock(), **extra
            )


def message(
    address: str = "an.customer@example.com",
    *,
    kind: AddressKind = AddressKind.EMAIL,
    channel: Channel = Channel.EMAIL,
    text: str = "My parcel arrived damaged, the box was crushed.",
    subject: str | None = "Damaged parcel",
    provider_message_id: str | None = None,
    display_name: str | None = "An Customer",
    language: str | None = None,
    customer_ref: str | None = None,
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: tuple[str, ...] = (),
    conversation_id: str | None = None,
    auto_submitted: bool = False,
    metadata: dict[str, Any] | None = None,
    recipient: str | None = "care@shop.example",
    received_at: datetime | None = None,
) -> ComplaintMessageReceived:
    return ComplaintMessageReceived(
        channel=channel,
        provider="test",
        provider_message_id=provider_message_id or f"pm-{uuid.uuid4().hex}",
        received_at=received_at or START,
        sender=Sender(kind=kind, address=address, raw=address, display_name=display_name),
        recipient=recipient,
        subject=subject,
        text=text,
        language=language,
        thread=ThreadRefs(
            message_id=message_id, in_reply_to=in_reply_to, references=references, conversation_id=conversation_id
        ),
        auto_submitted=auto_submitted,
        customer_ref=customer_ref,
        metadata=metadata or {},
    )


def sms(number: str, text: str, **options: Any) -> ComplaintMessageReceived:
    return message(number, kind=AddressKind.PHONE, channel=Channel.SMS, text=text, subject=None, **options)


async def all_of(sessions: Sessions, model: type[T]) -> list[T]:
    async with sessions() as session:
        return list((await session.execute(select(model))).scalars().all())


async def case_of(sessions: Sessions, provider_message_id: str) -> Case:
    """The case holding the inbound message with this provider id."""
    async with sessions() as session:
        found = await session.execute(
            select(Case)
            .join(Message, Message.case_id == Case.id)
            .where(Message.provider_message_id == provider_message_id)
        )
        return found.scalar_one()


async def message_of(sessions: Sessions, provider_message_id: str) -> Message:
    async with sessions() as session:
        found = await session.execute(select(Message).where(Message.provider_message_id == provider_message_id))
        return found.scalar_one()


async def outbound_of(sessions: Sessions, case_id: str) -> list[Message]:
    async with sessions() as session:
        found = await session.execute(
            select(Message).where(Message.case_id == case_id, Message.direction == "outbound").order_by(Message.id)
        )
        return list(found.scalars().all())


async def timeline_of(sessions: Sessions, case_id: str, kind: str | None = None) -> list[TimelineEntry]:
    async with sessions() as session:
        query = select(TimelineEntry).where(TimelineEntry.case_id == case_id)
        if kind is not None:
            query = query.where(TimelineEntry.kind == kind)
        found = await session.execute(query.order_by(TimelineEntry.at, TimelineEntry.id))
        return list(found.scalars().all())
