"""The handlers called directly inside a transaction, on SQLite and PostgreSQL: a new case (classified, SLA clocks,
acknowledged), appends, dedup, consent keywords, survey answers on the channel, assignments and escalations."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from case_service import csat
from case_service.handlers import CaseHandlers, UnknownCase, handlers_for
from case_service.lifecycle import CaseAction
from case_service.models import Case, ContactPoint, Customer, FollowUp, Message, SlaClock, Survey, TimelineEntry
from case_service.settings import CaseServiceSettings
from shared import topics
from shared.events import AddressKind, CaseAssigned, CaseEscalated, Channel
from tests.integration.case_service.builders import count, envelope, outbox_events
from tests.integration.case_service.inbound_kit import (
    START,
    Inbound,
    Sessions,
    all_of,
    case_of,
    message,
    message_of,
    outbound_of,
    sms,
    timeline_of,
)


async def test_first_message_opens_a_classified_case_with_clocks_and_an_acknowledgement(
    sessions: Sessions, inbound: Inbound, engine: AsyncEngine
) -> None:
    data = message(
        "An.Customer@Example.com",
        text="The parcel arrived damaged and I want a refund immediately. This is unacceptable!",
        provider_message_id="m-1",
        message_id="<cust-1@mail.example>",
    )
    event = await inbound.deliver(sessions, data)

    [customer] = await all_of(sessions, Customer)
    [point] = await all_of(sessions, ContactPoint)
    case = await case_of(sessions, "m-1")
    stored = await message_of(sessions, "m-1")
    assert (customer.display_name, customer.name_key, customer.language) == ("An Customer", "an customer", "en")
    assert (point.kind, point.address, point.match_key) == (
        "email",
        "an.customer@example.com",
        "mail:an.customer@example.com",
    )
    assert case.reference == "C-2026-000001"
    assert (case.status, case.channel, case.customer_id, case.language) == ("new", "email", customer.id, "en")
    assert (case.category, case.priority) == ("damaged_goods", "urgent")
    assert case.markers == ["angry", "urgent"]
    assert case.last_customer_message_at == START
    assert (stored.inbound_event_id, stored.message_id_header) == (event.id, "<cust-1@mail.example>")
    assert (stored.thread_rule, stored.direction) == ("new_case", "inbound")

    kinds = [entry.kind for entry in await timeline_of(sessions, case.id)]
    assert sorted(kinds) == ["acknowledgement_sent", "case_opened", "classified"]
    [classified] = await timeline_of(sessions, case.id, "classified")
    assert classified.detail["evidence"]["category"] == ["damaged"]
    assert classified.detail["markers"] == ["angry", "urgent"]
    clocks = {clock.target: clock for clock in await all_of(sessions, SlaClock)}
    assert set(clocks) == {"first_response", "resolution"}
    assert all(clock.running_since == START for clock in clocks.values())

    opened, ack = await outbox_events(engine)
    assert (opened["type"], opened["_topic"], opened["_key"]) == ("case.opened.v1", topics.CASES_EVENTS, case.id)
    assert opened["correlationid"] == "corr-1"
    assert opened["data"]["markers"] == ["angry", "urgent"]
    assert (opened["data"]["category"], opened["data"]["priority"]) == ("damaged_goods", "urgent")
    assert opened["data"]["preferred_skills"] == []
    assert opened["data"]["message_id"] == stored.id
    assert (ack["type"], ack["_topic"]) == ("outbound.message.requested.v1", topics.OUTBOUND_MESSAGES)
    assert ack["data"]["purpose"] == "acknowledgement"
    assert ack["data"]["to"]["address"] == "an.customer@example.com"
    assert ack["data"]["thread"]["in_reply_to"] == "<cust-1@mail.example>"
    assert "C-2026-000001" in ack["data"]["text"] and ack["data"]["text"].startswith("Hello An Customer")
    [stored_ack] = await outbound_of(sessions, case.id)
    assert stored_ack.message_id_header == ack["data"]["thread"]["message_id"]


async def test_acknowledgement_speaks_the_customers_language(
    sessions: Sessions, inbound: Inbound, engine: AsyncEngine
) -> None:
    await inbound.deliver(sessions, sms("0912345678", "Đơn hàng của tôi giao chậm quá", display_name=None))
    await inbound.deliver(sessions, message("pat@example.com", text="Where is my order?", display_name="Pat"))

    vi, en = [event["data"] for event in await outbox_events(engine) if event["type"].startswith("outbound")]
    assert vi["language"] == "vi" and vi["text"].startswith("Xin chào quý khách")
    assert "C-2026-000001" in vi["text"]
    assert (vi["channel"], vi["to"]["address"]) == ("sms", "+84912345678")
    assert en["language"] == "en" and en["text"].startswith("Hello Pat")
    assert "C-2026-000002" in en["text"]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (message("shop@example.com", auto_submitted=True), "automated sender"),
        (message("no-reply@carrier.example"), "automated sender"),
        (message("0912345678", kind=AddressKind.PHONE, channel=Channel.PHONE, subject=None), "phone note"),
    ],
    ids=["auto-submitted", "no-reply", "phone-note"],
)
async def test_no_acknowledgement_to_robots_or_for_phone_notes(
    sessions: Sessions, inbound: Inbound, engine: AsyncEngine, data: object, reason: str
) -> None:
    await inbound.deliver(sessions, data)  # type: ignore[arg-type]

    [case] = await all_of(sessions, Case)
    [skipped] = await timeline_of(sessions, case.id, "acknowledgement_skipped")
    assert skipped.detail["reason"].startswith(reason)
    assert await outbound_of(sessions, case.id) == []
    assert [event["type"] for event in await outbox_events(engine)] == ["case.opened.v1"]


async def test_opt_out_is_recorded_on_the_address_stops_messages_there_and_start_resumes_them(
    sessions: Sessions, inbound: Inbound, engine: AsyncEngine
) -> None:
    await inbound.deliver(sessions, sms("0912345678", "Hàng bị vỡ rồi", provider_message_id="s-1"))
    first = await case_of(sessions, "s-1")
    await inbound.change(sessions, first.id, CaseAction.RESOLVE)
    inbound.clock.advance(days=30)  # long past the reopen window
    await inbound.deliver(sessions, sms("0912345678", "STOP", provider_message_id="s-2"))

    [customer] = await all_of(sessions, Customer)
    [point] = await all_of(sessions, ContactPoint)
    assert (point.address, point.opted_out, customer.opted_out) == ("+84912345678", True, False)
    assert (await case_of(sessions, "s-2")).id == first.id, "stored on the latest case, no new case for a keyword"
    assert (await case_of(sessions, "s-2")).status == "resolved", "a keyword reopens nothing"
    assert (await message_of(sessions, "s-2")).thread_rule == "consent_keyword"
    [opted_out] = await timeline_of(sessions, first.id, "customer_opted_out")
    assert opted_out.detail["was_opted_out"] is False
    assert opted_out.detail["address"] == {"kind": "phone", "address": "+84912345678"}

    await inbound.deliver(sessions, sms("0912345678", "Lại bị vỡ nữa", provider_message_id="s-3"))
    second = await case_of(sessions, "s-3")
    assert second.id != first.id
    [skipped] = await timeline_of(sessions, second.id, "acknowledgement_skipped")
    assert skipped.detail["reason"] == "the customer opted out of messages to this phone address"

    await inbound.deliver(sessions, sms("0912345678", "start", provider_message_id="s-4"))
    [point] = await all_of(sessions, ContactPoint)
    assert not point.opted_out and point.opted_out_at is None
    assert (await case_of(sessions, "s-4")).id == second.id
    assert len(await timeline_of(sessions, second.id, "customer_opted_in")) == 1
    assert [e["data"]["purpose"] for e in await outbox_events(engine) if e["_topic"] == topics.OUTBOUND_MESSAGES] == [
        "acknowledgement"
    ]


async def test_a_stop_on_a_case_waiting_for_the_customer_leaves_it_waiting(
    sessions: Sessions, inbound: Inbound
) -> None:
    await inbound.deliver(sessions, sms("0912345678", "Hàng bị vỡ rồi", provider_message_id="s-1"))
    case = await case_of(sessions, "s-1")
    await inbound.change(sessions, case.id, CaseAction.AWAIT_CUSTOMER)

    await inbound.deliver(sessions, sms("0912345678", "STOP", provider_message_id="s-2"))

    stored = await case_of(sessions, "s-2")
    assert (stored.id, stored.status) == (case.id, "pending_customer")
    assert (await message_of(sessions, "s-2")).thread_rule == "consent_keyword"


async def test_the_channel_s_own_stop_signal_opts_the_address_out_whatever_the_words(
    sessions: Sessions, inbound: Inbound
) -> None:
    stop = sms("0912345678", "Stop sending me these", provider_message_id="s-1")
    await inbound.deliver(sessions, stop.model_copy(update={"metadata": {"opt_out": "stop"}}))

    [point] = await all_of(sessions, ContactPoint)
    assert point.opted_out


async def resolved_with_survey(sessions: Sessions, inbound: Inbound, data: object) -> tuple[Case, Survey]:
    """A case opened by `data`, resolved, and its follow-up's survey sent on the channel."""
    await inbound.deliver(sessions, data)  # type: ignore[arg-type]
    [case] = [c for c in await all_of(sessions, Case) if c.status == "new"]
    await inbound.change(sessions, case.id, CaseAction.RESOLVE)
    inbound.clock.advance(days=3)
    async with sessions() as session, session.begin():
        follow_up = (await session.execute(select(FollowUp).where(FollowUp.case_id == case.id))).scalar_one()
        stored = await session.get(Case, case.id)
        assert stored is not None
        survey = await csat.send_survey(
            session, case=stored, follow_up=follow_up, now=inbound.clock(), policy=inbound.policy, tenant="default"
        )
        assert survey is not None
    return case, survey


