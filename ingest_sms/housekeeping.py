"""Forgets calls after a while: their numbers are only needed until the call's recording callbacks have come."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ingest_sms import repository
from shared.background import PeriodicTask

CALL_RETENTION = timedelta(days=2)


class CallSweeper(PeriodicTask):
    task_name = "call-sweeper"

    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], interval_seconds: float = 3600) -> None:
        super().__init__(interval=interval_seconds)
        self._sessions = sessions

    async def sweep(self, *, now: datetime) -> int:
        async with self._sessions() as session, session.begin():
            return await repository.forget_calls(session, seen_before=now - CALL_RETENTION)

    async def tick(self) -> None:
        await self.sweep(now=datetime.now(UTC))
