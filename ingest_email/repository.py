"""Queries on ingest_email's tables. Every function takes the caller's session; the caller owns the transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from ingest_email.models import MailgunToken, SentEmail
from shared.ingest import spool

# Longer than any one post takes to be stored (the write deadline is seconds), shorter than Mailgun's first
# retry (10 minutes later): a claim whose post stored nothing and could not even release it lapses in between.
TOKEN_CLAIM_LEASE = timedelta(minutes=5)


async def sent_email(session: AsyncSession, *, outbound_id: str) -> SentEmail | None:
    return await spool.spooled(session, SentEmail, outbound_id=outbound_id)


async def claim_token(session: AsyncSession, *, token: str, at: datetime) -> bool:
    """Whether this post may be taken under `token`: one statement, so of concurrent posts exactly one claims it.

    A token never seen is claimed; so is one whose claim stored nothing and is older than TOKEN_CLAIM_LEASE (the
    post it came with failed without releasing it). A token stored, or claimed by a post still in flight, is not.
    """
    table = MailgunToken.__table__
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(token=token, seen_at=at, stored_at=None)
        .on_conflict_do_update(
            index_elements=[table.c.token],
            set_={"seen_at": at},
            where=table.c.stored_at.is_(None) & (table.c.seen_at < at - TOKEN_CLAIM_LEASE),
        )
        .returning(table.c.token)
    )
    return (await session.execute(statement)).first() is not None


async def token_stored(session: AsyncSession, *, token: str, claimed_at: datetime, at: datetime) -> None:
    """The post that claimed `token` at `claimed_at` is durable: the token is spent for good."""
    await session.execute(
        update(MailgunToken).where(MailgunToken.token == token, MailgunToken.seen_at == claimed_at).values(stored_at=at)
    )


async def release_token(session: AsyncSession, *, token: str, claimed_at: datetime) -> None:
    """The post that claimed `token` at `claimed_at` stored nothing: its retry may claim the token again."""
    await session.execute(
        delete(MailgunToken).where(
            MailgunToken.token == token, MailgunToken.seen_at == claimed_at, MailgunToken.stored_at.is_(None)
        )
    )


async def forget_tokens(session: AsyncSession, *, seen_before: datetime) -> int:
    result = await session.execute(delete(MailgunToken).where(MailgunToken.seen_at < seen_before))
    return int(getattr(result, "rowcount", 0) or 0)
