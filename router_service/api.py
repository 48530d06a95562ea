"""HTTP routes: agents and their presence and assignments, the waiting queue, and routing explanations."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Final, cast

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from router_service import floor_repository, offers, queue_view, repository
from router_service.agents import change_presence, save_agent
from router_service.broadcast import Broadcaster, sse
from router_service.domain import (
    MAX_LEVEL,
    Presence,
    Requirement,
    RoutingPolicy,
    normalize_name,
    primary_language,
)
from router_service.explanations import candidate_summary, decision_summary
from router_service.models import RoutingDecision
from router_service.preview import Preview, preview_case, preview_requirement
from router_service.schemas import (
    AGENT_ID_PATTERN,
    AcceptedOut,
    AgentIn,
    AgentOut,
    AssignmentOut,
    CandidateOut,
    CaseRoutingOut,
    DecisionOut,
    DeclineIn,
    DryRunCaseOut,
    DryRunIn,
    DryRunOut,
    Items,
    OfferOut,
    PresenceIn,
    RequirementOut,
    SkillDepthOut,
    SnapshotOut,
    StatisticsOut,
    WaitingCaseOut,
)
from router_service.settings import RouterServiceSettings
from router_service.statistics import statistics
from shared.auth import Principal, current_principal
from shared.problems import PROBLEM_JSON, Problem
from shared.runtime import ServiceRuntime


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_JSON: {}}}


KEEPALIVE_S: Final = 15.0
UNKNOWN_AGENT: dict[int | str, dict[str, Any]] = {404: _problem("No such agent (or not yours, for an agent token).")}
STAFF_ONLY: dict[int | str, dict[str, Any]] = {403: _problem("Supervisors and admins only.")}
router = APIRouter(prefix="/v1", responses={401: _problem("Missing or invalid API key or access token.")})


def get_runtime(request: Request) -> ServiceRuntime:
    return cast(ServiceRuntime, request.app.state.runtime)


Runtime = Annotated[ServiceRuntime, Depends(get_runtime)]
Caller = Annotated[Principal, Depends(current_principal)]
AgentId = Annotated[str, Path(pattern=AGENT_ID_PATTERN, description="Chosen by the client.")]
CaseId = Annotated[str, Path(max_length=100)]


def _staff_only(caller: Caller) -> None:
    if not caller.sees_all:
        raise Problem(403, "forbidden", "Forbidden", "Only supervisors and admins may do this.")


def _own_agent(agent_id: AgentId, caller: Caller) -> str:
    """The agent in the path, which an agent token may only name as itself; another agent looks unknown to it."""
    if not caller.sees_all and agent_id != caller.agent_id:
        raise _unknown_agent(agent_id)
    return agent_id


StaffOnly = Depends(_staff_only)
OwnAgentId = Annotated[str, Depends(_own_agent)]


@router.put(
    "/agents/{agent_id}",
    response_model=AgentOut,
    tags=["agents"],
    responses={
        201: {"model": AgentOut, "description": "Created."},
        409: _problem("Created concurrently; repeat."),
        **STAFF_ONLY,
    },
    dependencies=[StaffOnly],
)
async def put_agent(agent_id: AgentId, body: AgentIn, response: Response, runtime: Runtime) -> AgentOut:
    """Create (201) or replace (200) an agent. Its presence is kept unless given (a new agent starts offline)."""
    try:
        async with runtime.sessions() as session, session.begin():
            _, created = await save_agent(
                session,
                agent_id=agent_id,
                name=body.name,
                skills=body.skills,
                languages=body.languages,
                channels=[channel.value for channel in body.channels],
                capacity=body.capacity_by_channel(),
                max_total=body.max_total,
                team=body.team,
                auto_accept=body.auto_accept,
                supervisor=body.supervisor,
                schedule=body.schedule.model_dump() if body.schedule is not None else None,
                presence=body.presence,
                policy=_policy(runtime),
            )
            result = await _current(session, agent_id)
    except IntegrityError:
        # Two requests created the same agent at once; the other one won.
        raise Problem(409, "conflict", "Agent changed concurrently", "Repeat the request.") from None
    runtime.relay.wake()
    if created:
        response.status_code = 201
    return result


@router.get("/agents/{agent_id}", response_model=AgentOut, tags=["agents"], responses=UNKNOWN_AGENT)
async def get_agent(agent_id: OwnAgentId, runtime: Runtime) -> AgentOut:
    async with runtime.sessions() as session:
        agent = await repository.get_agent(session, agent_id=agent_id)
        if agent is None:
            raise _unknown_agent(agent_id)
        return AgentOut.model_validate(agent)


@router.get("/agents", response_model=Items[AgentOut], tags=["agents"], responses=STAFF_ONLY, dependencies=[StaffOnly])
async def list_agents(
    runtime: Runtime,
    presence: Presence | None = None,
    skill: Annotated[str | None, Query(min_length=1, max_length=100, description="Agents having this skill.")] = None,
    team: Annotated[str | None, Query(min_length=1, max_length=100, description="Agents of this team.")] = None,
) -> Items[AgentOut]:
    async with runtime.sessions() as session:
        agents = await repository.list_agents(
            session,
            presence=presence.value if presence else None,
            team=team,
            skill=normalize_name(skill) if skill is not None else None,
        )
        return Items(items=[AgentOut.model_validate(a) for a in agents])


@router.put("/agents/{agent_id}/presence", response_model=AgentOut, tags=["agents"], responses=UNKNOWN_AGENT)
async def put_presence(agent_id: OwnAgentId, body: PresenceIn, runtime: Runtime) -> AgentOut:
    """Change the agent's presence; becoming available hands it waiting cases it can take, going away or offline
    re-routes its pending offers at once."""
    async with runtime.sessions() as session, session.begin():
        agent = await change_presence(session, agent_id=agent_id, presence=body.presence, policy=_policy(runtime))
        if agent is None:
            raise _unknown_agent(agent_id)
        result = await _current(session, agent_id)
    runtime.relay.wake()
    return result


@router.get(
    "/agents/{agent_id}/assignments", response_model=Items[AssignmentOut], tags=["agents"], responses=UNKNOWN_AGENT
)
async def list_assignments(agent_id: OwnAgentId, runtime: Runtime) -> Items[AssignmentOut]:
    """The agent's active assignments, newest first."""
    async with runtime.sessions() as session:
        await _require_agent(session, agent_id)
        assignments = await repository.active_assignments(session, agent_id=agent_id)
    return Items(items=[AssignmentOut.model_validate(a) for a in assignments])


