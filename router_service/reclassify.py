"""A reclassified case (case.reclassified.v1): while it waits in the queue, it needs the skill of its new category and
the level of its new priority, and is routed again if someone can now take it. An offered or assigned case keeps
its agent."""

from __future__ import annotations

import logging
from dataclasses import asdict, replace
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from router_service import repository
from router_service.domain import (
    DEFAULT_POLICY,
    MAX_LEVEL,
    MIN_LEVEL,
    RoutingPolicy,
    priority_rank,
    requirement_for,
)
from router_service.handlers import RoutedCase, record
from router_service.models import WaitingCase
from router_service.relaxation import route_waiting
from shared.cloudevents import CloudEvent
from shared.events import CaseReclassified

log = logging.getLogger(__name__)

RECLASSIFIED = "reclassified"


async def on_case_reclassified(
    session: AsyncSession, event: CloudEvent, data: CaseReclassified, *, policy: RoutingPolicy = DEFAULT_POLICY
) -> None:
    waiting = await repository.get_waiting(session, case_id=data.case_id)
    if waiting is None:
        log.info("case %s reclassified, but it is not waiting; its routing stays", data.case_id)
        return
    before = {
        "category": waiting.category,
        "priority": waiting.priority,
        "skill": waiting.required_skill,
        "min_level": waiting.required_level,
    }
    level = _level_after(waiting, data, policy)
    case = replace(RoutedCase.waiting(waiting), category=data.category, priority=data.priority.value)
    requirement = replace(requirement_for(case, policy), min_level=level)
    waiting.category, waiting.priority, waiting.priority_rank = (
        case.category,
        case.priority,
        priority_rank(case.priority),
    )
    waiting.required_skill, waiting.required_level = requirement.skill, requirement.min_level
    explained = {**asdict(requirement), "priority": case.priority, "reclassified_from": before, "by": data.by}
    now = datetime.now(UTC)
    record(session, data.case_id, explained, [], trigger=RECLASSIFIED, agent_id=None, outcome="queued", at=now)
    await session.flush()
    log.info("waiting case %s now needs %s at level %d", data.case_id, requirement.skill, requirement.min_level)
    await route_waiting(session, waiting, requirement, trigger=RECLASSIFIED, policy=policy)


def _level_after(waiting: WaitingCase, data: CaseReclassified, policy: RoutingPolicy) -> int:
    """The minimum level under the new priority. A level above what the old priority called for came from the case's
    markers (an angry customer) and still holds; one lowered by relaxation starts again from the new priority's."""
    if data.priority == data.previous_priority:
        return waiting.required_level
    old = policy.min_level_for_priority.get(data.previous_priority.value, MIN_LEVEL)
    new = policy.min_level_for_priority.get(data.priority.value, MIN_LEVEL)
    from_markers = waiting.required_level if waiting.required_level > old else MIN_LEVEL
    return min(max(new, from_markers), MAX_LEVEL)
