"""Forgets Mailgun tokens once their timestamps are too old to pass the staleness check anyway."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ingest_email import repository
from ingest_email.verify import MAILGUN_MAX_AGE
from shared.background import PeriodicTask

TOKEN_RETENTION = MAILGUN_MAX_AGE * 2 + timedelta(hours=1)


class TokenSweeper(PeriodicTask):
    task_name = "mailgun-token-sweeper"

    def __init__(self, *, sessions: async_sessionmaker[AsyncSession], interval_seconds: float = 3600) -> None:
        super().__init__(interval=interval_seconds)
        self._sessions = sessions

    async def tick(self) -> None:
        async with self._sessions() as session, session.begin():
            await repository.forget_tokens(session, seen_before=datetime.now(UTC) - TOKEN_RETENTION)
