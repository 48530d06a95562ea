"""Queries on ingest_sms's tables. Every function takes the caller's session; the caller owns the transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ingest_sms.models import Call, PhoneConsent, SentMessage


async def set_consent(session: AsyncSession, *, number: str, opted_out: bool, keyword: str, at: datetime) -> None:
    consent = await session.get(PhoneConsent, number, populate_existing=True)
    if consent is None:
        session.add(PhoneConsent(number=number, opted_out=opted_out, keyword=keyword, changed_at=at))
    else:
        consent.opted_out, consent.keyword, consent.changed_at = opted_out, keyword, at
    await session.flush()


async def is_opted_out(session: AsyncSession, *, number: str) -> bool:
    found = await session.scalar(select(PhoneConsent.opted_out).where(PhoneConsent.number == number))
    return bool(found)


async def remember_call(
    session: AsyncSession,
    *,
    call_sid: str,
    from_number: str,
    to_number: str | None,
    direction: str | None,
    at: datetime,
) -> None:
    call = await session.get(Call, call_sid, populate_existing=True)
    if call is None:
        session.add(
            Call(call_sid=call_sid, from_number=from_number, to_number=to_number, direction=direction, seen_at=at)
        )
    else:
        call.seen_at = at
    await session.flush()


async def find_call(session: AsyncSession, *, call_sid: str) -> Call | None:
    return await session.get(Call, call_sid, populate_existing=True)


async def forget_calls(session: AsyncSession, *, seen_before: datetime) -> int:
    result = await session.execute(delete(Call).where(Call.seen_at < seen_before))
    return int(getattr(result, "rowcount", 0) or 0)


async def sent_message_by_sid(session: AsyncSession, *, sid: str) -> SentMessage | None:
    found = await session.scalars(select(SentMessage).where(SentMessage.sid == sid).with_for_update())
    return found.first()
