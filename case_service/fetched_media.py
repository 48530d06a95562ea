"""Files a channel service fetched from the provider after it accepted the message (WhatsApp media, Telegram files,
MMS media, Messenger and Zalo attachments): recorded on the message, so an agent can open them once the provider's
own link has expired. The report follows its message on the same partition; one for a message this service does not
have cannot be applied and goes to the dead letters (replayable once the message is in)."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from case_service import live
from case_service.models import Case, Message
from shared.cloudevents import CloudEvent
from shared.events import ComplaintAttachmentsStored
from shared.filenames import safe_filename

log = logging.getLogger(__name__)


class UnknownMessage(LookupError):
    """The files are of a message this service does not have."""


async def on_attachments_stored(session: AsyncSession, event: CloudEvent, data: ComplaintAttachmentsStored) -> None:
    rows = await session.execute(
        select(Message).where(
            Message.channel == data.channel.value, Message.provider_message_id == data.provider_message_id
        )
    )
    message = rows.scalars().first()
    if message is None:
        raise UnknownMessage(f"no {data.channel.value} message {data.provider_message_id} to attach files to")
    message.attachments = [
        {**attachment.model_dump(mode="json"), "filename": safe_filename(attachment.filename)}
        for attachment in data.attachments
    ]
    case = await session.get(Case, message.case_id)
    if case is not None:
        live.case_updated(session, case=case)
    log.info("event %s: %d files of a message recorded", event.id, len(data.attachments))
