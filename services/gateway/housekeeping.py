"""Forgets idempotency keys once their retention has passed, so the table stays as small as the window it serves."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.gateway import repository
from shared.background import PeriodicTask

log = logging.getLogger(__name__)


class KeySweeper(PeriodicTask):
    task_name = "idempotency-key-sweeper"

    def __init__(
        self, *, sessions: async_sessionmaker[AsyncSession], retention: timedelta, interval_seconds: float = 600
    ) -> None:
        super().__init__(interval=interval_seconds)
        self._sessions = sessions
        self._retention = retention

    async def sweep(self, *, now: datetime) -> int:
        """Delete the keys older than the retention at `now`; returns how many."""
        async with self._sessions() as session, session.begin():
            return await repository.forget_idempotency_keys(session, created_before=now - self._retention)

    async def tick(self) -> None:
        forgotten = await self.sweep(now=datetime.now(UTC))
        if forgotten:
            log.info("forgot %d expired idempotency keys", forgotten)
