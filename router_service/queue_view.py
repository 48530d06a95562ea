"""The waiting queue as clients see it: positions, waits, estimated waits from recent throughput, depth per skill."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from sqlalchemy.ext.asyncio import AsyncSession

from router_service import repository
from router_service.domain import estimated_wait_s
from router_service.models import WaitingCase

THROUGHPUT_WINDOW: Final = timedelta(hours=1)


@dataclass(frozen=True)
class QueuedCase:
    position: int
    waiting: WaitingCase
    waiting_s: float
    estimated_wait_s: float | None


@dataclass(frozen=True)
class SkillDepth:
    skill: str
    waiting: int
    oldest_waiting_s: float
    estimated_wait_s: float | None


async def queued(session: AsyncSession, *, limit: int) -> list[QueuedCase]:
    """The queue in service order; each case's estimated wait is its place among cases needing the same skill
    divided by how many such cases left the queue in the last hour (None when none did)."""
    now = datetime.now(UTC)
    waiting = await repository.waiting_in_order(session, limit=limit)
    served = await repository.served_from_queue(session, since=now - THROUGHPUT_WINDOW)
    ahead: Counter[str] = Counter()
    result = []
    for position, row in enumerate(waiting, start=1):
        ahead[row.required_skill] += 1
        estimate = estimated_wait_s(ahead[row.required_skill], served.get(row.required_skill, 0), THROUGHPUT_WINDOW)
        result.append(QueuedCase(position, row, _since(row.enqueued_at, now), estimate))
    return result


async def depth(session: AsyncSession) -> list[SkillDepth]:
    """Waiting cases per required skill, deepest first."""
    now = datetime.now(UTC)
    served = await repository.served_from_queue(session, since=now - THROUGHPUT_WINDOW)
    rows = await repository.depth_by_skill(session)
    return sorted(
        (
            SkillDepth(
                skill=skill,
                waiting=count,
                oldest_waiting_s=_since(oldest, now),
                estimated_wait_s=estimated_wait_s(count, served.get(skill, 0), THROUGHPUT_WINDOW),
            )
            for skill, count, oldest in rows
        ),
        key=lambda d: (-d.waiting, d.skill),
    )


def _since(at: datetime, now: datetime) -> float:
    return round(max(0.0, (now - at).total_seconds()), 3)