@router.get("/agents/{agent_id}/offers", response_model=Items[OfferOut], tags=["offers"], responses=UNKNOWN_AGENT)
async def list_offers(agent_id: OwnAgentId, runtime: Runtime) -> Items[OfferOut]:
    """The agent's pending offers, oldest first: accept or decline each before its `expires_at`."""
    async with runtime.sessions() as session:
        await _require_agent(session, agent_id)
        offers = await repository.pending_offers(session, agent_id=agent_id)
    return Items(items=[OfferOut.model_validate(o) for o in offers])


OFFER_ANSWERS: dict[int | str, dict[str, Any]] = {
    404: _problem("No such offer."),
    409: _problem("The offer is no longer pending (accepted, declined, expired or rescinded)."),
}
OfferId = Annotated[str, Path(max_length=36)]


@router.post("/offers/{offer_id}/accept", response_model=AcceptedOut, tags=["offers"], responses=OFFER_ANSWERS)
async def accept_offer(offer_id: OfferId, runtime: Runtime, caller: Caller) -> AcceptedOut:
    """Accept a pending offer: the case becomes the agent's assignment (announced as case.assigned.v1)."""
    async with runtime.sessions() as session:
        async with session.begin():
            await _require_visible_offer(session, offer_id, caller)
            outcome = await offers.accept(session, offer_id=offer_id, policy=_policy(runtime))
            offer = await repository.get_offer(session, offer_id=offer_id)
            result = OfferOut.model_validate(offer) if offer is not None else None
        runtime.relay.wake()
    if result is None or outcome.assignment_id is None:
        raise _offer_problem(offer_id, outcome)
    return AcceptedOut(offer=result, assignment_id=outcome.assignment_id)


