"""What became of an SMS a case asked for, told back to the case (outbound.delivery_reported.v1, keyed by case id)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ingest_sms.models import SentMessage, outbox
from ingest_sms.normalize import PROVIDER
from ingest_sms.settings import SERVICE_NAME
from shared import topics
from shared.cloudevents import new_event
from shared.events import Channel, DeliveryStatus, OutboundDeliveryReported
from shared.outbox import enqueue


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
    message.status = status.value
    message.error = error
    message.updated_at = now
    report = OutboundDeliveryReported(
        outbound_id=message.outbound_id,
        case_id=message.case_id,
        channel=Channel.SMS,
        provider=PROVIDER,
        status=status,
        provider_message_id=message.sid,
        error=error,
        reported_at=now,
    )
    event = new_event(
        report, source=SERVICE_NAME, subject=message.case_id, correlation_id=correlation_id, tenant=tenant
    )
    await enqueue(session, outbox, topic=topics.COMPLAINTS_INBOUND, key=message.case_id, event=event)
