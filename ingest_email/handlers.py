"""The outbound consumer: mail a case asks for (email cases, and web-form cases, answered by email) is spooled
for the sender, once per `outbound_id`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ingest_email import repository
from ingest_email.models import SentEmail, outbox
from ingest_email.receive import PROVIDER
from ingest_email.settings import SERVICE_NAME, IngestEmailSettings
from shared.cloudevents import CloudEvent
from shared.consumer import Handler
from shared.contacts import normalize_email
from shared.events import AddressKind, Channel, DeliveryStatus, OutboundMessageRequested
from shared.ingest import spool
from shared.ingest.delivery import DeliveryReporter

CHANNELS = frozenset({Channel.EMAIL, Channel.WEB})
NOT_CONFIGURED = "email sending is not configured (INGEST_EMAIL_RELAY_HOST)"
NOT_AN_ADDRESS = "the recipient is not an email address"


def reporter(settings: IngestEmailSettings) -> DeliveryReporter:
    return DeliveryReporter(outbox=outbox, source=SERVICE_NAME, provider=PROVIDER, tenant=settings.tenant)


class OutboundHandlers:
    def __init__(self, settings: IngestEmailSettings, *, wake_sender: Callable[[], None] = lambda: None) -> None:
        self._settings = settings
        self._reporter = reporter(settings)
        self.wake_sender = wake_sender

    def mapping(self) -> dict[str, Handler]:
        return {OutboundMessageRequested.event_type: self.on_outbound_requested}

    async def on_outbound_requested(
        self, session: AsyncSession, event: CloudEvent, data: OutboundMessageRequested
    ) -> None:
        """Spool a mail for the sender, or report at once why it will not be sent. Other channels are not ours."""
        if data.channel not in CHANNELS:
            return
        if await repository.sent_email(session, outbound_id=data.outbound_id) is not None:
            return  # a redelivered request: it was spooled (and maybe sent) already
        now = datetime.now(UTC)
        to = normalize_email(data.to.address)
        message = SentEmail(
            outbound_id=data.outbound_id,
            case_id=data.case_id,
            channel=data.channel.value,
            purpose=data.purpose.value,
            to_address=to.address[:320],
            from_address=self.sender_for(data),
            subject=data.subject or f"[#{data.case_reference}]",
            body=data.text,
            language=data.language,
            message_id=data.thread.message_id or f"<{data.outbound_id}@{self._domain()}>",
            in_reply_to=data.thread.in_reply_to,
            references=" ".join(data.thread.references),
            status=spool.PENDING,
            attempts=0,
            next_attempt_at=now,
            requested_at=now,
            updated_at=now,
            correlation_id=event.correlationid or event.id,
        )
        await spool.add(session, message=message)
        refusal = self._refusal(data, valid=to.valid)
        if refusal is None:
            self.wake_sender()  # it may look before this commits; then it finds the message at its next poll
            return
        await self._reporter.record(
            session, message, status=DeliveryStatus.FAILED, channel=data.channel, now=now, error=refusal
        )

    def sender_for(self, data: OutboundMessageRequested) -> str:
        """The address of ours the customer wrote to, so the answer comes from it; else the support address."""
        address = (data.from_address or "").strip().lower()
        if address.count("@") == 1 and address.rpartition("@")[2] in self._settings.accepted_domains:
            return address
        return self._settings.from_address

    def _domain(self) -> str:
        return self._settings.from_address.rpartition("@")[2]

    def _refusal(self, data: OutboundMessageRequested, *, valid: bool) -> str | None:
        if not self._settings.sending_enabled:
            return NOT_CONFIGURED
        if data.to.kind is not AddressKind.EMAIL or not valid:
            return NOT_AN_ADDRESS
        return None
