"""Offers: accepted into assignments, declined or expired to the next agent, rescinded when the agent leaves."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from router_service import domain, repository
from router_service.agents import change_presence
from router_service.domain import Presence, RoutingPolicy
from router_service.handlers import on_case_opened
from router_service.models import Assignment, Offer
from router_service.offers import Answer, accept, decline, expire_due
from router_service.reassign import reassign_overdue
from shared.cloudevents import decode
from shared.events import Channel
from tests.integration.router_service.helpers import (
    Sessions,
    add_agent,
    agent,
    assigned_to,
    decisions,
    opened,
    outbox_rows,
    route,
    waiting,
)

POLICY = RoutingPolicy()


async def offer_of(sessions: Sessions, agent_id: str) -> Offer | None:
    async with sessions() as session:
        offers = await repository.pending_offers(session, agent_id=agent_id)
    return offers[0] if offers else None


async def announced(sessions: Sessions) -> list[tuple[str, str, str]]:
    """(type, case id, agent id) of every event in the outbox, in order."""
    events = [decode(row.payload) for row in await outbox_rows(sessions)]
    return [(e.type, e.data["case_id"], e.data["agent_id"]) for e in events]


async def test_a_case_is_offered_first_and_accepting_makes_it_the_assignment(sessions: Sessions):
    await add_agent(sessions, "lan", auto_accept=False)

    await route(sessions, "case-1")

    offer = await offer_of(sessions, "lan")
    assert offer is not None and offer.case_id == "case-1"
    assert await assigned_to(sessions) == {}
    assert (await agent(sessions, "lan")).active_cases == 1, "the offer holds capacity"

    async with sessions() as session, session.begin():
        outcome = await accept(session, offer_id=offer.id, policy=POLICY)
    assert outcome.answer is Answer.DONE and outcome.assignment_id
    assert await assigned_to(sessions) == {"case-1": "lan"}
    assert (await agent(sessions, "lan")).active_cases == 1
    assert await announced(sessions) == [("case.offered.v1", "case-1", "lan"), ("case.assigned.v1", "case-1", "lan")]
    assert [(d.outcome, d.trigger) for d in await decisions(sessions, "case-1")] == [
        ("offered", "case_opened"),
        ("accepted", "offer_accepted"),
    ]

    async with sessions() as session, session.begin():
        again = await accept(session, offer_id=offer.id, policy=POLICY)
        unknown = await accept(session, offer_id="no-such-offer", policy=POLICY)
    assert (again.answer, again.status) == (Answer.NOT_PENDING, "accepted")
    assert unknown.answer is Answer.UNKNOWN


async def test_a_declined_case_goes_to_the_next_agent_and_never_back(sessions: Sessions):
    await add_agent(sessions, "lan", auto_accept=False)
    await add_agent(sessions, "minh", skills={"billing": 3}, auto_accept=False)  # ranked second: over-qualified
    await route(sessions, "case-1")

    first = await offer_of(sessions, "lan")
    assert first is not None
    async with sessions() as session, session.begin():
        assert (await decline(session, offer_id=first.id, reason="not today", policy=POLICY)).answer is Answer.DONE
    second = await offer_of(sessions, "minh")
    assert second is not None and second.case_id == "case-1"
    assert (await agent(sessions, "lan")).active_cases == 0, "declining gives the capacity back"

    async with sessions() as session, session.begin():
        await decline(session, offer_id=second.id, reason=None, policy=POLICY)
    assert await waiting(sessions) == ["case-1"], "both declined: the case waits rather than going back"
    # Lan becoming available again does not hand her the case she declined.
    async with sessions() as session, session.begin():
        await change_presence(session, agent_id="lan", presence=Presence.AVAILABLE)
    assert await offer_of(sessions, "lan") is None and await waiting(sessions) == ["case-1"]

    history = await decisions(sessions, "case-1")
    assert [(d.outcome, d.agent_id) for d in history] == [
        ("offered", "lan"),
        ("declined", "lan"),
        ("offered", "minh"),
        ("declined", "minh"),
        ("queued", None),
    ]
    queued = {c["agent_id"]: c["reasons"] for c in history[-1].candidates}
    assert queued == {"lan": [domain.DECLINED_BEFORE], "minh": [domain.DECLINED_BEFORE]}
    ended = [e for e in await announced(sessions) if e[0] == "case.offer_ended.v1"]
    assert ended == [("case.offer_ended.v1", "case-1", "lan"), ("case.offer_ended.v1", "case-1", "minh")]
    async with sessions() as session, session.begin():
        late = await accept(session, offer_id=first.id, policy=POLICY)
    assert (late.answer, late.status) == (Answer.NOT_PENDING, "declined")


async def test_an_unanswered_offer_expires_and_the_case_moves_on(sessions: Sessions):
    await add_agent(sessions, "lan", auto_accept=False)
    await add_agent(sessions, "minh", skills={"billing": 3})  # auto-accepts
    event, data = opened("case-1")
    async with sessions() as session, session.begin():
        await on_case_opened(session, event, data, policy=RoutingPolicy(offer_timeout=timedelta(0)))
    offer = await offer_of(sessions, "lan")
    assert offer is not None

    async with sessions() as session, session.begin():
        assert await expire_due(session, policy=POLICY) == 1
    assert await assigned_to(sessions) == {"case-1": "minh"}
    assert (await agent(sessions, "lan")).active_cases == 0
    async with sessions() as session, session.begin():
        late = await accept(session, offer_id=offer.id, policy=POLICY)
        assert await expire_due(session, policy=POLICY) == 0
    assert (late.answer, late.status) == (Answer.NOT_PENDING, "expired")
    assert [d.outcome for d in await decisions(sessions, "case-1")] == ["offered", "expired", "assigned"]


async def test_accepting_too_late_expires_the_offer(sessions: Sessions):
    await add_agent(sessions, "lan", auto_accept=False)
    event, data = opened("case-1")
    async with sessions() as session, session.begin():
        await on_case_opened(session, event, data, policy=RoutingPolicy(offer_timeout=timedelta(0)))
    offer = await offer_of(sessions, "lan")
    assert offer is not None
    async with sessions() as session, session.begin():
        outcome = await accept(session, offer_id=offer.id, policy=POLICY)
    assert (outcome.answer, outcome.status) == (Answer.NOT_PENDING, "expired")
    assert await waiting(sessions) == ["case-1"] and await assigned_to(sessions) == {}


async def test_going_away_rescinds_pending_offers_at_once(sessions: Sessions):
    await add_agent(sessions, "lan", auto_accept=False)
    await add_agent(sessions, "minh", skills={"billing": 3}, auto_accept=False)
    await route(sessions, "case-1")
    assert await offer_of(sessions, "lan") is not None

    async with sessions() as session, session.begin():
        await change_presence(session, agent_id="lan", presence=Presence.AWAY)

    assert await offer_of(sessions, "lan") is None
    moved = await offer_of(sessions, "minh")
    assert moved is not None and moved.case_id == "case-1"
    assert (await agent(sessions, "lan")).active_cases == 0
    assert [d.outcome for d in await decisions(sessions, "case-1")] == ["offered", "rescinded", "offered"]


async def test_the_database_refuses_a_second_live_offer_for_a_case(sessions: Sessions):
    await add_agent(sessions, "lan", auto_accept=False)
    await route(sessions, "case-1")
    offer = await offer_of(sessions, "lan")
    assert offer is not None
    with pytest.raises(IntegrityError):
        async with sessions() as session, session.begin():
            session.add(
                Offer(
                    id="second",
                    case_id="case-1",
                    agent_id="lan",
                    status="pending",
                    created_at=offer.created_at,
                    expires_at=offer.expires_at,
                    channel="email",
                    case=offer.case,
                    requirement=offer.requirement,
                )
            )


async def test_capacity_per_channel_and_the_overall_limit_both_hold(sessions: Sessions):
    await add_agent(sessions, "lan", capacity_per_channel={"email": 1, "sms": 2}, max_total=2)

    await route(sessions, "email-1")
    await route(sessions, "email-2")
    await route(sessions, "sms-1", channel=Channel.SMS)
    await route(sessions, "sms-2", channel=Channel.SMS)

    assert await assigned_to(sessions) == {"email-1": "lan", "sms-1": "lan"}
    assert await waiting(sessions) == ["email-2", "sms-2"]
    lan = await agent(sessions, "lan")
    assert (lan.active_cases, lan.channel_load["email"], lan.channel_load["sms"]) == (2, 1, 1)
    assert (lan.channel_capacity["email"], lan.channel_capacity["sms"], lan.channel_capacity["web"]) == (1, 2, 2)
    [decision] = await decisions(sessions, "email-2")
    assert decision.candidates[0]["reasons"] == [domain.AT_CAPACITY]


async def test_open_cases_of_an_agent_away_past_the_grace_period_go_to_someone_else(sessions: Sessions):
    await add_agent(sessions, "lan")
    await route(sessions, "case-1")
    await add_agent(sessions, "minh", skills={"billing": 3})
    async with sessions() as session, session.begin():
        await change_presence(session, agent_id="lan", presence=Presence.AWAY)
    assert await assigned_to(sessions) == {"case-1": "lan"}, "within the grace period the case stays hers"

    async with sessions() as session, session.begin():
        assert await reassign_overdue(session, grace=timedelta(hours=1), policy=POLICY) == 0
        assert await reassign_overdue(session, grace=timedelta(0), policy=POLICY) == 1
    async with sessions() as session:
        rows = (
            await session.execute(select(Assignment.agent_id, Assignment.status).order_by(Assignment.assigned_at))
        ).all()
    assert [tuple(row) for row in rows] == [("lan", "released"), ("minh", "active")]
    assert ((await agent(sessions, "lan")).active_cases, (await agent(sessions, "minh")).active_cases) == (0, 1)
    assert [(d.outcome, d.trigger) for d in await decisions(sessions, "case-1")][-2:] == [
        ("rescinded", "away_grace"),
        ("assigned", "away_grace"),
    ]
    async with sessions() as session, session.begin():
        assert await reassign_overdue(session, grace=timedelta(0), policy=POLICY) == 0
