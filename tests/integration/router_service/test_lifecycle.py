"""Cases ending (resolved, closed) free capacity and drain the queue; SLA signals raise, widen and escalate."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from router_service import repository
from router_service.agents import change_presence
from router_service.domain import Presence, RoutingPolicy
from router_service.escalation import on_sla_at_risk, on_sla_breached
from router_service.handlers import drain_queue_for, on_case_opened
from router_service.lifecycle import on_case_closed, on_case_resolved
from router_service.models import Assignment, Offer, WaitingCase
from router_service.relaxation import relax_waiting
from shared.cloudevents import decode
from shared.events import (
    CaseClosed,
    CaseEscalated,
    CaseResolved,
    CaseSlaAtRisk,
    CaseSlaBreached,
    Priority,
    SlaTarget,
    payload_as,
)
from tests.integration.router_service.helpers import (
    Sessions,
    add_agent,
    agent,
    assigned_to,
    decisions,
    opened,
    outbox_rows,
    publish,
    route,
    waiting,
)
from tests.support.polling import eventually


def resolved(case_id: str) -> CaseResolved:
    return CaseResolved(case_id=case_id, agent_id=None, resolved_at=datetime.now(UTC))


def closed(case_id: str) -> CaseClosed:
    return CaseClosed(case_id=case_id, closed_at=datetime.now(UTC))


def sla(model: Any, case_id: str, target: SlaTarget = SlaTarget.FIRST_RESPONSE) -> Any:
    now = datetime.now(UTC)
    return model(case_id=case_id, target=target, due_at=now + timedelta(minutes=5), at=now)


async def statuses(sessions: Sessions, case_id: str) -> list[str]:
    async with sessions() as session:
        query = select(Assignment.status).where(Assignment.case_id == case_id)
        return list((await session.execute(query)).scalars())


async def test_a_resolved_case_frees_its_agent_who_gets_the_next_waiting_case(sessions: Sessions):
    await add_agent(sessions, "lan", capacity=1)
    await route(sessions, "case-1")
    await route(sessions, "case-2")
    assert await waiting(sessions) == ["case-2"]

    await publish(sessions, on_case_resolved, resolved("case-1"))

    assert await statuses(sessions, "case-1") == ["resolved"]
    assert (await assigned_to(sessions))["case-2"] == "lan"
    assert await waiting(sessions) == []
    assert (await agent(sessions, "lan")).active_cases == 1
    assert [d.outcome for d in await decisions(sessions, "case-1")] == ["assigned", "resolved"]
    assert [d.trigger for d in await decisions(sessions, "case-2")] == ["case_opened", "queue_drain"]

    await publish(sessions, on_case_resolved, resolved("case-1"))  # late or repeated: nothing changes
    assert (await agent(sessions, "lan")).active_cases == 1
    assert len(await decisions(sessions, "case-1")) == 2


async def test_a_closed_case_releases_a_pending_offer_or_leaves_the_queue(sessions: Sessions):
    await add_agent(sessions, "lan", capacity=1, auto_accept=False)
    await route(sessions, "case-1")
    await route(sessions, "case-2")
    assert (await agent(sessions, "lan")).active_cases == 1

    await publish(sessions, on_case_closed, closed("case-2"))  # still waiting
    assert await waiting(sessions) == []
    await publish(sessions, on_case_closed, closed("case-1"))  # offered, not yet answered

    assert (await agent(sessions, "lan")).active_cases == 0
    async with sessions() as session:
        offer = (await session.execute(select(Offer).where(Offer.case_id == "case-1"))).scalar_one()
    assert (offer.status, offer.reason) == (repository.RESCINDED, "closed")
    assert [d.outcome for d in await decisions(sessions, "case-2")] == ["queued", "closed"]


async def test_sla_at_risk_moves_a_waiting_case_up_the_queue(sessions: Sessions):
    await route(sessions, "older")
    await route(sessions, "newer")
    assert await waiting(sessions) == ["older", "newer"]

    await publish(sessions, on_sla_at_risk, sla(CaseSlaAtRisk, "newer"))

    assert await waiting(sessions) == ["newer", "older"]
    async with sessions() as session:
        row = (await session.execute(select(WaitingCase).where(WaitingCase.case_id == "newer"))).scalar_one()
    assert (row.priority, row.required_level) == ("high", 1)
    *_, decision = await decisions(sessions, "newer")
    assert (decision.trigger, decision.outcome) == ("sla_at_risk", "relaxed")
    assert decision.requirement["priority_from"] == "normal" and decision.requirement["sla_target"] == "first_response"


async def test_sla_at_risk_widens_the_search_and_routes_the_case(sessions: Sessions):
    await add_agent(sessions, "lan", skills={"billing": 2})
    await route(sessions, "case-1", priority=Priority.URGENT)  # needs level 3
    assert await waiting(sessions) == ["case-1"]

    await publish(sessions, on_sla_at_risk, sla(CaseSlaAtRisk, "case-1"))

    assert await assigned_to(sessions) == {"case-1": "lan"}
    outcomes = [(d.trigger, d.outcome) for d in await decisions(sessions, "case-1")]
    assert outcomes == [("case_opened", "queued"), ("sla_at_risk", "relaxed"), ("sla_at_risk", "assigned")]
    assert (await decisions(sessions, "case-1"))[1].requirement["relaxed_from"] == 3


async def test_sla_at_risk_leaves_an_assigned_case_alone(sessions: Sessions):
    await add_agent(sessions, "lan")
    await route(sessions, "case-1")

    await publish(sessions, on_sla_at_risk, sla(CaseSlaAtRisk, "case-1"))

    assert [d.outcome for d in await decisions(sessions, "case-1")] == ["assigned"]


async def test_a_breached_waiting_case_goes_to_a_supervisor_whatever_the_skill(sessions: Sessions):
    await add_agent(sessions, "novice", skills={"billing": 1})
    await add_agent(sessions, "boss", skills={}, supervisor=True)
    await add_agent(sessions, "away-boss", skills={}, supervisor=True, presence=Presence.AWAY)
    await route(sessions, "case-1", priority=Priority.URGENT)
    assert await waiting(sessions) == ["case-1"]

    await publish(sessions, on_sla_breached, sla(CaseSlaBreached, "case-1", SlaTarget.RESOLUTION))

    assert await assigned_to(sessions) == {"case-1": "boss"}
    assert await waiting(sessions) == []
    escalation = (await decisions(sessions, "case-1"))[1]
    assert (escalation.trigger, escalation.outcome, escalation.agent_id) == ("sla_breached", "escalated", "boss")
    reasons = {c["agent_id"]: c["reasons"] for c in escalation.candidates}
    assert reasons == {"away-boss": ["not available"], "boss": []}


async def test_a_breached_waiting_case_with_no_supervisor_keeps_waiting(sessions: Sessions):
    await route(sessions, "case-1")

    await publish(sessions, on_sla_breached, sla(CaseSlaBreached, "case-1"))

    assert await waiting(sessions) == ["case-1"]
    *_, decision = await decisions(sessions, "case-1")
    assert (decision.outcome, decision.agent_id) == ("escalated", None)


async def test_a_breached_assigned_case_is_brought_to_a_supervisor(sessions: Sessions):
    await add_agent(sessions, "lan")
    await route(sessions, "case-1")
    await add_agent(sessions, "boss", skills={}, supervisor=True, capacity=1)
    await route(sessions, "case-2", category="delivery")  # nobody has the skill: waits
    before = len(await outbox_rows(sessions))

    await publish(sessions, on_sla_breached, sla(CaseSlaBreached, "case-1", SlaTarget.RESOLUTION))

    assert await assigned_to(sessions) == {"case-1": "lan"}
    rows = await outbox_rows(sessions)
    assert len(rows) == before + 1
    escalated = payload_as(decode(rows[-1].payload), CaseEscalated)
    assert (escalated.case_id, escalated.supervisor_id, escalated.agent_id) == ("case-1", "boss", "lan")
    *_, decision = await decisions(sessions, "case-1")
    assert (decision.outcome, decision.agent_id) == ("escalated", "boss")


async def test_an_angry_case_needs_level_two_and_preferred_skills_rank_and_show(sessions: Sessions):
    await add_agent(sessions, "novice", skills={"billing": 1})
    await add_agent(sessions, "plain", skills={"billing": 2})
    await add_agent(sessions, "lawyer", skills={"billing": 3, "legal": 1})
    event, data = opened("case-1")
    data = data.model_copy(update={"markers": ("Angry",), "preferred_skills": ("Legal",)})
    async with sessions() as session, session.begin():
        await on_case_opened(session, event, data)

    assert await assigned_to(sessions) == {"case-1": "lawyer"}
    [decision] = await decisions(sessions, "case-1")
    assert decision.requirement["min_level"] == 2 and decision.requirement["preferred_skills"] == ["legal"]
    scores = {c["agent_id"]: c["score"] for c in decision.candidates}
    assert scores["lawyer"]["preferred_skills"] == 1 and scores["plain"]["preferred_skills"] == 0
    assert scores["novice"] is None


HOLDING = RoutingPolicy(continuity_wait=timedelta(seconds=60))


async def open_for(sessions: Sessions, case_id: str, customer: str, policy: RoutingPolicy = HOLDING) -> None:
    event, data = opened(case_id)
    data = data.model_copy(update={"customer_id": customer})
    async with sessions() as session, session.begin():
        await on_case_opened(session, event, data, policy=policy)


async def test_a_case_is_held_for_the_customers_busy_previous_agent_who_gets_it_when_free(sessions: Sessions):
    await add_agent(sessions, "lan", capacity=1)
    await open_for(sessions, "case-1", "mai")
    await add_agent(sessions, "other", capacity=1)

    await open_for(sessions, "case-2", "mai")

    assert await assigned_to(sessions) == {"case-1": "lan"}
    assert await waiting(sessions) == ["case-2"]
    [decision] = await decisions(sessions, "case-2")
    assert (decision.outcome, decision.agent_id) == ("reserved", "lan")
    assert "reserved_until" in decision.requirement
    async with sessions() as session, session.begin():
        assert await drain_queue_for(session, agent_id="other", policy=HOLDING) == []

    await publish(sessions, on_case_resolved, resolved("case-1"))

    assert (await assigned_to(sessions))["case-2"] == "lan"


async def test_after_the_continuity_wait_anyone_eligible_takes_the_case(sessions: Sessions):
    short = RoutingPolicy(continuity_wait=timedelta(milliseconds=1))
    await add_agent(sessions, "lan", capacity=1)
    await open_for(sessions, "case-1", "mai", short)
    await add_agent(sessions, "other", capacity=1)
    await open_for(sessions, "case-2", "mai", short)
    assert await waiting(sessions) == ["case-2"]

    async def released() -> bool | None:
        async with sessions() as session, session.begin():
            await relax_waiting(session, after={}, policy=short)
        return True if (await assigned_to(sessions)).get("case-2") == "other" else None

    await eventually(released, what="case-2 released to other")
    outcomes = [(d.trigger, d.outcome) for d in await decisions(sessions, "case-2")]
    assert outcomes == [("case_opened", "reserved"), ("continuity_wait", "queued"), ("continuity_wait", "assigned")]


async def test_a_case_is_not_held_for_a_previous_agent_who_is_away(sessions: Sessions):
    await add_agent(sessions, "lan", capacity=1)
    await open_for(sessions, "case-1", "mai")
    await add_agent(sessions, "other", capacity=1)
    async with sessions() as session, session.begin():
        await change_presence(session, agent_id="lan", presence=Presence.AWAY)

    await open_for(sessions, "case-2", "mai")

    assert (await assigned_to(sessions))["case-2"] == "other"


async def test_an_agent_outside_working_hours_gets_no_case(sessions: Sessions):
    never = {"timezone": "Asia/Ho_Chi_Minh", "hours": {}}
    always = {
        "timezone": "UTC",
        "hours": {day: ["00:00", "00:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")},
    }
    await add_agent(sessions, "off", schedule=never)
    await add_agent(sessions, "on", schedule=always)

    await route(sessions, "case-1")

    assert await assigned_to(sessions) == {"case-1": "on"}
    [decision] = await decisions(sessions, "case-1")
    reasons = {c["agent_id"]: c["reasons"] for c in decision.candidates}
    assert reasons == {"on": [], "off": ["outside working hours"]}
