"""Accepting a platform's webhook call: each message its own durable event (with the WhatsApp window moved on in
the same transaction), each status the reports it causes; redelivered messages change nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from ingest_social import repository, window
from ingest_social.delivery import DeliveryNews
from ingest_social.parsed import Parsed, StatusUpdate
from shared.events import Channel, ComplaintMessageReceived
from shared.ingest.intake import Intake, Write


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


async def take(intake: Intake, news: DeliveryNews, parsed: Parsed, *, now: datetime) -> Outcome:
    """Raises StorageUnavailable when a message could not be stored (the platform retries the whole call; what was
    stored already is a duplicate then)."""
    accepted = duplicates = 0
    for data in parsed.messages:
        result = await intake.accept(data, now=now, also=_window_writer(data, now))
        duplicates += result.duplicate
        accepted += not result.duplicate
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