async def test_a_low_survey_answer_on_the_channel_is_recorded_and_reopens_the_case(
    sessions: Sessions, inbound: Inbound, engine: AsyncEngine
) -> None:
    case, survey = await resolved_with_survey(sessions, inbound, sms("0912345678", "Hàng bị vỡ", display_name="Lan"))
    inbound.clock.advance(hours=2)
    await inbound.deliver(sessions, sms("+84912345678", "2 - giao quá chậm", provider_message_id="answer"))

    assert await count(engine, "cases") == 1, "an answer opens no case"
    answer = await message_of(sessions, "answer")
    assert (answer.case_id, answer.thread_rule) == (case.id, "survey_answer")
    [stored] = await all_of(sessions, Survey)
    assert (stored.score, stored.comment, stored.answered_via) == (2, "giao quá chậm", "channel")
    reopened = await case_of(sessions, "answer")
    assert (reopened.csat_score, reopened.status, reopened.reopen_count) == (2, "open", 1)
    types = [event["type"] for event in await outbox_events(engine)]
    assert types[-2:] == ["case.reopened.v1", "case.message_added.v1"]
    assert [e["data"]["purpose"] for e in await outbox_events(engine) if e["_topic"] == topics.OUTBOUND_MESSAGES] == [
        "acknowledgement",
        "survey",
    ], "no acknowledgement of an answer"
    assert survey.token == stored.token


