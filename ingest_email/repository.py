"""Queries on ingest_email's tables. Every function takes the caller's session; the caller owns the transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ingest_email.models import MailgunToken, SentEmail
from shared.ingest import spool


async def sent_email(session: AsyncSession, *, outbound_id: str) -> SentEmail | None:
    return await spool.spooled(session, SentEmail, outbound_id=outbound_id)


async def token_seen(session: AsyncSession, *, token: str) -> bool:
    found = await session.scalar(select(MailgunToken.token).where(MailgunToken.token == token))
    return found is not None


async def remember_token(session: AsyncSession, *, token: str, at: datetime) -> None:
    session.add(MailgunToken(token=token, seen_at=at))
    await session.flush()


async def forget_tokens(session: AsyncSession, *, seen_before: datetime) -> int:
    result = await session.execute(delete(MailgunToken).where(MailgunToken.seen_at < seen_before))
    return int(getattr(result, "rowcount", 0) or 0)
