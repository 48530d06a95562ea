"""The handlers called directly inside a transaction, on SQLite and PostgreSQL: who the customer is, which case a
message joins, and what is announced."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from case_service.handlers import CaseHandlers, UnknownCase, handlers_for
from case_service.models import Case, ContactPoint, Customer, Message
from case_service.settings import CaseServiceSettings
from shared import topics
from shared.cloudevents import CloudEvent
from shared.events import AddressKind, CaseAssigned, Channel, ComplaintMessageReceived
from tests.integration.case_service.builders import count, envelope, outbox_events, received

Sessions = async_sessionmaker[AsyncSession]
T = TypeVar("T")


async def deliver(sessions: Sessions, handlers: CaseHandlers, data: ComplaintMessageReceived) -> CloudEvent:
    event = envelope(data, correlation_id="corr-1")
    async with sessions() as session, session.begin():
        await handlers.on_message_received(session, event, data)
    return event


async def assign(sessions: Sessions, handlers: CaseHandlers, data: CaseAssigned) -> None:
    async with sessions() as session, session.begin():
        await handlers.on_case_assigned(session, envelope(data), data)


async def all_of(sessions: Sessions, model: type[T]) -> list[T]:
    async with sessions() as session:
        return list((await session.execute(select(model))).scalars().all())


async def test_first_message_opens_a_case_for_a_new_customer(
    sessions: Sessions, handlers: CaseHandlers, engine: AsyncEngine
) -> None:
    data = received("An.Customer@Example.com", language="vi")
    inbound = await deliver(sessions, handlers, data)

    [customer] = await all_of(sessions, Customer)
    [point] = await all_of(sessions, ContactPoint)
    [case] = await all_of(sessions, Case)
    [message] = await all_of(sessions, Message)
    assert customer.display_name == "An Customer"
    assert (point.kind, point.address, point.customer_id) == ("email", "an.customer@example.com", customer.id)
    assert case.customer_id == customer.id
    assert (case.status, case.channel, case.category, case.priority) == ("new", "email", "general", "normal")
    assert (case.language, case.subject) == ("vi", "Missing order")
    assert re.fullmatch(rf"C-{datetime.now(UTC).year}-000001", case.reference)
    assert (message.case_id, message.text, message.inbound_event_id) == (case.id, data.text, inbound.id)

    [opened] = await outbox_events(engine)
    assert (opened["_topic"], opened["_key"]) == (topics.CASES_EVENTS, case.id)
    assert (opened["type"], opened["source"], opened["subject"]) == ("case.opened.v1", "case_service", case.id)
    assert opened["correlationid"] == "corr-1"
    assert opened["data"]["case_reference"] == case.reference
    assert opened["data"]["customer_id"] == customer.id
    assert opened["data"]["message_id"] == message.id
    assert (opened["data"]["category"], opened["data"]["priority"], opened["data"]["language"]) == (
        "general",
        "normal",
        "vi",
    )


async def test_next_message_on_the_same_channel_joins_the_open_case(
    sessions: Sessions, handlers: CaseHandlers, engine: AsyncEngine
) -> None:
    await deliver(sessions, handlers, received(text="first"))
    await deliver(sessions, handlers, received(text="second", subject="Re: Missing order"))

    [case] = await all_of(sessions, Case)
    messages = await all_of(sessions, Message)
    assert sorted(m.text for m in messages) == ["first", "second"]
    assert {m.case_id for m in messages} == {case.id}
    assert case.subject == "Missing order", "the case keeps its first subject"
    opened, added = await outbox_events(engine)
    assert (opened["type"], added["type"]) == ("case.opened.v1", "case.message_added.v1")
    assert (added["_key"], added["data"]["case_id"], added["data"]["case_reference"]) == (
        case.id,
        case.id,
        case.reference,
    )
    assert added["data"]["message_id"] in {m.id for m in messages}


async def test_other_channel_opens_another_case_for_the_same_customer(
    sessions: Sessions, handlers: CaseHandlers, engine: AsyncEngine
) -> None:
    await deliver(sessions, handlers, received(channel=Channel.EMAIL))
    await deliver(sessions, handlers, received(channel=Channel.WEB))

    [customer] = await all_of(sessions, Customer)
    cases = await all_of(sessions, Case)
    assert sorted(c.channel for c in cases) == ["email", "web"]
    assert {c.customer_id for c in cases} == {customer.id}
    assert sorted(c.reference[-6:] for c in cases) == ["000001", "000002"]
    assert [e["type"] for e in await outbox_events(engine)] == ["case.opened.v1", "case.opened.v1"]


async def test_resolved_case_is_not_reopened_by_a_new_message(sessions: Sessions, handlers: CaseHandlers) -> None:
    await deliver(sessions, handlers, received())
    async with sessions() as session, session.begin():
        (await session.execute(select(Case))).scalar_one().status = "resolved"
    await deliver(sessions, handlers, received())

    cases = await all_of(sessions, Case)
    assert sorted(c.status for c in cases) == ["new", "resolved"]


async def test_answer_to_a_case_waiting_on_the_customer_puts_it_back_to_open(
    sessions: Sessions, handlers: CaseHandlers
) -> None:
    await deliver(sessions, handlers, received())
    async with sessions() as session, session.begin():
        (await session.execute(select(Case))).scalar_one().status = "pending_customer"
    await deliver(sessions, handlers, received())

    [case] = await all_of(sessions, Case)
    assert case.status == "open"


async def test_a_phone_number_written_two_ways_is_one_customer(sessions: Sessions, handlers: CaseHandlers) -> None:
    await deliver(sessions, handlers, received("0912345678", kind=AddressKind.PHONE, channel=Channel.SMS))
    await deliver(sessions, handlers, received("+84 912 345 678", kind=AddressKind.PHONE, channel=Channel.SMS))

    [customer] = await all_of(sessions, Customer)
    [point] = await all_of(sessions, ContactPoint)
    [case] = await all_of(sessions, Case)
    assert (point.kind, point.address, point.raw) == ("phone", "+84912345678", "0912345678")
    assert case.customer_id == customer.id
    assert {m.sender_address for m in await all_of(sessions, Message)} == {"+84912345678"}


async def test_duplicate_provider_message_changes_nothing_and_emits_nothing(
    sessions: Sessions, handlers: CaseHandlers, engine: AsyncEngine
) -> None:
    await deliver(sessions, handlers, received(provider_message_id="sg-1", text="original"))
    # Redelivered by the provider: a new inbound event, the same provider message id.
    await deliver(sessions, handlers, received(provider_message_id="sg-1", text="retry of the webhook"))

    [message] = await all_of(sessions, Message)
    assert message.text == "original"
    assert await count(engine, "cases") == 1
    assert [e["type"] for e in await outbox_events(engine)] == ["case.opened.v1"]


async def test_customer_ref_links_the_customer_across_addresses(sessions: Sessions, handlers: CaseHandlers) -> None:
    await deliver(sessions, handlers, received("an@example.com", customer_ref="crm-42"))
    await deliver(
        sessions,
        handlers,
        received("0912345678", kind=AddressKind.PHONE, channel=Channel.SMS, customer_ref=" crm-42 "),
    )
    # Known now by the phone number alone.
    await deliver(sessions, handlers, received("+84912345678", kind=AddressKind.PHONE, channel=Channel.SMS))

    [customer] = await all_of(sessions, Customer)
    points = await all_of(sessions, ContactPoint)
    assert sorted((p.kind, p.address) for p in points) == [
        ("email", "an@example.com"),
        ("external", "crm-42"),
        ("phone", "+84912345678"),
    ]
    assert {p.customer_id for p in points} == {customer.id}
    assert sorted(c.channel for c in await all_of(sessions, Case)) == ["email", "sms"]


async def test_customer_ref_outranks_an_address_owned_by_someone_else(
    sessions: Sessions, handlers: CaseHandlers
) -> None:
    await deliver(sessions, handlers, received("shared@example.com"))
    await deliver(sessions, handlers, received("own@example.com", customer_ref="crm-7"))
    # The integrator says this is crm-7, though the address already belongs to the first customer.
    await deliver(sessions, handlers, received("shared@example.com", channel=Channel.API, customer_ref="crm-7"))

    owners = {(p.kind, p.address): p.customer_id for p in await all_of(sessions, ContactPoint)}
    api_case = next(c for c in await all_of(sessions, Case) if c.channel == "api")
    assert api_case.customer_id == owners[("external", "crm-7")]
    assert owners[("email", "shared@example.com")] != owners[("external", "crm-7")], "an owned address stays put"


async def test_assignment_records_the_agent_and_opens_the_case(sessions: Sessions, handlers: CaseHandlers) -> None:
    await deliver(sessions, handlers, received())
    [case] = await all_of(sessions, Case)
    assigned_at = datetime.now(UTC)
    await assign(sessions, handlers, CaseAssigned(case_id=case.id, agent_id="agent-7", assigned_at=assigned_at))
    # A stale assignment replayed later does not overwrite the newer one.
    stale = assigned_at - timedelta(minutes=5)
    await assign(sessions, handlers, CaseAssigned(case_id=case.id, agent_id="agent-1", assigned_at=stale))

    [case] = await all_of(sessions, Case)
    assert (case.assignee_agent_id, case.status) == ("agent-7", "open")
    assert case.assigned_at == assigned_at


async def test_assignment_of_an_unknown_case_is_refused(sessions: Sessions, handlers: CaseHandlers) -> None:
    with pytest.raises(UnknownCase):
        await assign(sessions, handlers, CaseAssigned(case_id="nope", agent_id="a", assigned_at=datetime.now(UTC)))


async def test_many_messages_in_one_transaction_are_applied_in_order(
    sessions: Sessions, settings: CaseServiceSettings, engine: AsyncEngine
) -> None:
    """As the consumer applies a batch: one transaction, handlers looked up by event type."""
    mapping = handlers_for(settings)
    batch = [
        received("a@example.com", provider_message_id="m1"),
        received("a@example.com", provider_message_id="m2"),
        received("a@example.com", provider_message_id="m1"),
        received("b@example.com", provider_message_id="m3"),
    ]
    async with sessions() as session, session.begin():
        for data in batch:
            await mapping[data.event_type](session, envelope(data), data)

    assert await count(engine, "messages") == 3
    assert await count(engine, "customers") == 2
    assert [e["type"] for e in await outbox_events(engine)] == [
        "case.opened.v1",
        "case.message_added.v1",
        "case.opened.v1",
    ]
