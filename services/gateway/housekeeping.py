"""Forgets idempotency keys once their retention has passed, so the table stays as small as the window it serves."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.gateway import repository

log = logging.getLogger(__name__)


class KeySweeper:
    def __init__(
        self, *, sessions: async_sessionmaker[AsyncSession], retention: timedelta, interval_seconds: float = 600
    ) -> None:
        self._sessions = sessions
        self._retention = retention
        self._interval = interval_seconds
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run_forever(), name="idempotency-key-sweeper")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def sweep(self, *, now: datetime) -> int:
        """Delete the keys older than the retention at `now`; returns how many."""
        async with self._sessions() as session, session.begin():
            return await repository.forget_idempotency_keys(session, created_before=now - self._retention)

    async def _run_forever(self) -> None:
        while True:
            try:
                forgotten = await self.sweep(now=datetime.now(UTC))
                if forgotten:
                    log.info("forgot %d expired idempotency keys", forgotten)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("idempotency key sweep failed; will retry")
            await asyncio.sleep(self._interval)
