"""Replaying the inbound stream changes nothing at all, on SQLite and PostgreSQL.

A mixed stream of about 200 messages (email threads answering our acknowledgements, chat and SMS follow-ups, new
complaints on a second channel linked by an integrator's reference, forwarded mails, robots, phone notes, opt-outs,
survey answers, provider redeliveries) plus the router's assignments and escalations is fed through the handlers,
with agents resolving, closing and surveying cases in between. Then the same events are delivered again, and again
with fresh envelope ids in consumer-sized batches: every table (ids and timestamps included) must be identical.
"""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from case_service import csat
from case_service.lifecycle import CaseAction
from case_service.models import Base, Case, FollowUp, Message, TimelineEntry
from shared.cloudevents import CloudEvent, EventData, new_event
from shared.events import AddressKind, CaseAssigned, CaseEscalated, Channel, ComplaintMessageReceived
from tests.integration.case_service.inbound_kit import Inbound, Sessions, message

CUSTOMERS = 40
MESSAGES = 200
BATCH = 50
CHANNELS = [
    (Channel.EMAIL, AddressKind.EMAIL),
    (Channel.SMS, AddressKind.PHONE),
    (Channel.WHATSAPP, AddressKind.WHATSAPP),
    (Channel.MESSENGER, AddressKind.MESSENGER),
    (Channel.ZALO, AddressKind.ZALO),
    (Channel.WEB, AddressKind.EMAIL),
    (Channel.PHONE, AddressKind.PHONE),
]
COMPLAINTS = [
    "Đơn hàng của tôi giao chậm quá, đã một tuần rồi.",
    "Hàng bị vỡ khi nhận, hộp móp méo hết.",
    "Tôi bị trừ tiền hai lần, yêu cầu hoàn tiền ngay!",
    "The package arrived damaged and the item is broken.",
    "I was charged twice, please refund me. Unacceptable!",
    "The app crashes and I cannot log in.",
]
FOLLOW_UPS = ["Any news?", "Có ai trả lời không?", "I am still waiting.", "Mình vẫn đang chờ."]


class Person:
    def __init__(self, number: int, rng: random.Random) -> None:
        self.number = number
        self.channels = [rng.choice(CHANNELS)]
        if rng.random() < 0.3:
            self.channels.append(rng.choice(CHANNELS))
        self.ref = f"crm-{number}" if len(self.channels) > 1 or rng.random() < 0.2 else None
        self.name = f"Nguyễn Văn {number}" if number % 3 else None

    def address(self, kind: AddressKind) -> str:
        if kind is AddressKind.EMAIL:
            return f"customer{self.number}@example.com" if self.number % 11 else f"no-reply{self.number}@example.com"
        if kind in (AddressKind.PHONE, AddressKind.WHATSAPP):
            return f"+8490{self.number:07d}"
        return f"{kind.value}-{self.number}"


