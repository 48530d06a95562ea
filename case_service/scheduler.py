"""The case timers: SLA targets at risk or breached, and follow-ups coming due, announced on time even when no message
arrives. Several instances may run against one database: each notification is claimed by a conditional UPDATE
(`WHERE <still unclaimed>`), and only the instance whose update changed the row announces it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sqlalchemy import CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import InstrumentedAttribute

from case_service import clocks, csat, live, timeline
from case_service.emit import emit
from case_service.models import Case, FollowUp, SlaClock
from case_service.policy import CasePolicy
from case_service.settings import CaseServiceSettings
from case_service.transitions import SCHEDULED
from shared.background import PeriodicTask
from shared.events import CaseSlaAtRisk, CaseSlaBreached, SlaTarget

log = logging.getLogger(__name__)

BATCH = 100  # rows per transaction: short enough not to hold SQLite's single writer for long


@dataclass(frozen=True)
class _SlaSignal:
    """One of the two SLA notifications: when it is due and which column records that it was sent."""

    kind: str  # the timeline entry
    when: InstrumentedAttribute[datetime | None]
    notified: InstrumentedAttribute[datetime | None]
    event: type[CaseSlaAtRisk] | type[CaseSlaBreached]


AT_RISK = _SlaSignal("sla_at_risk", SlaClock.at_risk_at, SlaClock.at_risk_notified_at, CaseSlaAtRisk)
BREACHED = _SlaSignal("sla_breached", SlaClock.due_at, SlaClock.breached_notified_at, CaseSlaBreached)


class Scheduler(PeriodicTask):
    """Every `settings.scheduler_interval_seconds`, announces what came due: SLA at risk and breached, follow-ups."""

    task_name = "case-scheduler"

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        policy: CasePolicy,
        settings: CaseServiceSettings,
        wake: Callable[[], None],
    ) -> None:
        super().__init__(interval=settings.scheduler_interval_seconds)
        self._sessions = sessions
        self._policy = policy
        self._tenant = settings.tenant
        self._wake = wake

    async def tick(self) -> None:
        await self.run_due()

    async def run_due(self, *, now: datetime | None = None) -> int:
        """Announce everything due by `now` (default: the current time), batch after batch; how many were announced."""
        now = now or datetime.now(UTC)
        announced = 0
        for signal in (AT_RISK, BREACHED):
            announced += await self._drain(partial(self._sla_batch, signal=signal, now=now))
        announced += await self._drain(partial(self._follow_up_batch, now=now))
        return announced

    async def _drain(self, batch: Callable[[AsyncSession, set[str]], Awaitable[tuple[int, int]]]) -> int:
        """Run `batch` in one transaction after another until it finds less than a full batch. `passed` collects the
        cases a batch could not handle (held by another transaction, or failing): not tried again in this run."""
        passed: set[str] = set()
        announced = 0
        while True:
            async with self._sessions() as session:
                async with session.begin():
                    found, emitted = await batch(session, passed)
                if emitted:
                    self._wake()
            announced += emitted
            if found < BATCH:
                return announced

    async def _sla_batch(
        self, session: AsyncSession, passed: set[str], *, signal: _SlaSignal, now: datetime
    ) -> tuple[int, int]:
        """(clocks found due, notifications sent) for one batch of running, unmet clocks whose `signal` is due."""
        unclaimed = (
            signal.when <= now,
            SlaClock.met_at.is_(None),
            SlaClock.running_since.is_not(None),
            signal.notified.is_(None),
        )
        query = select(SlaClock.case_id, SlaClock.target).where(*unclaimed).order_by(signal.when, SlaClock.case_id)
        if passed:
            query = query.where(SlaClock.case_id.not_in(passed))
        due: Sequence[Any] = (await session.execute(query.limit(BATCH))).all()
        emitted = 0
        for case_id, target in due:
            case = await self._lock_case(session, case_id, passed)
            if case is None:
                continue
            try:
                async with session.begin_nested():
                    claim = (
                        update(SlaClock)
                        .where(SlaClock.case_id == case_id, SlaClock.target == target, *unclaimed)
                        .values({signal.notified: now})
                    )
                    if not await _claimed(session, claim):
                        continue  # another instance announced it, or the clock moved meanwhile
                    await self._announce_sla(session, signal, case=case, target=SlaTarget(target), now=now)
                    emitted += 1
            except Exception:
                log.exception("case %s: %s could not be announced; trying again next time", case_id, signal.kind)
                passed.add(case_id)
        return len(due), emitted

    async def _announce_sla(
        self, session: AsyncSession, signal: _SlaSignal, *, case: Case, target: SlaTarget, now: datetime
    ) -> None:
        rows = await clocks.clocks_of(session, case_id=case.id)
        due_at = rows[target].due_at or now
        await emit(
            session,
            signal.event(case_id=case.id, target=target, due_at=due_at, at=now),
            case_id=case.id,
            tenant=self._tenant,
        )
        timeline.record(
            session,
            case_id=case.id,
            kind=signal.kind,
            actor=timeline.SYSTEM,
            at=now,
            detail={"target": target.value, "due_at": due_at.isoformat()},
        )
        clocks.refresh_status(case, rows.values(), policy=self._policy, now=now)
        live.sla_signal(session, case=case, breached=signal is BREACHED, clock=target.value, due_at=due_at)
        log.info("case %s: %s SLA %s", case.id, target.value, signal.kind.removeprefix("sla_"))

    async def _follow_up_batch(self, session: AsyncSession, passed: set[str], *, now: datetime) -> tuple[int, int]:
        """(follow-ups found due, made due) for one batch of scheduled check-backs whose time has come."""
        unclaimed = (FollowUp.state == SCHEDULED, FollowUp.due_at <= now)
        query = select(FollowUp.id, FollowUp.case_id).where(*unclaimed).order_by(FollowUp.due_at, FollowUp.id)
        if passed:
            query = query.where(FollowUp.case_id.not_in(passed))
        due: Sequence[Any] = (await session.execute(query.limit(BATCH))).all()
        emitted = 0
        for follow_up_id, case_id in due:
            case = await self._lock_case(session, case_id, passed)
            if case is None:
                continue
            try:
                async with session.begin_nested():
                    agent_id = case.assignee_agent_id
                    claim = (
                        update(FollowUp)
                        .where(FollowUp.id == follow_up_id, *unclaimed)
                        .values(state=csat.DUE, fired_at=now, **({"agent_id": agent_id} if agent_id else {}))
                    )
                    if not await _claimed(session, claim):
                        continue  # another instance made it due, or the case reopened meanwhile
                    await self._follow_up_due(session, case=case, follow_up_id=follow_up_id, now=now)
                    emitted += 1
            except Exception:
                log.exception(
                    "case %s: follow-up %s could not be made due; trying again next time", case_id, follow_up_id
                )
                passed.add(case_id)
        return len(due), emitted

    async def _follow_up_due(self, session: AsyncSession, *, case: Case, follow_up_id: str, now: datetime) -> None:
        """The agent's task is announced (the case's assignee now: the case may have moved since it was resolved),
        and the customer is sent the satisfaction survey."""
        follow_up = await session.get(FollowUp, follow_up_id, populate_existing=True)
        assert follow_up is not None  # just claimed in this transaction
        await csat.announce_due(session, case=case, follow_up=follow_up, now=now, cause=None, tenant=self._tenant)
        await csat.send_survey(
            session, case=case, follow_up=follow_up, now=now, policy=self._policy, tenant=self._tenant
        )
        log.info("case %s: follow-up %s due", case.id, follow_up.id)

    async def _lock_case(self, session: AsyncSession, case_id: str, passed: set[str]) -> Case | None:
        """The case, locked before its clocks or follow-ups change (the order every writer of a case follows). A case
        another transaction holds right now is left for a later run (PostgreSQL; SQLite has one writer anyway)."""
        case = await session.get(Case, case_id, with_for_update={"skip_locked": True}, populate_existing=True)
        if case is None:
            passed.add(case_id)
        return case


async def _claimed(session: AsyncSession, claim: Any) -> bool:
    """Run a conditional UPDATE of one row: whether this transaction is the one that changed it."""
    result = await session.execute(claim.execution_options(synchronize_session=False))
    assert isinstance(result, CursorResult)
    return result.rowcount == 1
