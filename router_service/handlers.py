"""Routing: give an opened case to the best eligible agent or queue it, and drain the queue to an agent."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from router_service import repository
from router_service.broadcast import notify
from router_service.domain import (
    DEFAULT_POLICY,
    AgentView,
    Evaluation,
    Presence,
    Requirement,
    RoutingPolicy,
    Score,
    evaluate,
    exclusion_reasons,
    normalize_name,
    priority_rank,
    requirement_for,
    score,
    worth_waiting_for,
)
from router_service.models import Assignment, Offer, RoutingDecision, WaitingCase, outbox
from shared import topics
from shared.cloudevents import CloudEvent, new_event
from shared.events import CaseAssigned, CaseOffered, CaseOpened, CaseReopened
from shared.outbox import enqueue

log = logging.getLogger(__name__)

SOURCE = "router_service"
CLAIM_LOST = "lost its last capacity to a concurrent assignment"


SUMMARY_FIELDS = (
    "case_id",
    "case_reference",
    "customer_id",
    "channel",
    "category",
    "priority",
    "language",
    "subject",
    "markers",
    "preferred_skills",
)


@dataclass(frozen=True)
class RoutedCase:
    """What routing keeps of a case, whether it comes straight from CaseOpened or out of the queue."""

    case_id: str
    case_reference: str
    customer_id: str
    channel: str
    category: str
    priority: str
    language: str | None
    subject: str | None
    correlation_id: str | None
    tenant: str
    # Kept wherever the case is (queue, offer, assignment): markers raised its level, preferred skills rank agents.
    preferred_skills: tuple[str, ...] = ()
    markers: tuple[str, ...] = ()

    @classmethod
    def opened(cls, event: CloudEvent, data: CaseOpened) -> RoutedCase:
        return cls.announced(event, data, subject=data.subject, preferred_skills=_names(data.preferred_skills))

    @classmethod
    def announced(
        cls,
        event: CloudEvent,
        data: CaseOpened | CaseReopened,
        *,
        subject: str | None,
        preferred_skills: tuple[str, ...] = (),
    ) -> RoutedCase:
        """The case as an event that gets it routed (opened or reopened) tells it."""
        return cls(
            case_id=data.case_id,
            case_reference=data.case_reference,
            customer_id=data.customer_id,
            channel=data.channel.value,
            category=data.category,
            priority=data.priority.value,
            language=data.language,
            subject=subject,
            correlation_id=event.correlationid or event.id,
            tenant=event.tenant,
            preferred_skills=preferred_skills,
            markers=_names(data.markers),
        )

    @classmethod
    def stored(cls, data: dict[str, Any]) -> RoutedCase:
        """The case as an offer keeps it (offers made before markers were kept have none)."""
        lists = {name: tuple(data.get(name) or ()) for name in ("preferred_skills", "markers")}
        return cls(**{**data, **lists})

    @classmethod
    def of_row(cls, row: WaitingCase | Assignment, *, correlation_id: str | None, tenant: str) -> RoutedCase:
        """The case as a queue entry or an assignment row keeps it (both store the same summary columns)."""
        summary = {name: getattr(row, name) for name in SUMMARY_FIELDS}
        lists = {name: tuple(summary[name] or ()) for name in ("preferred_skills", "markers")}
        return cls(**{**summary, **lists}, correlation_id=correlation_id, tenant=tenant)

    @classmethod
    def waiting(cls, row: WaitingCase) -> RoutedCase:
        return cls.of_row(row, correlation_id=row.correlation_id, tenant=row.tenant)

    def summary(self) -> dict[str, Any]:
        """The columns a queue entry or an assignment stores of the case."""
        row = {name: getattr(self, name) for name in SUMMARY_FIELDS}
        return {**row, "markers": list(self.markers), "preferred_skills": list(self.preferred_skills)}


def _names(names: Iterable[str]) -> tuple[str, ...]:
    """Markers and skills as routing compares them: normalized, each once, empty ones left out."""
    return tuple(dict.fromkeys(normalize_name(name) for name in names if name.strip()))


async def on_case_opened(
    session: AsyncSession,
    event: CloudEvent,
    data: CaseOpened,
    *,
    policy: RoutingPolicy = DEFAULT_POLICY,
) -> None:
    """Offer (or, to an auto-accepting agent, assign) the case to the best eligible agent with capacity, or queue it."""
    if await repository.case_is_known(session, case_id=data.case_id):
        log.info("case %s was already routed; the repeated case.opened changes nothing", data.case_id)
        return
    case = RoutedCase.opened(event, data)
    requirement = requirement_for(data, policy, markers=data.markers)
    await route_case(
        session, case=case, requirement=requirement, trigger="case_opened", policy=policy, may_reserve=True
    )


async def route_case(
    session: AsyncSession,
    *,
    case: RoutedCase,
    requirement: Requirement,
    trigger: str,
    policy: RoutingPolicy,
    declined: Collection[str] = (),
    waiting_since: datetime | None = None,
    may_reserve: bool = False,
) -> str | None:
    """Give the case to the best eligible agent, never one in `declined`, or queue it (keeping its place when it
    was `waiting_since`); the agent id, or None. With `may_reserve`, a case whose customer's previous agent is only
    busy or full is held for them (`policy.continuity_wait`) instead."""
    # Only agents having the skill are considered (and explained): with thousands of agents, listing every one
    # that lacks it would make each decision slow and its record huge.
    agents = await repository.candidates(session, skill=requirement.skill, channel=requirement.channel)
    previous = await repository.previous_agent(session, customer_id=case.customer_id)
    evaluation = evaluate(
        agents,
        requirement,
        declined=declined,
        strategy=policy.strategy,
        previous_agent=previous,
        preferred=case.preferred_skills,
    )
    explained = _explained(requirement, case)
    now = datetime.now(UTC)
    held_for = _held_for(agents, evaluation, requirement, previous, declined, policy) if may_reserve else None
    if held_for is not None:
        row = _waiting(case, requirement, at=waiting_since or now)
        row.reserved_for, row.reserved_until = held_for, now + policy.continuity_wait
        session.add(row)
        candidates = candidates_of(evaluation, chosen=None, lost=[])
        reserved = {**(explained if isinstance(explained, dict) else asdict(explained))}
        reserved["reserved_until"] = row.reserved_until.isoformat()
        record(
            session, case.case_id, reserved, candidates, trigger=trigger, agent_id=held_for, outcome="reserved", at=now
        )
        log.info(
            "case %s held for %s, the customer's previous agent, until %s", case.case_id, held_for, row.reserved_until
        )
        return None
    lost: list[str] = []
    for agent in evaluation.ranked:
        # Ranking read a snapshot; the claim re-checks presence and capacity on the rows themselves.
        if await repository.claim_capacity(session, agent_id=agent.id, channel=requirement.channel, at=now):
            outcome = await give(session, case=case, requirement=requirement, agent=agent, at=now, policy=policy)
            candidates = candidates_of(evaluation, chosen=agent.id, lost=lost)
            record(
                session,
                case.case_id,
                explained,
                candidates,
                trigger=trigger,
                agent_id=agent.id,
                outcome=outcome,
                at=now,
            )
            return agent.id
        lost.append(agent.id)
    session.add(_waiting(case, requirement, at=waiting_since or now))
    candidates = candidates_of(evaluation, chosen=None, lost=lost)
    record(session, case.case_id, explained, candidates, trigger=trigger, agent_id=None, outcome="queued", at=now)
    log.info("case %s queued: no eligible agent with capacity", case.case_id)
    return None


def _explained(requirement: Requirement, case: RoutedCase) -> Requirement | dict[str, Any]:
    """The requirement as recorded: with the preferred skills that ranked the agents and the markers that may have
    raised the level, when the case has any."""
    if not case.preferred_skills and not case.markers:
        return requirement
    explained = asdict(requirement)
    if case.preferred_skills:
        explained["preferred_skills"] = list(case.preferred_skills)
    if case.markers:
        explained["markers"] = list(case.markers)
    return explained


def _held_for(
    agents: list[AgentView],
    evaluation: Evaluation,
    requirement: Requirement,
    previous: str | None,
    declined: Collection[str],
    policy: RoutingPolicy,
) -> str | None:
    """The customer's previous agent, when the case should wait for them: not eligible now only for being busy or
    full, and holding is on."""
    if previous is None or policy.continuity_wait <= timedelta(0) or previous in {a.id for a in evaluation.ranked}:
        return None
    agent = next((a for a in agents if a.id == previous), None)
    if agent is None or not worth_waiting_for(agent, requirement, declined=declined):
        return None
    return previous


async def drain_queue_for(session: AsyncSession, *, agent_id: str, policy: RoutingPolicy = DEFAULT_POLICY) -> list[str]:
    """Offer or assign waiting cases (priority, then age) to the agent while it can take them; returns the case ids."""
    row = await repository.get_agent(session, agent_id=agent_id, for_update=True)
    if row is None:
        return []
    agent = row.view()
    given: list[str] = []
    if agent.presence != Presence.AVAILABLE or agent.active_cases >= agent.capacity:
        return given
    queue = await repository.waiting_in_order(session, skills=agent.skills.keys(), channels=agent.channels)
    refused = await repository.cases_refused(session, agent_id=agent_id, case_ids=[w.case_id for w in queue])
    for waiting in queue:
        if agent.active_cases >= agent.capacity:
            break
        requirement = Requirement(
            skill=waiting.required_skill,
            min_level=waiting.required_level,
            language=waiting.required_language,
            channel=waiting.channel,
        )
        if waiting.case_id in refused or exclusion_reasons(agent, requirement):
            continue
        if waiting.reserved_for not in (None, agent_id) and (
            waiting.reserved_until is None or waiting.reserved_until > datetime.now(UTC)
        ):
            continue  # held a while longer for the customer's previous agent
        if not await repository.take_waiting(session, case_id=waiting.case_id):
            continue  # another router assigned it meanwhile
        now = datetime.now(UTC)
        agent_score = score(agent, requirement)
        if not await repository.claim_capacity(session, agent_id=agent_id, channel=waiting.channel, at=now):
            # Cannot happen while this transaction holds the agent's row; if it ever does, the case keeps its place.
            await repository.requeue(session, waiting=waiting)
            break
        case = RoutedCase.waiting(waiting)
        outcome = await give(session, case=case, requirement=requirement, agent=agent, at=now, policy=policy)
        candidates = [candidate_entry(agent_id, reasons=[], rank=1, agent_score=agent_score, chosen=True)]
        record(
            session,
            case.case_id,
            requirement,
            candidates,
            trigger="queue_drain",
            agent_id=agent_id,
            outcome=outcome,
            at=now,
        )
        agent = agent.holding_one_more(waiting.channel, at=now)
        given.append(case.case_id)
    if given:
        await session.refresh(row)  # the claims bypassed the ORM; the caller may still show this agent
    return given


async def give(
    session: AsyncSession,
    *,
    case: RoutedCase,
    requirement: Requirement,
    agent: AgentView,
    at: datetime,
    policy: RoutingPolicy,
) -> str:
    """After the capacity claim: an offer the agent must answer, or (auto-accept) the assignment itself."""
    offer = Offer(
        id=str(uuid.uuid4()),
        case_id=case.case_id,
        agent_id=agent.id,
        status=repository.ACCEPTED if agent.auto_accept else repository.PENDING,
        created_at=at,
        expires_at=at + policy.offer_timeout,
        decided_at=at if agent.auto_accept else None,
        reason="auto_accept" if agent.auto_accept else None,
        channel=requirement.channel,
        case=asdict(case),
        requirement=asdict(requirement),
    )
    session.add(offer)
    await session.flush()  # the unique live offer per case refuses a second one before anything is announced
    if agent.auto_accept:
        await assign(session, case=case, agent_id=agent.id, at=at)
        return "assigned"
    event = new_event(
        CaseOffered(
            case_id=case.case_id, offer_id=offer.id, agent_id=agent.id, offered_at=at, expires_at=offer.expires_at
        ),
        source=SOURCE,
        subject=case.case_id,
        correlation_id=case.correlation_id,
        tenant=case.tenant,
    )
    await enqueue(session, outbox, topic=topics.ROUTING_EVENTS, key=case.case_id, event=event)
    notify(
        session,
        agent.id,
        "offer",
        {"offer_id": offer.id, "case_id": case.case_id, "expires_at": offer.expires_at.isoformat()},
    )
    log.info("case %s offered (offer %s)", case.case_id, offer.id)
    return "offered"


async def assign(session: AsyncSession, *, case: RoutedCase, agent_id: str, at: datetime) -> str:
    """Record the assignment and announce it, after the capacity claim succeeded in this transaction."""
    assignment = Assignment(
        id=str(uuid.uuid4()),
        agent_id=agent_id,
        **case.summary(),
        assigned_at=at,
        status=repository.ACTIVE,
    )
    session.add(assignment)
    await session.flush()  # the UNIQUE case_id refuses a second assignment before anything is announced
    event = new_event(
        CaseAssigned(case_id=case.case_id, agent_id=agent_id, assigned_at=at, assignment_id=assignment.id),
        source=SOURCE,
        subject=case.case_id,
        correlation_id=case.correlation_id,
        tenant=case.tenant,
    )
    await enqueue(session, outbox, topic=topics.ROUTING_EVENTS, key=case.case_id, event=event)
    notify(session, agent_id, "assignment", {"assignment_id": assignment.id, "case_id": case.case_id})
    log.info("case %s assigned (assignment %s)", case.case_id, assignment.id)
    return assignment.id


def _waiting(case: RoutedCase, requirement: Requirement, *, at: datetime) -> WaitingCase:
    return WaitingCase(
        **case.summary(),
        required_skill=requirement.skill,
        required_level=requirement.min_level,
        required_language=requirement.language,
        priority_rank=priority_rank(case.priority),
        enqueued_at=at,
        correlation_id=case.correlation_id,
        tenant=case.tenant,
    )


def record(
    session: AsyncSession,
    case_id: str,
    requirement: Requirement | dict[str, Any],
    candidates: list[dict[str, Any]],
    *,
    trigger: str,
    agent_id: str | None,
    outcome: str,
    at: datetime,
) -> None:
    """Add a decision to the case's log: a routing choice, or what became of an offer."""
    session.add(
        RoutingDecision(
            case_id=case_id,
            decided_at=at,
            trigger=trigger,
            requirement=requirement if isinstance(requirement, dict) else asdict(requirement),
            candidates=candidates,
            agent_id=agent_id,
            outcome=outcome,
        )
    )