async def test_a_good_survey_answer_leaves_the_case_resolved(sessions: Sessions, inbound: Inbound) -> None:
    case, _ = await resolved_with_survey(sessions, inbound, message("pat@example.com", display_name="Pat"))
    await inbound.deliver(sessions, message("pat@example.com", text="5", subject="Re: survey", provider_message_id="a"))

    answered = await case_of(sessions, "a")
    assert (answered.id, answered.status, answered.csat_score) == (case.id, "resolved", 5)


async def test_duplicate_provider_message_changes_nothing_and_emits_nothing(
    sessions: Sessions, inbound: Inbound, engine: AsyncEngine
) -> None:
    await inbound.deliver(sessions, message(provider_message_id="sg-1", text="original"))
    # Redelivered by the provider: a new inbound event, the same provider message id.
    await inbound.deliver(sessions, message(provider_message_id="sg-1", text="retry of the webhook"))

    [stored] = [m for m in await all_of(sessions, Message) if m.direction == "inbound"]
    assert stored.text == "original"
    assert await count(engine, "cases") == 1
    assert [e["type"] for e in await outbox_events(engine)] == ["case.opened.v1", "outbound.message.requested.v1"]


async def test_an_answer_to_a_case_waiting_on_the_customer_puts_it_back_to_open(
    sessions: Sessions, inbound: Inbound, engine: AsyncEngine
) -> None:
    await inbound.deliver(sessions, sms("0912345678", "Hàng bị vỡ", provider_message_id="s-1"))
    case = await case_of(sessions, "s-1")
    await inbound.change(sessions, case.id, CaseAction.AWAIT_CUSTOMER)
    inbound.clock.advance(hours=1)
    await inbound.deliver(sessions, sms("0912345678", "Đây là ảnh", provider_message_id="s-2"))

    answered = await case_of(sessions, "s-2")
    assert (answered.id, answered.status) == (case.id, "open")
    [back] = [e for e in await timeline_of(sessions, case.id, "status_changed") if e.detail["to"] == "open"]
    assert (back.actor_kind, back.detail["action"]) == ("customer", "customer_message")
    added = (await outbox_events(engine))[-1]
    assert (added["type"], added["data"]["case_id"]) == ("case.message_added.v1", case.id)


