"""What became of a message we sent, as the channel service reports it: recorded on the outbound message, and a
failure (or a message not sent because the customer opted out) on the case's timeline so the agent can act."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from case_service import live, timeline
from case_service.models import Case, Message
from shared.cloudevents import CloudEvent
from shared.events import DeliveryStatus, OutboundDeliveryReported

log = logging.getLogger(__name__)

# A report may arrive late or twice: a later stage is never overwritten by an earlier one.
_STAGE = {"requested": 0, "sent": 1, "skipped": 2, "delivered": 2, "failed": 3}
_NOTICED = {DeliveryStatus.FAILED: "delivery_failed", DeliveryStatus.SKIPPED: "delivery_skipped"}


class UnknownOutboundMessage(LookupError):
    """A report names a message this service never requested: it cannot be applied (and goes to dead letters)."""


async def on_delivery_reported(session: AsyncSession, event: CloudEvent, data: OutboundDeliveryReported) -> None:
    rows = await session.execute(
        select(Message).where(
            Message.channel == data.channel.value, Message.provider_message_id == f"out-{data.outbound_id}"
        )
    )
    message = rows.scalars().first()
    if message is None or message.case_id != data.case_id:
        raise UnknownOutboundMessage(f"no outbound message {data.outbound_id} on case {data.case_id}")
    if _STAGE.get(message.delivery_status or "requested", 0) >= _STAGE[data.status.value]:
        log.info("delivery report in event %s is not newer than the recorded status; ignored", event.id)
        return
    message.delivery_status = data.status.value
    message.delivery_error = data.error
    case = await session.get(Case, message.case_id)
    if case is not None:
        live.delivery_updated(session, case=case, message=message, at=data.reported_at)
    kind = _NOTICED.get(data.status)
    if kind is not None:
        timeline.record(
            session,
            case_id=message.case_id,
            kind=kind,
            actor=timeline.Actor("channel", data.provider),
            at=data.reported_at,
            message_id=message.id,
            detail={"purpose": message.purpose, "error": data.error, "provider_message_id": data.provider_message_id},
        )
