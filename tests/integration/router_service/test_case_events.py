"""What case_service's lifecycle events do to routing: a reopened case is routed again (back to its agent when it
can), an escalation request reaches a supervisor, a reclassified waiting case needs its new skill and level, a due
follow-up reaches the agent's live stream."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from router_service.broadcast import BROADCASTER, Broadcaster
from router_service.domain import Presence
from router_service.escalation_request import on_escalation_requested
from router_service.follow_ups import on_follow_up_due
from router_service.lifecycle import on_case_resolved
from router_service.models import Offer, WaitingCase
from router_service.reclassify import on_case_reclassified
from router_service.reopen import on_case_reopened
from shared.cloudevents import decode
from shared.events import (
    CaseEscalated,
    CaseEscalationRequested,
    CaseFollowUpDue,
    CaseReclassified,
    CaseReopened,
    CaseResolved,
    Channel,
    Priority,
    payload_as,
)
from tests.integration.router_service.helpers import (
    Sessions,
    add_agent,
    agent,
    assigned_to,
    decisions,
    outbox_rows,
    publish,
    route,
    waiting,
)


def reopened(case_id: str, *, previous_agent_id: str | None, **changes: Any) -> CaseReopened:
    values: dict[str, Any] = {
        "case_id": case_id,
        "case_reference": f"REF-{case_id}",
        "customer_id": f"customer-of-{case_id}",
        "channel": Channel.EMAIL,
        "category": "billing",
        "priority": Priority.NORMAL,
        "language": "vi",
        "previous_agent_id": previous_agent_id,
        "reason": "customer wrote again",
        "reopened_at": datetime.now(UTC),
    }
    return CaseReopened(**{**values, **changes})


def reclassified(case_id: str, *, category: str, priority: Priority, was: tuple[str, Priority]) -> CaseReclassified:
    return CaseReclassified(
        case_id=case_id,
        category=category,
        priority=priority,
        previous_category=was[0],
        previous_priority=was[1],
        by="lan",
        reclassified_at=datetime.now(UTC),
    )


def escalation(case_id: str, *, agent_id: str | None, reason: str = "customer threatens to sue") -> Any:
    return CaseEscalationRequested(case_id=case_id, reason=reason, agent_id=agent_id, requested_at=datetime.now(UTC))


async def escalations(sessions: Sessions) -> list[CaseEscalated]:
    rows = await outbox_rows(sessions)
    return [
        payload_as(decode(r.payload), CaseEscalated) for r in rows if decode(r.payload).type == CaseEscalated.event_type
    ]


async def offers_of(sessions: Sessions, case_id: str) -> list[tuple[str, str]]:
    async with sessions() as session:
        query = select(Offer.agent_id, Offer.status).where(Offer.case_id == case_id).order_by(Offer.created_at)
        return [(row.agent_id, row.status) for row in await session.execute(query)]


async def resolve(sessions: Sessions, case_id: str) -> None:
    await publish(sessions, on_case_resolved, CaseResolved(case_id=case_id, resolved_at=datetime.now(UTC)))


# case.reopened.v1


async def test_a_reopened_case_goes_back_to_its_previous_agent(sessions: Sessions):
    await add_agent(sessions, "binh")
    await route(sessions, "case-1")
    await resolve(sessions, "case-1")
    # Never assigned anything, "an" would come first for a new case (longest idle).
    await add_agent(sessions, "an")

    await publish(sessions, on_case_reopened, reopened("case-1", previous_agent_id="binh"))

    assert (await agent(sessions, "binh")).active_cases == 1
    assert await offers_of(sessions, "case-1") == [("binh", "rescinded"), ("binh", "accepted")]
    *_, decision = await decisions(sessions, "case-1")
    assert (decision.trigger, decision.outcome, decision.agent_id) == ("case_reopened", "assigned", "binh")
    assert decision.requirement["previous_agent"] == "binh"


async def test_a_reopened_case_whose_agent_is_away_goes_to_another_eligible_agent(sessions: Sessions):
    await add_agent(sessions, "binh")
    await route(sessions, "case-1")
    await resolve(sessions, "case-1")
    await add_agent(sessions, "binh", presence=Presence.AWAY)
    await add_agent(sessions, "chi")

    await publish(sessions, on_case_reopened, reopened("case-1", previous_agent_id="binh"))

    *_, decision = await decisions(sessions, "case-1")
    assert (decision.trigger, decision.outcome, decision.agent_id) == ("case_reopened", "assigned", "chi")
    reasons = {c["agent_id"]: c["reasons"] for c in decision.candidates}
    assert reasons["binh"] == ["not available"]


async def test_a_reopened_case_needs_what_its_priority_and_markers_call_for(sessions: Sessions):
    await add_agent(sessions, "novice", skills={"billing": 1})
    await route(sessions, "case-1")
    await resolve(sessions, "case-1")

    await publish(
        sessions,
        on_case_reopened,
        reopened("case-1", previous_agent_id="novice", priority=Priority.HIGH, markers=("angry",)),
    )

    assert await waiting(sessions) == ["case-1"]
    async with sessions() as session:
        row = (await session.execute(select(WaitingCase).where(WaitingCase.case_id == "case-1"))).scalar_one()
    assert (row.required_skill, row.required_level, row.priority) == ("billing", 2, "high")
    *_, decision = await decisions(sessions, "case-1")
    assert (decision.trigger, decision.outcome) == ("case_reopened", "queued")


async def test_a_reopened_case_routing_still_holds_is_left_alone(sessions: Sessions):
    await add_agent(sessions, "binh")
    await route(sessions, "case-1")  # assigned; its resolution never reached the router
    await route(sessions, "case-2", category="delivery")  # waiting: nobody has the skill
    before = {case_id: len(await decisions(sessions, case_id)) for case_id in ("case-1", "case-2")}

    await publish(sessions, on_case_reopened, reopened("case-1", previous_agent_id="binh"))
    await publish(sessions, on_case_reopened, reopened("case-2", previous_agent_id=None, category="delivery"))

    assert {case_id: len(await decisions(sessions, case_id)) for case_id in ("case-1", "case-2")} == before
    assert (await agent(sessions, "binh")).active_cases == 1
    assert await waiting(sessions) == ["case-2"]


# case.escalation_requested.v1


async def test_an_escalation_request_reaches_a_supervisor_of_the_agents_team(sessions: Sessions):
    await add_agent(sessions, "lan", team="north")
    await route(sessions, "case-1")
    await add_agent(sessions, "a-boss", skills={}, supervisor=True, team="south")  # would rank first otherwise
    await add_agent(sessions, "north-boss", skills={}, supervisor=True, team="north")

    await publish(sessions, on_escalation_requested, escalation("case-1", agent_id="lan"), correlation_id="trace-x")

    [escalated] = await escalations(sessions)
    assert (escalated.case_id, escalated.supervisor_id, escalated.agent_id) == ("case-1", "north-boss", "lan")
    assert escalated.reason == "customer threatens to sue"
    assert decode((await outbox_rows(sessions))[-1].payload).correlationid == "trace-x"
    assert await assigned_to(sessions) == {"case-1": "lan"}  # the agent keeps the case
    *_, decision = await decisions(sessions, "case-1")
    assert (decision.trigger, decision.outcome, decision.agent_id) == ("escalation_request", "escalated", "north-boss")


async def test_an_escalation_request_with_no_supervisor_present_is_still_confirmed(sessions: Sessions):
    await add_agent(sessions, "lan", team="north")
    await route(sessions, "case-1")
    await add_agent(sessions, "boss", skills={}, supervisor=True, presence=Presence.OFFLINE)

    await publish(sessions, on_escalation_requested, escalation("case-1", agent_id="lan"))

    [escalated] = await escalations(sessions)
    assert (escalated.supervisor_id, escalated.agent_id) == ("", "lan")
    *_, decision = await decisions(sessions, "case-1")
    assert (decision.outcome, decision.agent_id) == ("escalated", None)
    assert {c["agent_id"]: c["reasons"] for c in decision.candidates} == {"boss": ["not available"]}


async def test_an_escalated_waiting_case_is_given_to_a_supervisor(sessions: Sessions):
    await route(sessions, "case-1", category="delivery")  # nobody has the skill
    await add_agent(sessions, "boss", skills={}, supervisor=True)

    await publish(sessions, on_escalation_requested, escalation("case-1", agent_id=None, reason="VIP customer"))

    assert await assigned_to(sessions) == {"case-1": "boss"}
    assert await waiting(sessions) == []
    [escalated] = await escalations(sessions)
    assert (escalated.supervisor_id, escalated.reason) == ("boss", "VIP customer")


async def test_an_escalation_request_for_a_case_routing_never_held_still_finds_a_supervisor(sessions: Sessions):
    await add_agent(sessions, "boss", skills={}, supervisor=True, channels=[Channel.SMS.value])

    await publish(sessions, on_escalation_requested, escalation("elsewhere", agent_id="lan"))

    [escalated] = await escalations(sessions)
    assert (escalated.case_id, escalated.supervisor_id, escalated.agent_id) == ("elsewhere", "boss", "lan")


# case.reclassified.v1


async def test_a_reclassified_waiting_case_needs_its_new_skill_and_is_routed(sessions: Sessions):
    await add_agent(sessions, "lan", skills={"billing": 2})
    await route(sessions, "case-1", category="delivery")  # nobody has the skill
    assert await waiting(sessions) == ["case-1"]

    await publish(
        sessions,
        on_case_reclassified,
        reclassified("case-1", category="billing", priority=Priority.NORMAL, was=("delivery", Priority.NORMAL)),
    )

    assert await assigned_to(sessions) == {"case-1": "lan"}
    outcomes = [(d.trigger, d.outcome) for d in await decisions(sessions, "case-1")]
    assert outcomes == [("case_opened", "queued"), ("reclassified", "queued"), ("reclassified", "assigned")]
    assert (await decisions(sessions, "case-1"))[1].requirement["reclassified_from"]["skill"] == "delivery"


async def test_a_reclassified_waiting_case_takes_its_new_priority_level_and_place(sessions: Sessions):
    await route(sessions, "older")
    await route(sessions, "newer")
    assert await waiting(sessions) == ["older", "newer"]

    await publish(
        sessions,
        on_case_reclassified,
        reclassified("newer", category="billing", priority=Priority.URGENT, was=("billing", Priority.NORMAL)),
    )

    assert await waiting(sessions) == ["newer", "older"]
    async with sessions() as session:
        row = (await session.execute(select(WaitingCase).where(WaitingCase.case_id == "newer"))).scalar_one()
    assert (row.priority, row.required_level) == ("urgent", 3)


async def test_a_reclassified_assigned_case_keeps_its_agent(sessions: Sessions):
    await add_agent(sessions, "lan", skills={"billing": 2})
    await route(sessions, "case-1")

    await publish(
        sessions,
        on_case_reclassified,
        reclassified("case-1", category="delivery", priority=Priority.URGENT, was=("billing", Priority.NORMAL)),
    )

    assert await assigned_to(sessions) == {"case-1": "lan"}
    assert [d.outcome for d in await decisions(sessions, "case-1")] == ["assigned"]


# case.follow_up_due.v1


async def test_a_due_follow_up_reaches_the_agents_live_stream_once_committed(sessions: Sessions):
    broadcaster = Broadcaster()
    sessions.configure(info={BROADCASTER: broadcaster})
    due = CaseFollowUpDue(
        case_id="case-1", case_reference="C-2026-000001", follow_up_id="f-1", agent_id="lan", due_at=datetime.now(UTC)
    )
    async with broadcaster.subscribe("lan") as lan, broadcaster.subscribe("minh") as minh:
        await publish(sessions, on_follow_up_due, due)

        kind, notice = lan.get_nowait()
        assert kind == "follow_up"
        assert notice == {
            "follow_up_id": "f-1",
            "case_id": "case-1",
            "case_reference": "C-2026-000001",
            "due_at": due.due_at.isoformat(),
        }
        assert minh.empty()
    assert await outbox_rows(sessions) == []  # nothing stored or announced: case_service keeps the task
