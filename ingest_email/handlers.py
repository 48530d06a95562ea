"""The outbound consumer: mail a case asks for (email cases, and web-form cases, answered by email) is spooled
for the sender, once per `outbound_id`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ingest_email.models import SentEmail, outbox
from ingest_email.receive import PROVIDER
from ingest_email.settings import SERVICE_NAME, IngestEmailSettings
from shared.cloudevents import CloudEvent
from shared.contacts import normalize_email
from shared.events import AddressKind, Channel, DeliveryStatus, OutboundMessageRequested
from shared.ingest.delivery import DeliveryReporter
from shared.ingest.outbound import OutboundSpooler, Refusal

CHANNELS = frozenset({Channel.EMAIL, Channel.WEB})
NOT_CONFIGURED = "email sending is not configured (INGEST_EMAIL_RELAY_HOST)"
NOT_AN_ADDRESS = "the recipient is not an email address"


def reporter(settings: IngestEmailSettings) -> DeliveryReporter:
    return DeliveryReporter(outbox=outbox, source=SERVICE_NAME, tenant=settings.tenant)


class OutboundHandlers(OutboundSpooler[SentEmail]):
    def __init__(self, settings: IngestEmailSettings, *, wake_sender: Callable[[], None] = lambda: None) -> None:
        super().__init__(model=SentEmail, channels=CHANNELS, wake_sender=wake_sender)
        self._settings = settings
        self._reporter = reporter(settings)

    def message_for(self, data: OutboundMessageRequested) -> SentEmail:
        return SentEmail(
            channel=data.channel.value,
            purpose=data.purpose.value,
            to_address=normalize_email(data.to.address).address[:320],
            from_address=self.sender_for(data),
            subject=data.subject or f"[#{data.case_reference}]",
            body=data.text,
            language=data.language,
            message_id=data.thread.message_id or f"<{data.outbound_id}@{self._domain()}>",
            in_reply_to=data.thread.in_reply_to,
            references=" ".join(data.thread.references),
            attachments=[item.model_dump(mode="json") for item in data.attachments] or None,
        )

    def sender_for(self, data: OutboundMessageRequested) -> str:
        """The address of ours the customer wrote to, so the answer comes from it; else the support address."""
        address = (data.from_address or "").strip().lower()
        if address.count("@") == 1 and address.rpartition("@")[2] in self._settings.accepted_domains:
            return address
        return self._settings.from_address

    def _domain(self) -> str:
        return self._settings.from_address.rpartition("@")[2]

    async def refusal(
        self, session: AsyncSession, data: OutboundMessageRequested, message: SentEmail
    ) -> Refusal | None:
        if not self._settings.sending_enabled:
            return DeliveryStatus.FAILED, NOT_CONFIGURED
        if data.to.kind is not AddressKind.EMAIL or not normalize_email(data.to.address).valid:
            return DeliveryStatus.FAILED, NOT_AN_ADDRESS
        return None

    async def report_refusal(
        self, session: AsyncSession, event: CloudEvent, message: SentEmail, refusal: Refusal, *, now: datetime
    ) -> None:
        status, error = refusal
        channel = Channel(message.channel)
        await self._reporter.record(
            session, message, status=status, channel=channel, provider=PROVIDER, now=now, error=error
        )
