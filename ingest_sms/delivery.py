"""What became of an SMS a case asked for, told back to the case (see shared.ingest.delivery)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ingest_sms.models import SentMessage, outbox
from ingest_sms.normalize import PROVIDER
from ingest_sms.settings import SERVICE_NAME
from shared.events import Channel, DeliveryStatus
from shared.ingest.delivery import DeliveryReporter


def reporter(tenant: str) -> DeliveryReporter:
    return DeliveryReporter(outbox=outbox, source=SERVICE_NAME, tenant=tenant)


async def record_outcome(
    session: AsyncSession,
    message: SentMessage,
    *,
    status: DeliveryStatus,
    now: datetime,
    tenant: str,
    error: str | None = None,
    correlation_id: str | None = None,
) -> None:
    """Set the message's status and enqueue the report, in the caller's transaction."""
    if correlation_id is not None:
        message.correlation_id = message.correlation_id or correlation_id
    await reporter(tenant).record(
        session,
        message,
        status=status,
        channel=Channel.SMS,
        provider=PROVIDER,
        now=now,
        error=error,
        provider_message_id=message.sid,
    )
