"""Queries on ingest_social's tables. Every function takes the caller's session; the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ingest_social.models import SocialMessage, WhatsAppWindow
from shared.ingest import spool


async def customer_wrote(session: AsyncSession, *, wa_number: str, at: datetime) -> None:
    """Move the customer's window on to `at` (an older message redelivered late moves nothing)."""
    window = await session.get(WhatsAppWindow, wa_number, populate_existing=True)
    if window is None:
        session.add(WhatsAppWindow(wa_number=wa_number, last_inbound_at=at))
    elif window.last_inbound_at < at:
        window.last_inbound_at = at
    await session.flush()


async def last_inbound(session: AsyncSession, *, wa_number: str) -> datetime | None:
    return await session.scalar(select(WhatsAppWindow.last_inbound_at).where(WhatsAppWindow.wa_number == wa_number))


async def sent_with_ids(session: AsyncSession, *, channel: str, ids: Sequence[str]) -> Sequence[SocialMessage]:
    if not ids:
        return ()
    query = select(SocialMessage).where(
        SocialMessage.channel == channel, SocialMessage.provider_message_id.in_(list(ids))
    )
    return (await session.scalars(query.with_for_update())).all()


async def sent_to_before(
    session: AsyncSession, *, channel: str, recipient: str, before: datetime
) -> Sequence[SocialMessage]:
    """Messages sent (not yet known delivered) to `recipient` up to a platform's watermark."""
    query = select(SocialMessage).where(
        SocialMessage.channel == channel,
        SocialMessage.recipient == recipient,
        SocialMessage.status == spool.SENT,
        SocialMessage.sent_at <= before,
    )
    return (await session.scalars(query.with_for_update())).all()