def candidates_of(evaluation: Evaluation, *, chosen: str | None, lost: list[str]) -> list[dict[str, Any]]:
    """Eligible agents in rank order, then the excluded ones, each with its reasons or score."""
    positions = {agent.id: n for n, agent in enumerate(evaluation.ranked, start=1)}
    eligible = sorted((c for c in evaluation.candidates if c.score is not None), key=lambda c: positions[c.agent_id])
    excluded = [c for c in evaluation.candidates if c.score is None]
    return [
        candidate_entry(
            c.agent_id,
            reasons=[CLAIM_LOST] if c.agent_id in lost else list(c.reasons),
            rank=positions.get(c.agent_id),
            agent_score=c.score,
            chosen=c.agent_id == chosen,
        )
        for c in [*eligible, *excluded]
    ]


def candidate_entry(
    agent_id: str, *, reasons: list[str], rank: int | None, agent_score: Score | None, chosen: bool
) -> dict[str, Any]:
    scored = None
    if agent_score is not None:
        last = agent_score.last_assignment_at
        scored = {
            "over_qualification": agent_score.over_qualification,
            "occupancy": round(float(agent_score.occupancy), 4),
            "last_assignment_at": last.isoformat() if last is not None else None,
            "continuity": agent_score.continuity,
            "preferred_skills": agent_score.preferred_skills,
        }
    return {"agent_id": agent_id, "reasons": reasons, "rank": rank, "score": scored, "chosen": chosen}
