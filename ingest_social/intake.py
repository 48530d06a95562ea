"""Accepting a platform's webhook call: each message its own durable event (with the WhatsApp window moved on, and
the job that fetches its files, in the same transaction), each status the reports it causes; redelivered messages
change nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ingest_social import repository, window
from ingest_social.delivery import DeliveryNews
from ingest_social.parsed import Parsed, StatusUpdate
from shared.events import Channel, ComplaintMessageReceived
from shared.ingest.intake import Intake, Write
from shared.ingest.media_jobs import both
from shared.ingest.service import MediaIntake


@dataclass(frozen=True)
class Outcome:
    accepted: int
    duplicates: int
    statuses: int
    skipped: int

    def as_json(self) -> dict[str, int]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "statuses": self.statuses,
            "skipped": self.skipped,
        }


async def take(
    intake: Intake, news: DeliveryNews, parsed: Parsed, *, now: datetime, media: MediaIntake | None = None
) -> Outcome:
    """Raises StorageUnavailable when a message could not be stored (the platform retries the whole call; what was
    stored already is a duplicate then)."""
    accepted = duplicates = 0
    fetch = False
    for data in parsed.messages:
        also = _window_writer(data, now)
        refs = parsed.media.get(data.provider_message_id, ())
        if media is not None and refs:
            data, download = media.jobs.plan(data, refs, now=now, tenant=intake.tenant)
            also = both(also, download)
            fetch = fetch or download is not None
        result = await intake.accept(data, now=now, also=also)
        duplicates += result.duplicate
        accepted += not result.duplicate
    if fetch and media is not None:
        media.fetcher.wake()
    changed = 0
    for update in parsed.statuses:
        changed += await intake.write(_status_writer(news, update, now))
    if changed:
        intake.wake_relay()
    return Outcome(accepted=accepted, duplicates=duplicates, statuses=changed, skipped=parsed.skipped)


def _status_writer(news: DeliveryNews, update: StatusUpdate, now: datetime) -> Write[int]:
    async def write(session: AsyncSession) -> int:
        return await news.apply(session, update, now=now)

    return write


def _window_writer(data: ComplaintMessageReceived, now: datetime) -> Write[None] | None:
    if data.channel is not Channel.WHATSAPP or not data.sender.valid:
        return None
    sent = data.metadata.get("sent_at")
    start = window.window_start(datetime.fromisoformat(sent) if isinstance(sent, str) else None, received_at=now)

    async def write(session: AsyncSession) -> None:
        await repository.customer_wrote(session, wa_number=data.sender.address, at=start)

    return write