class Stream:
    """Builds the stream while feeding it, so mails can answer the acknowledgements the service really sent."""

    def __init__(self, inbound: Inbound, sessions: Sessions) -> None:
        self.inbound, self.sessions = inbound, sessions
        self.rng = random.Random(4)
        self.people = [Person(number, self.rng) for number in range(CUSTOMERS)]
        self.events: list[tuple[CloudEvent, EventData]] = []

    async def feed(self, data: EventData) -> None:
        event = await self.inbound.deliver(self.sessions, data)
        self.events.append((event, data))

    async def run(self) -> None:
        for index in range(MESSAGES):
            self.inbound.clock.advance(minutes=7)
            person = self.people[index % CUSTOMERS] if index < CUSTOMERS else self.rng.choice(self.people)
            await self.feed(await self.next_message(index, person))
            if self.rng.random() < 0.05:  # the provider delivers a message twice (a new envelope)
                await self.feed(self.events[-1][1])
            await self.agents_and_router(index)

    async def next_message(self, index: int, person: Person) -> ComplaintMessageReceived:
        channel, kind = self.rng.choice(person.channels)
        text = self.rng.choice(COMPLAINTS if self.rng.random() < 0.4 else FOLLOW_UPS)
        roll = self.rng.random()
        if roll < 0.04:
            text = "STOP"
        elif roll < 0.06:
            text = "START"
        elif roll < 0.12:
            text = self.rng.choice(["5", "2 - chậm quá", "4 good"])  # a survey answer when one is waiting
        options: dict[str, Any] = {
            "provider_message_id": f"replay-{index}",
            "display_name": person.name,
            "customer_ref": person.ref if self.rng.random() < 0.7 else None,
            "received_at": self.inbound.clock(),
            "message_id": f"<replay-{index}@mail.example>",
            "conversation_id": f"conv-{person.number}" if channel is Channel.MESSENGER else None,
            "auto_submitted": self.rng.random() < 0.03,
            "subject": "Khiếu nại" if channel in (Channel.EMAIL, Channel.WEB) else None,
        }
        if channel is Channel.EMAIL:
            options.update(await self.email_threading(person))
        return message(person.address(kind), kind=kind, channel=channel, text=text, **options)

    async def email_threading(self, person: Person) -> dict[str, Any]:
        """Answer our last mail to this person, quote a case reference (theirs or, forwarded, someone else's)."""
        roll = self.rng.random()
        async with self.sessions() as session:
            ours = (
                await session.execute(
                    select(Message.message_id_header, Case.reference)
                    .join(Case, Case.id == Message.case_id)
                    .where(Message.recipient == person.address(AddressKind.EMAIL), Message.direction == "outbound")
                    .order_by(Message.created_at.desc(), Message.id)
                    .limit(1)
                )
            ).first()
            anyone = (await session.execute(select(Case.reference).order_by(Case.reference).limit(5))).scalars().all()
        if ours is not None and roll < 0.5:
            return {"in_reply_to": ours.message_id_header, "subject": "Re: Khiếu nại"}
        if ours is not None and roll < 0.7:
            return {"subject": f"Re: [#{ours.reference}]"}
        if anyone and roll < 0.8:
            return {"subject": f"Fwd: [#{self.rng.choice(anyone)}]"}
        return {}

    async def agents_and_router(self, index: int) -> None:
        """Between messages: the router assigns and escalates, agents resolve, close, wait and survey."""
        async with self.sessions() as session:
            cases = (await session.execute(select(Case).order_by(Case.reference))).scalars().all()
        if not cases:
            return
        case = self.rng.choice(cases)
        roll = self.rng.random()
        now = self.inbound.clock()
        if roll < 0.25 and case.assignee_agent_id is None:
            await self.feed(CaseAssigned(case_id=case.id, agent_id=f"agent-{index % 5}", assigned_at=now))
        elif roll < 0.30:
            await self.feed(CaseEscalated(case_id=case.id, supervisor_id="sup-1", reason="SLA", escalated_at=now))
        elif roll < 0.45 and case.status in ("new", "open", "pending_customer"):
            await self.inbound.change(self.sessions, case.id, CaseAction.RESOLVE)
            await self.survey(case.id)
        elif roll < 0.50 and case.status == "resolved":
            await self.inbound.change(self.sessions, case.id, CaseAction.CLOSE)
        elif roll < 0.55 and case.status in ("new", "open"):
            await self.inbound.change(self.sessions, case.id, CaseAction.AWAIT_CUSTOMER)

    async def survey(self, case_id: str) -> None:
        async with self.sessions() as session, session.begin():
            follow_up = (
                await session.execute(
                    select(FollowUp).where(FollowUp.case_id == case_id, FollowUp.state == "scheduled")
                )
            ).scalar_one()
            follow_up.state = "due"
            case = await session.get(Case, case_id)
            assert case is not None
            await csat.send_survey(
                session,
                case=case,
                follow_up=follow_up,
                now=self.inbound.clock(),
                policy=self.inbound.policy,
                tenant="default",
            )


async def snapshot(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table but processed_events (which records envelope ids), ordered by primary key."""
    tables: dict[str, list[tuple[Any, ...]]] = {}
    async with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if table.name == "processed_events":
                continue
            rows = await connection.execute(select(table).order_by(*table.primary_key.columns))
            tables[table.name] = [tuple(row) for row in rows]
    return tables


async def test_replaying_the_stream_changes_nothing(sessions: Sessions, inbound: Inbound, engine: AsyncEngine) -> None:
    stream = Stream(inbound, sessions)
    await stream.run()
    before = await snapshot(engine)
    async with sessions() as session:
        rules = set(
            (await session.execute(select(Message.thread_rule).where(Message.direction == "inbound"))).scalars()
        )
        kinds = set((await session.execute(select(TimelineEntry.kind))).scalars())
    # The stream is the mix it claims to be.
    assert {"new_case", "in_reply_to", "open_case_on_channel", "subject_reference", "survey_answer"} <= rules
    assert {"acknowledgement_sent", "acknowledgement_skipped", "assigned", "escalated", "customer_opted_out"} <= kinds
    assert {"identity_conflict", "csat_recorded", "status_changed"} <= kinds

    inbound.clock.advance(days=1)  # a replay comes later; it must not matter
    for event, data in stream.events:
        await inbound.deliver(sessions, data, event=event)
    assert await snapshot(engine) == before, "redelivering the same events changed the database"

    # The provider or an adapter re-publishes: fresh envelopes, same provider message ids, in consumer batches.
    mapping = inbound.handlers.mapping()
    for start in range(0, len(stream.events), BATCH):
        async with sessions() as session, session.begin():
            for _, data in stream.events[start : start + BATCH]:
                await mapping[data.event_type](session, new_event(data, source="replay"), data)
    assert await snapshot(engine) == before, "re-publishing the same messages changed the database"