@router.post("/offers/{offer_id}/decline", response_model=OfferOut, tags=["offers"], responses=OFFER_ANSWERS)
async def decline_offer(offer_id: OfferId, runtime: Runtime, caller: Caller, body: DeclineIn | None = None) -> OfferOut:
    """Decline a pending offer (optionally saying why): the case goes to the next eligible agent, never back to you."""
    reason = body.reason if body is not None else None
    async with runtime.sessions() as session:
        async with session.begin():
            await _require_visible_offer(session, offer_id, caller)
            outcome = await offers.decline(session, offer_id=offer_id, reason=reason, policy=_policy(runtime))
            offer = await repository.get_offer(session, offer_id=offer_id)
            result = OfferOut.model_validate(offer) if offer is not None else None
        runtime.relay.wake()
    if result is None or outcome.answer is not offers.Answer.DONE:
        raise _offer_problem(offer_id, outcome)
    return result


@router.get(
    "/agents/{agent_id}/stream",
    tags=["agents"],
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events."}, **UNKNOWN_AGENT},
)
async def stream(agent_id: OwnAgentId, request: Request, runtime: Runtime) -> StreamingResponse:
    """Offers and assignment changes for the agent as they happen (events: offer, assignment, offer_declined,
    offer_expired, offer_rescinded; follow_up when a resolved case's check-back is due; escalation for a supervisor
    told of an escalated case). After reconnecting, re-read /offers and /assignments for what was missed."""
    async with runtime.sessions() as session:
        await _require_agent(session, agent_id)
    broadcaster: Broadcaster = request.app.state.broadcaster

    async def events() -> AsyncIterator[str]:
        async with broadcaster.subscribe(agent_id) as queue:
            yield ": connected\n\n"
            while True:
                try:
                    kind, data = await asyncio.wait_for(queue.get(), timeout=KEEPALIVE_S)
                except TimeoutError:
                    yield ": keep-alive\n\n"
                    continue
                yield sse(kind, data)

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})


@router.get(
    "/cases/{case_id}/routing",
    response_model=CaseRoutingOut,
    tags=["routing"],
    responses={404: _problem("The router has not seen this case (or, for an agent, does not hold it for them).")},
)
async def case_routing(case_id: CaseId, runtime: Runtime, caller: Caller) -> CaseRoutingOut:
    """Every routing decision recorded for the case, oldest first: requirement, candidates with reasons or scores,
    outcome, and each in words (`summary`): why did this case go to this agent? An agent may read it for a case
    last assigned to them, seeing only their own place among the candidates (colleagues are not named)."""
    async with runtime.sessions() as session:
        if not caller.sees_all and not await repository.holds_case(session, case_id=case_id, agent_id=caller.agent_id):
            raise _unknown_case(case_id)
        decisions = await repository.decisions_for(session, case_id=case_id)
    if not decisions:
        raise _unknown_case(case_id)
    own = None if caller.sees_all else caller.agent_id
    return CaseRoutingOut(case_id=case_id, decisions=[_decision_out(d, only_agent=own) for d in decisions])


@router.post(
    "/routing/dry-run",
    response_model=DryRunOut,
    tags=["routing"],
    responses={404: _problem("No such case (by case_id): the router has not seen it."), **STAFF_ONLY},
    dependencies=[StaffOnly],
)
async def routing_dry_run(body: DryRunIn, runtime: Runtime) -> DryRunOut:
    """Who would get a case now, in order, with the reasons, explained as a decision would be; nothing is claimed,
    written or announced. `{"case_id": ...}`: that case as the router knows it now (its markers and preferred
    skills, the agents who declined it; its current holder is not a candidate). Otherwise a hypothetical case: its
    skill and channel, and optionally level, language, markers, preferred skills and customer (for continuity)."""
    policy = _policy(runtime)
    async with runtime.sessions() as session:
        if body.case_id is not None:
            preview = await preview_case(session, case_id=body.case_id, policy=policy)
            if preview is None:
                raise _unknown_case(body.case_id)
        else:
            assert body.skill is not None and body.channel is not None  # checked by DryRunIn
            marker_levels = [policy.min_level_for_marker.get(m, body.min_level) for m in body.markers]
            requirement = Requirement(
                skill=body.skill,
                min_level=min(max([body.min_level, *marker_levels]), MAX_LEVEL),
                language=primary_language(body.language),
                channel=body.channel.value,
            )
            preview = await preview_requirement(
                session,
                requirement=requirement,
                customer_id=body.customer_id,
                policy=policy,
                preferred_skills=tuple(dict.fromkeys(body.preferred_skills)),
                markers=tuple(dict.fromkeys(body.markers)),
            )
    return _dry_run_out(preview)


