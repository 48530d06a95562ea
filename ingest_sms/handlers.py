"""The outbound consumer: SMS a case asks for are spooled for the sender, once per `outbound_id`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ingest_sms import repository
from ingest_sms.delivery import record_outcome
from ingest_sms.models import SentMessage
from ingest_sms.send import E164, OPTED_OUT
from ingest_sms.settings import IngestSmsSettings
from shared.cloudevents import CloudEvent
from shared.consumer import Handler
from shared.events import Channel, DeliveryStatus, OutboundMessageRequested

NOT_CONFIGURED = "SMS sending is not configured (INGEST_SMS_TWILIO_ACCOUNT_SID and INGEST_SMS_TWILIO_AUTH_TOKEN)"
NO_SENDER = "no sender: set INGEST_SMS_FROM_NUMBER or INGEST_SMS_MESSAGING_SERVICE_SID"


class OutboundHandlers:
    def __init__(self, settings: IngestSmsSettings, *, wake_sender: Callable[[], None] = lambda: None) -> None:
        self._settings = settings
        self.wake_sender = wake_sender

    def mapping(self) -> dict[str, Handler]:
        return {OutboundMessageRequested.event_type: self.on_outbound_requested}

    async def on_outbound_requested(
        self, session: AsyncSession, event: CloudEvent, data: OutboundMessageRequested
    ) -> None:
        """Spool an SMS for the sender, or report at once why it will not be sent. Other channels are not ours."""
        if data.channel is not Channel.SMS:
            return
        if await repository.sent_message(session, outbound_id=data.outbound_id) is not None:
            return  # a redelivered request: it was spooled (and maybe sent) already
        now = datetime.now(UTC)
        to = data.to.address
        sender = self.sender_for(data)
        message = SentMessage(
            outbound_id=data.outbound_id,
            case_id=data.case_id,
            to_number=to[:64],
            from_address=sender,
            body=data.text,
            status=repository.PENDING,
            attempts=0,
            next_attempt_at=now,
            requested_at=now,
            updated_at=now,
            correlation_id=event.correlationid or event.id,
        )
        await repository.add_sent_message(session, message=message)
        refusal = await self._refusal(session, to=to, sender=sender)
        if refusal is None:
            self.wake_sender()  # it may look before this commits; then it finds the message at its next poll
            return
        status, error = refusal
        await record_outcome(
            session,
            message,
            status=status,
            now=now,
            tenant=event.tenant,
            error=error,
            correlation_id=message.correlation_id,
        )

    def sender_for(self, data: OutboundMessageRequested) -> str | None:
        """The number the customer wrote to, so the answer comes from it; else the configured one."""
        if data.from_address and E164.match(data.from_address):
            return data.from_address
        return self._settings.from_number

    async def _refusal(
        self, session: AsyncSession, *, to: str, sender: str | None
    ) -> tuple[DeliveryStatus, str] | None:
        if not self._settings.sending_enabled:
            return DeliveryStatus.FAILED, NOT_CONFIGURED
        if not E164.match(to):
            return DeliveryStatus.FAILED, "the recipient is not an E.164 phone number"
        if sender is None and self._settings.messaging_service_sid is None:
            return DeliveryStatus.FAILED, NO_SENDER
        if await repository.is_opted_out(session, number=to):
            return DeliveryStatus.SKIPPED, OPTED_OUT
        return None
