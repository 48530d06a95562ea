"""One received mail, whatever path it came by: normalized (off the event loop: a 25 MiB mail takes a while),
attachments stored, then made durable as a complaint, a delivery report on our own mail, or a dead letter.

Raises StorageUnavailable only when nothing was made durable: the caller answers "try again" (SMTP 451, HTTP 503).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from ingest_email import repository
from ingest_email.normalize import Envelope, Limits, Normalized, Rejected, normalize
from ingest_email.settings import SERVICE_NAME, IngestEmailSettings
from shared import topics
from shared.attachments import AttachmentStore
from shared.events import Channel
from shared.ingest.deadletters import input_dead_letter
from shared.ingest.delivery import DeliveryReporter
from shared.ingest.intake import Intake, StorageUnavailable

log = logging.getLogger(__name__)

PROVIDER = "smtp"


class Kind(StrEnum):
    COMPLAINT = "complaint"
    DELIVERY_REPORT = "delivery_report"
    DEAD_LETTER = "dead_letter"


@dataclass(frozen=True)
class Received:
    kind: Kind
    event_id: str | None = None
    duplicate: bool = False
    reason: str | None = None


@dataclass
class Receiver:
    settings: IngestEmailSettings
    intake: Intake
    store: AttachmentStore
    reporter: DeliveryReporter

    async def receive(
        self, raw: bytes, *, provider: str, envelope: Envelope | None = None, now: datetime | None = None
    ) -> Received:
        now = now or datetime.now(UTC)
        try:
            normalized = await asyncio.to_thread(self._normalize, raw, provider, envelope or Envelope(), now)
        except Rejected as rejected:
            return await self.dead_letter(raw, provider=provider, reason=rejected.reason, now=now)
        try:
            await asyncio.to_thread(self._store, normalized)
        except OSError as error:
            log.error("could not store attachments (%s): the mail is not accepted", type(error).__name__)
            raise StorageUnavailable(f"attachment storage: {type(error).__name__}") from error
        if normalized.bounce is not None:
            reported = await self._report_bounce(normalized, now=now)
            if reported is not None:
                return reported
        accepted = await self.intake.accept(normalized.data, now=now)
        return Received(Kind.COMPLAINT, event_id=accepted.event_id, duplicate=accepted.duplicate)

    async def dead_letter(self, raw: bytes, *, provider: str, reason: str, now: datetime) -> Received:
        """Keep `raw` whole on disk and as a dead letter (a prefix of it when long) with the reason."""
        event = input_dead_letter(
            raw,
            source=SERVICE_NAME,
            source_topic=f"{SERVICE_NAME}.{provider}",
            reason=reason,
            failed_at=now,
            key=provider,
            headers=(("provider", provider),),
            tenant=self.settings.tenant,
        )
        try:
            await asyncio.to_thread(self._keep_raw, raw)
        except OSError:
            log.warning("could not keep a dead-lettered mail on disk; the dead letter holds it")
        log.warning("mail from %s dead-lettered: %s", provider, reason)
        accepted = await self.intake.accept_event(event, topic=topics.DEADLETTER, key=event.subject)
        return Received(Kind.DEAD_LETTER, event_id=accepted.event_id, duplicate=accepted.duplicate, reason=reason)

    def _normalize(self, raw: bytes, provider: str, envelope: Envelope, now: datetime) -> Normalized:
        return normalize(
            raw,
            provider=provider,
            received_at=now,
            our_domains=self.settings.accepted_domains,
            our_addresses=self.settings.our_addresses,
            envelope=envelope,
            limits=Limits(attachment_max_bytes=self.settings.attachment_max_bytes),
            trusted_authserv_ids=self.settings.trusted_authserv,
        )

    def _store(self, normalized: Normalized) -> None:
        for blob in normalized.blobs:
            self.store.put(blob.sha256, blob.content)

    def _keep_raw(self, raw: bytes) -> None:
        AttachmentStore(self.settings.raw_dir).put(hashlib.sha256(raw).hexdigest(), raw)

    async def _report_bounce(self, normalized: Normalized, *, now: datetime) -> Received | None:
        """A report on mail we sent becomes its delivery report; None when none of it is ours."""
        bounce = normalized.bounce
        assert bounce is not None

        async def write(session: AsyncSession) -> bool:
            found = False
            for outbound_id in bounce.outbound_ids:
                sent = await repository.sent_email(session, outbound_id=outbound_id)
                if sent is None:
                    continue
                found = True
                if bounce.status is None or sent.status == bounce.status.value:
                    continue  # only delayed, or already reported
                await self.reporter.record(
                    session,
                    sent,
                    status=bounce.status,
                    channel=Channel(sent.channel),
                    provider=PROVIDER,
                    now=now,
                    error=bounce.error,
                )
            return found

        if not await self.intake.write(write):
            return None
        self.intake.wake_relay()
        return Received(Kind.DELIVERY_REPORT, reason=bounce.error)


__all__ = ["PROVIDER", "Kind", "Received", "Receiver", "StorageUnavailable"]