@router.get(
    "/supervisor/snapshot",
    response_model=SnapshotOut,
    tags=["supervisor"],
    responses=STAFF_ONLY,
    dependencies=[StaffOnly],
)
async def supervisor_snapshot(
    response: Response,
    runtime: Runtime,
    window_minutes: Annotated[
        int, Query(ge=1, le=1440, description="offers_recent: offers declined or expired this many minutes back.")
    ] = 15,
    case_ids_limit: Annotated[int, Query(ge=1, le=1000, description="Case ids listed per queue group.")] = 100,
    offers_limit: Annotated[int, Query(ge=1, le=1000, description="Offers listed in offers_recent.")] = 200,
) -> SnapshotOut:
    """Everything the live floor shows, read in one transaction (one state of the router): waiting cases per skill
    and priority with the oldest and its age, every agent with presence, load and limit per channel, occupancy and
    the cases it holds, agents per presence, and the offers declined or expired lately."""
    async with runtime.sessions() as session, session.begin():
        await floor_repository.one_state(session)
        floor = await floor_repository.snapshot(
            session,
            now=datetime.now(UTC),
            window=timedelta(minutes=window_minutes),
            case_ids_limit=case_ids_limit,
            offers_limit=offers_limit,
        )
    response.headers["Cache-Control"] = "no-store"
    return SnapshotOut.model_validate({**asdict(floor), "case_ids_limit": case_ids_limit, "offers_limit": offers_limit})


@router.get(
    "/routing/statistics",
    response_model=StatisticsOut,
    tags=["routing"],
    responses=STAFF_ONLY,
    dependencies=[StaffOnly],
)
async def routing_statistics(
    runtime: Runtime,
    window_s: Annotated[int, Query(ge=60, le=90 * 86400, description="Look back this many seconds.")] = 86400,
) -> StatisticsOut:
    """Offers accepted, declined and timed out; time-to-assign percentiles; occupancy per agent and per team."""
    async with runtime.sessions() as session:
        result = await statistics(session, window=timedelta(seconds=window_s))
    return StatisticsOut.model_validate(result)


