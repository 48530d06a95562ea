"""What became of a message a case asked for, told back to the case (outbound.delivery_reported.v1 on
complaints.inbound.v1, keyed by case id), in the caller's transaction together with the spool row's new status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from shared import topics
from shared.cloudevents import new_event
from shared.events import Channel, DeliveryStatus, OutboundDeliveryReported
from shared.ingest.spool import SpoolColumns
from shared.outbox import enqueue


@dataclass(frozen=True)
class DeliveryReporter:
    """Reports of one service: its outbox, its name as the events' source; each report names the channel and the
    provider that carried its message (one service may speak for several)."""

    outbox: Table
    source: str
    tenant: str = "default"

    async def record(
        self,
        session: AsyncSession,
        message: SpoolColumns,
        *,
        status: DeliveryStatus,
        channel: Channel,
        provider: str,
        now: datetime,
        error: str | None = None,
        provider_message_id: str | None = None,
    ) -> None:
        """Set the message's status and enqueue the report."""
        message.status = status.value
        message.error = error
        message.updated_at = now
        report = OutboundDeliveryReported(
            outbound_id=message.outbound_id,
            case_id=message.case_id,
            channel=channel,
            provider=provider,
            status=status,
            provider_message_id=provider_message_id,
            error=error,
            reported_at=now,
        )
        event = new_event(
            report,
            source=self.source,
            subject=message.case_id,
            correlation_id=message.correlation_id,
            tenant=self.tenant,
        )
        await enqueue(session, self.outbox, topic=topics.COMPLAINTS_INBOUND, key=message.case_id, event=event)
