"""What became of a reply a case asked for, told back to the case (see shared.ingest.delivery): when it is sent or
refused, and when a platform's webhook later says it was delivered, read or failed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ingest_social import repository
from ingest_social.models import SocialMessage, outbox
from ingest_social.parsed import StatusUpdate
from ingest_social.settings import SERVICE_NAME
from shared.events import Channel, DeliveryStatus
from shared.ingest import spool
from shared.ingest.delivery import DeliveryReporter

SOCIAL_CHANNELS = frozenset(
    {Channel.MESSENGER, Channel.INSTAGRAM, Channel.WHATSAPP, Channel.TELEGRAM, Channel.ZALO, Channel.X}
)
PROVIDERS = {
    Channel.MESSENGER: "meta",
    Channel.INSTAGRAM: "meta",
    Channel.WHATSAPP: "meta",
    Channel.TELEGRAM: "telegram",
    Channel.ZALO: "zalo",
    Channel.X: "x",
}
# What a platform's news may move a message on from: it never goes back from delivered to sent.
_MOVES = {DeliveryStatus.DELIVERED: {spool.SENT}, DeliveryStatus.FAILED: {spool.SENT, spool.DELIVERED}}


def provider_of(channel: Channel) -> str:
    return PROVIDERS[channel]


def reporter(tenant: str) -> DeliveryReporter:
    return DeliveryReporter(outbox=outbox, source=SERVICE_NAME, tenant=tenant)


class DeliveryNews:
    """A platform's webhook news about replies we sent, reported to their cases."""

    def __init__(self, tenant: str) -> None:
        self._reporter = reporter(tenant)

    async def record(
        self,
        session: AsyncSession,
        message: SocialMessage,
        *,
        status: DeliveryStatus,
        now: datetime,
        error: str | None = None,
    ) -> None:
        channel = Channel(message.channel)
        await self._reporter.record(
            session,
            message,
            status=status,
            channel=channel,
            provider=provider_of(channel),
            now=now,
            error=error,
            provider_message_id=message.provider_message_id,
        )

    async def apply(self, session: AsyncSession, update: StatusUpdate, *, now: datetime) -> int:
        """Record a platform's news on the messages it names; returns how many changed (others are not ours)."""
        channel = update.channel.value
        messages = list(await repository.sent_with_ids(session, channel=channel, ids=update.provider_message_ids))
        if update.watermark is not None and update.recipient is not None:
            messages += await repository.sent_to_before(
                session, channel=channel, recipient=update.recipient, before=update.watermark
            )
        changed = 0
        for message in {m.outbound_id: m for m in messages}.values():
            if message.status in _MOVES[update.status]:
                await self.record(session, message, status=update.status, now=now, error=update.error)
                changed += 1
        return changed