@router.get(
    "/queue", response_model=Items[WaitingCaseOut], tags=["routing"], responses=STAFF_ONLY, dependencies=[StaffOnly]
)
async def queue(runtime: Runtime, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> Items[WaitingCaseOut]:
    """Waiting cases in the order they will be served: priority, then age; with an estimated wait from the last
    hour's throughput for the same skill (null when there is no basis for one)."""
    async with runtime.sessions() as session:
        waiting = await queue_view.queued(session, limit=limit)
    items = [
        WaitingCaseOut(
            position=q.position,
            case_id=q.waiting.case_id,
            case_reference=q.waiting.case_reference,
            channel=q.waiting.channel,
            category=q.waiting.category,
            priority=q.waiting.priority,
            language=q.waiting.language,
            requirement=RequirementOut(
                skill=q.waiting.required_skill,
                min_level=q.waiting.required_level,
                language=q.waiting.required_language,
                channel=q.waiting.channel,
            ),
            enqueued_at=q.waiting.enqueued_at,
            reserved_for=q.waiting.reserved_for,
            reserved_until=q.waiting.reserved_until,
            waiting_s=q.waiting_s,
            estimated_wait_s=q.estimated_wait_s,
        )
        for q in waiting
    ]
    return Items(items=items)


@router.get(
    "/queue/depth",
    response_model=Items[SkillDepthOut],
    tags=["routing"],
    responses=STAFF_ONLY,
    dependencies=[StaffOnly],
)
async def queue_depth(runtime: Runtime) -> Items[SkillDepthOut]:
    """Waiting cases per required skill, deepest first."""
    async with runtime.sessions() as session:
        depths = await queue_view.depth(session)
    return Items(items=[SkillDepthOut.model_validate(d, from_attributes=True) for d in depths])


async def _require_agent(session: AsyncSession, agent_id: str) -> None:
    if await repository.get_agent(session, agent_id=agent_id) is None:
        raise _unknown_agent(agent_id)


async def _require_visible_offer(session: AsyncSession, offer_id: str, caller: Principal) -> None:
    """An agent token acts only on its own offers; another agent's answers as if it did not exist."""
    if caller.sees_all:
        return
    offer = await repository.get_offer(session, offer_id=offer_id)
    if offer is None or offer.agent_id != caller.agent_id:
        raise _unknown_offer(offer_id)


def _unknown_offer(offer_id: str) -> Problem:
    return Problem(404, "not-found", "Unknown offer", f"There is no offer {offer_id}.")


def _unknown_case(case_id: str) -> Problem:
    return Problem(404, "not-found", "No routing decision for this case", "The router has not seen this case.")


def _decision_out(decision: RoutingDecision, *, only_agent: str | None = None) -> DecisionOut:
    """A recorded decision with its sentence and one per candidate; with `only_agent`, that agent's entry alone
    (and a sentence that names no other candidate)."""
    shown = decision.candidates
    if only_agent is not None:
        shown = [c for c in decision.candidates if c.get("agent_id") == only_agent]
    candidates = [
        CandidateOut.model_validate({**c, "summary": candidate_summary(c, requirement=decision.requirement)})
        for c in shown
    ]
    summary = decision_summary(
        trigger=decision.trigger,
        outcome=decision.outcome,
        agent_id=decision.agent_id,
        requirement=decision.requirement,
        candidates=decision.candidates if only_agent is None else [],
    )
    return DecisionOut(
        decided_at=decision.decided_at,
        trigger=decision.trigger,
        requirement=decision.requirement,
        candidates=candidates,
        outcome=decision.outcome,
        agent_id=decision.agent_id,
        summary=summary,
    )


def _dry_run_out(preview: Preview) -> DryRunOut:
    known = preview.known
    case = None
    if known is not None:
        case = DryRunCaseOut(
            case_id=known.case.case_id,
            case_reference=known.case.case_reference,
            customer_id=known.case.customer_id,
            state=known.state,
            holder_agent_id=known.holder,
            channel=known.case.channel,
            category=known.case.category,
            priority=known.case.priority,
            language=known.case.language,
            markers=list(known.case.markers),
            preferred_skills=list(known.case.preferred_skills),
            reserved_for=known.reserved_for,
            reserved_until=known.reserved_until,
            requirement_source=known.requirement_source,
        )
    winner = preview.winner
    return DryRunOut(
        requirement=preview.requirement,
        candidates=[CandidateOut.model_validate(c) for c in preview.candidates],
        ranked=preview.ranked,
        outcome=preview.outcome,
        agent_id=winner.id if winner else None,
        summary=preview.summary,
        case=case,
        agents_without_skill=preview.others_without_skill,
    )


def _unknown_agent(agent_id: str) -> Problem:
    return Problem(404, "not-found", "Unknown agent", f"There is no agent {agent_id}.")


async def _current(session: AsyncSession, agent_id: str) -> AgentOut:
    """The agent as this transaction left it (routing changed its counts behind the ORM's back)."""
    agent = await repository.get_agent(session, agent_id=agent_id)
    assert agent is not None
    return AgentOut.model_validate(agent)


def _policy(runtime: ServiceRuntime) -> RoutingPolicy:
    settings = cast(RouterServiceSettings, runtime.settings)
    return settings.routing_policy()


def _offer_problem(offer_id: str, outcome: offers.Outcome) -> Problem:
    if outcome.answer is offers.Answer.UNKNOWN:
        return _unknown_offer(offer_id)
    return Problem(409, "conflict", "Offer no longer pending", f"The offer is {outcome.status}.")
