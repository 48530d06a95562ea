"""The outbound consumer: replies a case asks for on a social channel are spooled for the sender, once per
`outbound_id` (the sender checks configuration and WhatsApp's window when it claims them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ingest_social.delivery import SOCIAL_CHANNELS
from ingest_social.models import SocialMessage
from shared.cloudevents import CloudEvent
from shared.consumer import Handler
from shared.events import OutboundMessageRequested
from shared.ingest import spool


class OutboundHandlers:
    def __init__(self, *, wake_sender: Callable[[], None] = lambda: None) -> None:
        self.wake_sender = wake_sender

    def mapping(self) -> dict[str, Handler]:
        return {OutboundMessageRequested.event_type: self.on_outbound_requested}

    async def on_outbound_requested(
        self, session: AsyncSession, event: CloudEvent, data: OutboundMessageRequested
    ) -> None:
        """Spool a reply for the sender. Other channels are not ours."""
        if data.channel not in SOCIAL_CHANNELS:
            return
        if await spool.spooled(session, SocialMessage, outbound_id=data.outbound_id) is not None:
            return  # a redelivered request: it was spooled (and maybe sent) already
        now = datetime.now(UTC)
        message = SocialMessage(
            outbound_id=data.outbound_id,
            case_id=data.case_id,
            channel=data.channel.value,
            recipient=data.to.address[:200],
            sender=(data.from_address or None) and data.from_address[:200],
            conversation_id=data.thread.conversation_id and data.thread.conversation_id[:200],
            body=data.text,
            status=spool.PENDING,
            attempts=0,
            next_attempt_at=now,
            requested_at=now,
            updated_at=now,
            correlation_id=event.correlationid or event.id,
        )
        await spool.add(session, message=message)
        self.wake_sender()  # it may look before this commits; then it finds the message at its next poll
