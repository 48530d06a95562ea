"""The outbound consumer: SMS a case asks for are spooled for the sender, once per `outbound_id`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ingest_sms import repository
from ingest_sms.delivery import record_outcome
from ingest_sms.models import SentMessage
from ingest_sms.send import E164, NO_LINK_KEY, NO_PUBLIC_URL, OPTED_OUT
from ingest_sms.settings import IngestSmsSettings
from shared.attachments import media_type
from shared.channel_media import File, cannot_carry
from shared.cloudevents import CloudEvent
from shared.events import Channel, DeliveryStatus, OutboundMessageRequested
from shared.ingest.outbound import OutboundSpooler, Refusal

NOT_CONFIGURED = "SMS sending is not configured (INGEST_SMS_TWILIO_ACCOUNT_SID and INGEST_SMS_TWILIO_AUTH_TOKEN)"
NO_SENDER = "no sender: set INGEST_SMS_FROM_NUMBER or INGEST_SMS_MESSAGING_SERVICE_SID"


class OutboundHandlers(OutboundSpooler[SentMessage]):
    def __init__(self, settings: IngestSmsSettings, *, wake_sender: Callable[[], None] = lambda: None) -> None:
        super().__init__(model=SentMessage, channels=frozenset({Channel.SMS}), wake_sender=wake_sender)
        self._settings = settings

    def message_for(self, data: OutboundMessageRequested) -> SentMessage:
        return SentMessage(
            to_number=data.to.address[:64],
            from_address=self.sender_for(data),
            body=data.text,
            attachments=[item.model_dump(mode="json") for item in data.attachments] or None,
        )

    def sender_for(self, data: OutboundMessageRequested) -> str | None:
        """The number the customer wrote to, so the answer comes from it; else the configured one."""
        if data.from_address and E164.match(data.from_address):
            return data.from_address
        return self._settings.from_number

    async def refusal(
        self, session: AsyncSession, data: OutboundMessageRequested, message: SentMessage
    ) -> Refusal | None:
        to = data.to.address
        if not self._settings.sending_enabled:
            return DeliveryStatus.FAILED, NOT_CONFIGURED
        if not E164.match(to):
            return DeliveryStatus.FAILED, "the recipient is not an E.164 phone number"
        if message.from_address is None and self._settings.messaging_service_sid is None:
            return DeliveryStatus.FAILED, NO_SENDER
        if data.attachments:
            files = [File(a.filename, media_type(a.content_type), a.size or 0) for a in data.attachments]
            reason = cannot_carry(Channel.SMS, files)
            if reason is not None:
                return DeliveryStatus.FAILED, f"not sent: {reason}"
            if self._settings.public_url is None:
                return DeliveryStatus.FAILED, NO_PUBLIC_URL
            if self._settings.link_key() is None:
                return DeliveryStatus.FAILED, NO_LINK_KEY
        if await repository.is_opted_out(session, number=to):
            return DeliveryStatus.SKIPPED, OPTED_OUT
        return None

    async def report_refusal(
        self, session: AsyncSession, event: CloudEvent, message: SentMessage, refusal: Refusal, *, now: datetime
    ) -> None:
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