async def test_assignment_records_the_agent_opens_the_case_and_ignores_stale_or_repeated_ones(
    sessions: Sessions, inbound: Inbound
) -> None:
    await inbound.deliver(sessions, message(provider_message_id="m-1"))
    case = await case_of(sessions, "m-1")
    assigned = CaseAssigned(case_id=case.id, agent_id="agent-7", assigned_at=START + timedelta(minutes=1))
    await inbound.deliver(sessions, assigned)
    await inbound.deliver(sessions, assigned)  # redelivered with a new envelope id
    stale = CaseAssigned(case_id=case.id, agent_id="agent-1", assigned_at=START - timedelta(minutes=5))
    await inbound.deliver(sessions, stale)

    case = await case_of(sessions, "m-1")
    assert (case.assignee_agent_id, case.status, case.assigned_at) == ("agent-7", "open", assigned.assigned_at)
    [entry] = await timeline_of(sessions, case.id, "assigned")
    assert (entry.actor_kind, entry.detail["agent_id"]) == ("router", "agent-7")
    assert len(await timeline_of(sessions, case.id, "status_changed")) == 1


async def test_escalation_by_the_router_is_recorded_once(sessions: Sessions, inbound: Inbound) -> None:
    await inbound.deliver(sessions, message(provider_message_id="m-1"))
    case = await case_of(sessions, "m-1")
    escalated = CaseEscalated(
        case_id=case.id, supervisor_id="sup-1", reason="SLA breached", agent_id="agent-7", escalated_at=START
    )
    await inbound.deliver(sessions, escalated)
    await inbound.deliver(sessions, escalated)

    case = await case_of(sessions, "m-1")
    assert (case.escalated, case.escalation_reason) == (True, "SLA breached")
    [entry] = await timeline_of(sessions, case.id, "escalated")
    assert (entry.actor_kind, entry.detail["supervisor_id"], entry.detail["agent_id"]) == ("router", "sup-1", "agent-7")


@pytest.mark.parametrize(
    "data",
    [
        CaseAssigned(case_id="nope", agent_id="a", assigned_at=START),
        CaseEscalated(case_id="nope", supervisor_id="s", reason="r", escalated_at=START),
    ],
    ids=["assigned", "escalated"],
)
async def test_an_event_about_an_unknown_case_is_refused(sessions: Sessions, inbound: Inbound, data: object) -> None:
    with pytest.raises(UnknownCase):
        await inbound.deliver(sessions, data)  # type: ignore[arg-type]


async def test_many_messages_in_one_transaction_are_applied_in_order(
    sessions: Sessions, settings: CaseServiceSettings, engine: AsyncEngine
) -> None:
    """As the consumer applies a batch: one transaction, handlers looked up by event type."""
    mapping = handlers_for(settings)
    batch = [
        message("a@example.com", provider_message_id="m1"),
        message("a@example.com", provider_message_id="m2", subject="[#C-2026-000001] more"),
        message("a@example.com", provider_message_id="m1"),
        message("b@example.com", provider_message_id="m3"),
    ]
    async with sessions() as session, session.begin():
        for data in batch:
            await mapping[data.event_type](session, envelope(data), data)

    assert await count(engine, "customers") == 2
    assert await count(engine, "cases") == 2
    assert len([m for m in await all_of(sessions, Message) if m.direction == "inbound"]) == 3
    assert [e["type"] for e in await outbox_events(engine) if e["_topic"] == topics.CASES_EVENTS] == [
        "case.opened.v1",
        "case.message_added.v1",
        "case.opened.v1",
    ]


async def test_the_handlers_default_to_the_policy_of_their_settings(sessions: Sessions, handlers: CaseHandlers) -> None:
    data = message(provider_message_id="m-1")
    async with sessions() as session, session.begin():
        await handlers.on_message_received(session, envelope(data), data)

    [case] = await all_of(sessions, Case)
    assert case.category == "damaged_goods"
    assert await all_of(sessions, TimelineEntry)
