"""ingest_social's tables: replies to send or sent (the outbound spool, every platform), each WhatsApp customer's
last message (their 24-hour window), customers' files still to fetch, processed events and the outbox.

The outbox is also the durable spool of accepted webhooks (published by the relay once the broker answers) and,
for OUTBOX_RETENTION_HOURS after that, the journal replayed after a broker restart.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UtcDateTime, new_metadata
from shared.idempotency import processed_events_table
from shared.ingest.media_jobs import MediaJobColumns
from shared.ingest.spool import SpoolColumns
from shared.outbox import outbox_table


class Base(DeclarativeBase):
    metadata = new_metadata()


class SocialMessage(SpoolColumns, Base):
    """One requested reply on a platform (see shared.ingest.spool for its life).

    `recipient` is the customer's platform id (a WhatsApp number in E.164); `sender` what it is sent from (the
    page, the WhatsApp phone_number_id); `conversation_id` the Telegram chat, or the comment a private reply
    answers; `provider_message_id` the platform's id of what was sent, which its delivery news names.
    """

    __tablename__ = "social_messages"
    __table_args__ = (
        Index("ix_social_messages_channel_provider_message_id", "channel", "provider_message_id"),
        Index("ix_social_messages_channel_recipient", "channel", "recipient"),
    )

    channel: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(200))
    sender: Mapped[str | None] = mapped_column(String(200))
    conversation_id: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    provider_message_id: Mapped[str | None] = mapped_column(String(200))
    # the reply's files (shared.ingest.outbound_files): metadata with each one's signed link; null for none
    attachments: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)


class WhatsAppWindow(Base):
    """When a WhatsApp customer last wrote: free-form replies may go to them for 24 hours after."""

    __tablename__ = "whatsapp_windows"

    wa_number: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_inbound_at: Mapped[datetime] = mapped_column(UtcDateTime())


class MediaDownload(MediaJobColumns, Base):
    """A message whose files (WhatsApp media ids, Telegram file ids, Messenger and Zalo URLs) are still to be fetched
    from the platform (shared.ingest.media)."""

    __tablename__ = "media_downloads"


processed_events = processed_events_table(Base.metadata)
outbox = outbox_table(Base.metadata)
