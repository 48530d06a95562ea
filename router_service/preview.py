"""Dry runs: who would get a case now, in order and with the reasons, explained as a decision would be. Nothing is
claimed, written or announced: the same reads and the same pure choice as routing, without the claim."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from router_service import repository
from router_service.domain import (
    AgentView,
    Requirement,
    RoutingPolicy,
    evaluate,
    levels_called_for,
    requirement_for,
)
from router_service.explanations import candidate_summary, dry_run_summary
from router_service.handlers import RoutedCase, candidates_of

WAITING: Final = "waiting"
OFFERED: Final = "offered"
ASSIGNED: Final = "assigned"
ENDED: Final = "ended"


@dataclass(frozen=True)
class KnownCase:
    """A case as the router knows it now, and the requirement it would be routed with if it were routed now."""

    case: RoutedCase
    state: str  # waiting | offered | assigned | ended (resolved or closed: reopening would route it afresh)
    holder: str | None  # the agent it is offered or assigned to
    requirement: Requirement
    # queue: its place in the queue (after any relaxation or reclassification); offer: as its latest offer was
    # routed (what re-routing it uses); case: derived afresh from its category, priority and markers.
    requirement_source: str
    reserved_for: str | None = None
    reserved_until: datetime | None = None


@dataclass(frozen=True)
class Preview:
    requirement: dict[str, Any]
    candidates: list[dict[str, Any]]  # as in a recorded decision, each with a `summary`
    ranked: list[str]  # the eligible agents, best first: who would get it, then who next
    winner: AgentView | None
    outcome: str  # offered | assigned (the agent auto-accepts) | queued
    summary: str
    known: KnownCase | None = None
    others_without_skill: int = 0
    levels: dict[str, int] = field(default_factory=dict)


async def preview_requirement(
    session: AsyncSession,
    *,
    requirement: Requirement,
    customer_id: str | None,
    policy: RoutingPolicy,
    preferred_skills: tuple[str, ...] = (),
    markers: tuple[str, ...] = (),
) -> Preview:
    """Who would get a hypothetical case with `requirement` (its level already raised for `markers`; for continuity:
    `customer_id`'s)."""
    explained: dict[str, Any] = asdict(requirement)
    if preferred_skills:
        explained["preferred_skills"] = list(preferred_skills)
    if markers:
        explained["markers"] = list(markers)
    return await _preview(
        session,
        requirement=requirement,
        explained=explained,
        customer_id=customer_id,
        preferred=preferred_skills,
        policy=policy,
    )


async def preview_case(session: AsyncSession, *, case_id: str, policy: RoutingPolicy) -> Preview | None:
    """Who would get the case if it were routed now, as the router knows it (its markers, preferred skills, the
    agents who declined it, its current holder); None when the router has never seen it."""
    known = await known_case(session, case_id=case_id, policy=policy)
    if known is None:
        return None
    case = known.case
    levels = levels_called_for(case.priority, case.markers, policy)
    explained = {
        **asdict(known.requirement),
        "priority": case.priority,
        "markers": list(case.markers),
        "preferred_skills": list(case.preferred_skills),
        "levels_called_for": levels,
        "source": known.requirement_source,
    }
    declined = await repository.refused_by(session, case_id=case_id)
    return await _preview(
        session,
        requirement=known.requirement,
        explained=explained,
        customer_id=case.customer_id,
        preferred=case.preferred_skills,
        policy=policy,
        declined=declined,
        known=known,
        levels=levels,
    )


async def known_case(session: AsyncSession, *, case_id: str, policy: RoutingPolicy) -> KnownCase | None:
    """Where the case is now (queue, offer, assignment) and what it requires there; None when never routed."""
    waiting = await repository.waiting_entry(session, case_id=case_id)
    if waiting is not None:
        requirement = Requirement(
            waiting.required_skill, waiting.required_level, waiting.required_language, waiting.channel
        )
        return KnownCase(
            case=RoutedCase.waiting(waiting),
            state=WAITING,
            holder=None,
            requirement=requirement,
            requirement_source="queue",
            reserved_for=waiting.reserved_for,
            reserved_until=waiting.reserved_until,
        )
    offer = await repository.latest_offer_of_case(session, case_id=case_id)
    assignment = await repository.latest_assignment_of_case(session, case_id=case_id)
    if offer is None and assignment is None:
        return None
    if assignment is not None and assignment.status == repository.ACTIVE:
        state, holder = ASSIGNED, assignment.agent_id
    elif offer is not None and offer.status == repository.PENDING:
        state, holder = OFFERED, offer.agent_id
    else:
        state, holder = ENDED, None
    if offer is not None:
        case = RoutedCase.stored(offer.case)
    else:
        assert assignment is not None
        case = RoutedCase.of_row(assignment, correlation_id=None, tenant="default")
    if state != ENDED and offer is not None:
        return KnownCase(case, state, holder, Requirement(**offer.requirement), "offer")
    return KnownCase(case, state, holder, requirement_for(case, policy, markers=case.markers), "case")


async def _preview(
    session: AsyncSession,
    *,
    requirement: Requirement,
    explained: dict[str, Any],
    customer_id: str | None,
    preferred: tuple[str, ...],
    policy: RoutingPolicy,
    declined: set[str] | None = None,
    known: KnownCase | None = None,
    levels: dict[str, int] | None = None,
) -> Preview:
    agents = await repository.candidates(session, skill=requirement.skill, channel=requirement.channel)
    previous = await repository.previous_agent(session, customer_id=customer_id) if customer_id else None
    evaluation = evaluate(
        agents,
        requirement,
        declined=declined or (),
        strategy=policy.strategy,
        previous_agent=previous,
        preferred=preferred,
        holder=known.holder if known is not None else None,
        at=datetime.now(UTC),
    )
    winner = evaluation.ranked[0] if evaluation.ranked else None
    views = {agent.id: agent for agent in agents}
    candidates = [
        {**entry, "summary": candidate_summary(entry, requirement=explained, agent=views.get(entry["agent_id"]))}
        for entry in candidates_of(evaluation, chosen=winner.id if winner else None, lost=[])
    ]
    outcome = "queued" if winner is None else "assigned" if winner.auto_accept else "offered"
    others = await repository.count_agents(session) - len(agents)
    summary = dry_run_summary(
        state=known.state if known is not None else None,
        holder=known.holder if known is not None else None,
        reserved_for=known.reserved_for if known is not None else None,
        reserved_until=known.reserved_until if known is not None else None,
        outcome=outcome,
        agent_id=winner.id if winner else None,
        requirement=explained,
        candidates=candidates,
        others_without_skill=others,
    )
    return Preview(
        requirement=explained,
        candidates=candidates,
        ranked=[agent.id for agent in evaluation.ranked],
        winner=winner,
        outcome=outcome,
        summary=summary,
        known=known,
        others_without_skill=others,
        levels=levels or {},
    )
