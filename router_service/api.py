"""HTTP routes: agents and their presence and assignments, the waiting queue, and routing explanations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from sqlalchemy.exc import IntegrityError

from router_service import repository
from router_service.agents import change_presence, save_agent
from router_service.domain import Presence, normalize_name
from router_service.schemas import (
    AGENT_ID_PATTERN,
    AgentIn,
    AgentOut,
    AssignmentOut,
    CaseRoutingOut,
    DecisionOut,
    Items,
    PresenceIn,
    RequirementOut,
    WaitingCaseOut,
)
from shared.problems import PROBLEM_JSON, Problem
from shared.runtime import ServiceRuntime


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_JSON: {}}}


UNKNOWN_AGENT: dict[int | str, dict[str, Any]] = {404: _problem("No such agent.")}
router = APIRouter(prefix="/v1", responses={401: _problem("Missing or invalid API key.")})


def get_runtime(request: Request) -> ServiceRuntime:
    return cast(ServiceRuntime, request.app.state.runtime)


Runtime = Annotated[ServiceRuntime, Depends(get_runtime)]
AgentId = Annotated[str, Path(pattern=AGENT_ID_PATTERN, description="Chosen by the client.")]


@router.put(
    "/agents/{agent_id}",
    response_model=AgentOut,
    tags=["agents"],
    responses={201: {"model": AgentOut, "description": "Created."}, 409: _problem("Created concurrently; repeat.")},
)
async def put_agent(agent_id: AgentId, body: AgentIn, response: Response, runtime: Runtime) -> AgentOut:
    """Create (201) or replace (200) an agent. Its presence is kept unless given (a new agent starts offline)."""
    try:
        async with runtime.sessions() as session, session.begin():
            agent, created = await save_agent(
                session,
                agent_id=agent_id,
                name=body.name,
                skills=body.skills,
                languages=body.languages,
                channels=[channel.value for channel in body.channels],
                capacity=body.capacity,
                presence=body.presence,
            )
            result = AgentOut.model_validate(agent)
    except IntegrityError:
        # Two requests created the same agent at once; the other one won.
        raise Problem(409, "conflict", "Agent changed concurrently", "Repeat the request.") from None
    runtime.relay.wake()
    if created:
        response.status_code = 201
    return result


@router.get("/agents/{agent_id}", response_model=AgentOut, tags=["agents"], responses=UNKNOWN_AGENT)
async def get_agent(agent_id: AgentId, runtime: Runtime) -> AgentOut:
    async with runtime.sessions() as session:
        agent = await repository.get_agent(session, agent_id=agent_id)
        if agent is None:
            raise _unknown_agent(agent_id)
        return AgentOut.model_validate(agent)


@router.get("/agents", response_model=Items[AgentOut], tags=["agents"])
async def list_agents(
    runtime: Runtime,
    presence: Presence | None = None,
    skill: Annotated[str | None, Query(min_length=1, max_length=100, description="Agents having this skill.")] = None,
) -> Items[AgentOut]:
    async with runtime.sessions() as session:
        agents = await repository.list_agents(session, presence=presence.value if presence else None)
    wanted = normalize_name(skill) if skill is not None else None
    return Items(items=[AgentOut.model_validate(a) for a in agents if wanted is None or wanted in a.skills])


@router.put("/agents/{agent_id}/presence", response_model=AgentOut, tags=["agents"], responses=UNKNOWN_AGENT)
async def put_presence(agent_id: AgentId, body: PresenceIn, runtime: Runtime) -> AgentOut:
    """Change the agent's presence; becoming available hands it waiting cases it can take."""
    async with runtime.sessions() as session, session.begin():
        agent = await change_presence(session, agent_id=agent_id, presence=body.presence)
        if agent is None:
            raise _unknown_agent(agent_id)
        result = AgentOut.model_validate(agent)
    runtime.relay.wake()
    return result


@router.get(
    "/agents/{agent_id}/assignments", response_model=Items[AssignmentOut], tags=["agents"], responses=UNKNOWN_AGENT
)
async def list_assignments(agent_id: AgentId, runtime: Runtime) -> Items[AssignmentOut]:
    """The agent's active assignments, newest first."""
    async with runtime.sessions() as session:
        if await repository.get_agent(session, agent_id=agent_id) is None:
            raise _unknown_agent(agent_id)
        assignments = await repository.active_assignments(session, agent_id=agent_id)
    return Items(items=[AssignmentOut.model_validate(a) for a in assignments])


@router.get(
    "/cases/{case_id}/routing",
    response_model=CaseRoutingOut,
    tags=["routing"],
    responses={404: _problem("The router has not seen this case.")},
)
async def case_routing(case_id: Annotated[str, Path(max_length=100)], runtime: Runtime) -> CaseRoutingOut:
    """Every routing decision recorded for the case: requirement, candidates with reasons or scores, outcome."""
    async with runtime.sessions() as session:
        decisions = await repository.decisions_for(session, case_id=case_id)
    if not decisions:
        raise Problem(404, "not-found", "No routing decision for this case", "The router has not seen this case.")
    return CaseRoutingOut(case_id=case_id, decisions=[DecisionOut.model_validate(d) for d in decisions])


@router.get("/queue", response_model=Items[WaitingCaseOut], tags=["routing"])
async def queue(runtime: Runtime, limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> Items[WaitingCaseOut]:
    """Waiting cases in the order they will be served: priority, then age."""
    async with runtime.sessions() as session:
        waiting = await repository.waiting_in_order(session, limit=limit)
    now = datetime.now(UTC)
    items = [
        WaitingCaseOut(
            position=position,
            case_id=w.case_id,
            case_reference=w.case_reference,
            channel=w.channel,
            category=w.category,
            priority=w.priority,
            language=w.language,
            requirement=RequirementOut(
                skill=w.required_skill, min_level=w.required_level, language=w.required_language, channel=w.channel
            ),
            enqueued_at=w.enqueued_at,
            waiting_s=round(max(0.0, (now - w.enqueued_at).total_seconds()), 3),
        )
        for position, w in enumerate(waiting, start=1)
    ]
    return Items(items=items)


def _unknown_agent(agent_id: str) -> Problem:
    return Problem(404, "not-found", "Unknown agent", f"There is no agent {agent_id}.")
