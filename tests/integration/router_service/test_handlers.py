"""Routing against a real database (SQLite and PostgreSQL), handlers called inside their own transactions."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

from router_service import domain, repository
from router_service.agents import change_presence
from router_service.domain import Presence
from router_service.handlers import drain_queue_for
from router_service.relaxation import relax_waiting
from shared import topics
from shared.cloudevents import decode
from shared.events import CaseAssigned, Channel, Priority, payload_as
from tests.integration.router_service.helpers import (
    Sessions,
    add_agent,
    agent,
    assigned_to,
    decisions,
    outbox_rows,
    route,
    waiting,
)


async def test_a_case_goes_to_the_best_eligible_agent_and_is_announced(sessions: Sessions):
    await add_agent(sessions, "expert", skills={"billing": 4})
    await add_agent(sessions, "working", skills={"billing": 2})
    await add_agent(sessions, "novice", skills={"billing": 1})
    await add_agent(sessions, "resting", skills={"billing": 2}, presence=Presence.AWAY)

    event = await route(sessions, "case-1", priority=Priority.HIGH)

    assert await assigned_to(sessions) == {"case-1": "working"}
    assert (await agent(sessions, "working")).active_cases == 1
    [row] = await outbox_rows(sessions)
    assert (row.topic, row.key) == (topics.ROUTING_EVENTS, "case-1")
    announced = decode(row.payload)
    assert announced.source == "router_service" and announced.subject == "case-1"
    assert announced.correlationid == event.correlationid
    assigned = payload_as(announced, CaseAssigned)
    assert (assigned.case_id, assigned.agent_id) == ("case-1", "working")
    assert assigned.assignment_id


async def test_the_decision_explains_every_candidate(sessions: Sessions):
    await add_agent(sessions, "expert", skills={"billing": 4})
    await add_agent(sessions, "working", skills={"billing": 2})
    await add_agent(sessions, "novice", skills={"billing": 1})
    await add_agent(sessions, "resting", skills={"billing": 2}, presence=Presence.AWAY)
    await add_agent(sessions, "texter", channels=[Channel.SMS.value], languages=["en"])

    await route(sessions, "case-1", priority=Priority.HIGH)

    [decision] = await decisions(sessions, "case-1")
    assert decision.outcome == "assigned" and decision.agent_id == "working"
    assert decision.requirement == {"skill": "billing", "min_level": 2, "language": "vi", "channel": "email"}
    candidates = {c["agent_id"]: c for c in decision.candidates}
    assert [c["agent_id"] for c in decision.candidates[:2]] == ["working", "expert"]
    assert candidates["working"]["chosen"] and candidates["working"]["rank"] == 1
    assert candidates["expert"]["score"]["over_qualification"] == 2 and not candidates["expert"]["chosen"]
    assert candidates["novice"]["reasons"] == [domain.LEVEL_BELOW_MINIMUM]
    assert candidates["resting"]["reasons"] == [domain.NOT_AVAILABLE]
    assert candidates["texter"]["reasons"] == [domain.LANGUAGE_NOT_SPOKEN, domain.CHANNEL_NOT_SERVED]


async def test_a_case_no_agent_can_take_waits_in_the_queue(sessions: Sessions):
    await add_agent(sessions, "offline", presence=Presence.OFFLINE)
    await add_agent(sessions, "english-only", languages=["en"])

    await route(sessions, "case-1")

    assert await assigned_to(sessions) == {}
    assert await waiting(sessions) == ["case-1"]
    assert await outbox_rows(sessions) == []
    [decision] = await decisions(sessions, "case-1")
    assert decision.outcome == "queued" and decision.agent_id is None
    reasons = {c["agent_id"]: c["reasons"] for c in decision.candidates}
    assert reasons == {"english-only": [domain.LANGUAGE_NOT_SPOKEN], "offline": [domain.NOT_AVAILABLE]}


async def test_a_case_opened_again_changes_nothing(sessions: Sessions):
    await add_agent(sessions, "lan", capacity=5)
    await route(sessions, "assigned-case")
    await route(sessions, "assigned-case")
    await add_agent(sessions, "lan", capacity=5, presence=Presence.OFFLINE)
    await route(sessions, "waiting-case")
    await route(sessions, "waiting-case")

    assert await assigned_to(sessions) == {"assigned-case": "lan"}
    assert await waiting(sessions) == ["waiting-case"]
    assert (await agent(sessions, "lan")).active_cases == 1
    assert len(await outbox_rows(sessions)) == 1
    assert len(await decisions(sessions, "assigned-case")) == 1
    assert len(await decisions(sessions, "waiting-case")) == 1


async def test_capacity_is_never_exceeded_by_concurrent_routing(sessions: Sessions):
    await add_agent(sessions, "lan", capacity=2)

    await asyncio.gather(*(route(sessions, f"case-{n}") for n in range(6)))

    assert len(await assigned_to(sessions)) == 2
    assert len(await waiting(sessions)) == 4
    assert (await agent(sessions, "lan")).active_cases == 2
    assert len(await outbox_rows(sessions)) == 2


async def test_the_queue_drains_to_an_agent_by_priority_then_age(sessions: Sessions):
    await add_agent(sessions, "lan", capacity=2, presence=Presence.OFFLINE, skills={"billing": 3})
    await route(sessions, "old-normal")
    await route(sessions, "low", priority=Priority.LOW)
    await route(sessions, "other-skill", category="delivery", priority=Priority.URGENT)
    await route(sessions, "new-normal")
    await route(sessions, "urgent", priority=Priority.URGENT)

    async with sessions() as session, session.begin():
        await change_presence(session, agent_id="lan", presence=Presence.AVAILABLE)

    assert await assigned_to(sessions) == {"urgent": "lan", "old-normal": "lan"}
    assert await waiting(sessions) == ["other-skill", "new-normal", "low"]
    assert (await agent(sessions, "lan")).active_cases == 2
    announced = [json.loads(row.payload)["data"]["case_id"] for row in await outbox_rows(sessions)]
    assert announced == ["urgent", "old-normal"]
    queued, drained = await decisions(sessions, "urgent")
    assert (queued.outcome, drained.outcome, drained.trigger) == ("queued", "assigned", "queue_drain")
    assert drained.agent_id == "lan" and drained.requirement["min_level"] == 3


async def test_draining_to_an_unavailable_or_unknown_agent_assigns_nothing(sessions: Sessions):
    await add_agent(sessions, "lan", presence=Presence.BUSY)
    await route(sessions, "case-1")
    async with sessions() as session, session.begin():
        assert await drain_queue_for(session, agent_id="lan") == []
        assert await drain_queue_for(session, agent_id="nobody") == []
    assert await waiting(sessions) == ["case-1"]


async def test_a_case_taken_from_the_queue_can_be_put_back_in_its_place(sessions: Sessions):
    await route(sessions, "first")
    await route(sessions, "second")
    async with sessions() as session, session.begin():
        [first, _] = await repository.waiting_in_order(session)
        assert await repository.take_waiting(session, case_id="first")
        assert not await repository.take_waiting(session, case_id="first")
        await repository.requeue(session, waiting=first)
    assert await waiting(sessions) == ["first", "second"]


async def test_a_long_wait_relaxes_the_minimum_level_one_step_at_a_time(sessions: Sessions):
    await add_agent(sessions, "novice", skills={"billing": 1})
    await route(sessions, "urgent", priority=Priority.URGENT)  # needs level 3
    await route(sessions, "normal-low-prio", priority=Priority.LOW, category="legal")  # level 1: nothing to relax
    after = {"urgent": timedelta(0)}

    async with sessions() as session, session.begin():
        assert await relax_waiting(session, after=after, policy=domain.RoutingPolicy()) == ["urgent"]
    assert await waiting(sessions) == ["urgent", "normal-low-prio"], "level 2: still nobody"
    async with sessions() as session, session.begin():
        assert await relax_waiting(session, after=after, policy=domain.RoutingPolicy()) == ["urgent"]
    assert await assigned_to(sessions) == {"urgent": "novice"}
    async with sessions() as session, session.begin():
        assert await relax_waiting(session, after=after, policy=domain.RoutingPolicy()) == []

    history = await decisions(sessions, "urgent")
    assert [(d.outcome, d.trigger) for d in history] == [
        ("queued", "case_opened"),
        ("relaxed", "relaxation"),
        ("relaxed", "relaxation"),
        ("assigned", "relaxation"),
    ]
    assert (history[1].requirement["relaxed_from"], history[1].requirement["min_level"]) == (3, 2)
    assert history[3].requirement["min_level"] == 1


async def test_a_case_is_not_relaxed_before_its_threshold(sessions: Sessions):
    await route(sessions, "urgent", priority=Priority.URGENT)
    async with sessions() as session, session.begin():
        after = {"urgent": timedelta(hours=1)}
        assert await relax_waiting(session, after=after, policy=domain.RoutingPolicy()) == []
    assert [d.outcome for d in await decisions(sessions, "urgent")] == ["queued"]
