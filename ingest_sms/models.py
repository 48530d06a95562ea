"""ingest_sms's tables: opt-out state per number, calls seen, SMS to send or sent, MMS media still to fetch,
processed events and the outbox.

The outbox is also the durable spool of accepted webhooks (published by the relay once the broker answers) and,
for OUTBOX_RETENTION_HOURS after that, the journal replayed after a broker restart.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, String, Text, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UtcDateTime, new_metadata
from shared.idempotency import processed_events_table
from shared.ingest.media_jobs import MediaJobColumns
from shared.ingest.spool import SpoolColumns
from shared.outbox import outbox_table


class Base(DeclarativeBase):
    metadata = new_metadata()


class PhoneConsent(Base):
    """What a number last told us with an opt-out keyword (STOP... or START...): no SMS goes to an opted-out one."""

    __tablename__ = "phone_consents"

    number: Mapped[str] = mapped_column(String(64), primary_key=True)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    keyword: Mapped[str] = mapped_column(String(20))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Call(Base):
    """A call Twilio told us about: recording callbacks carry only the CallSid, this says who called."""

    __tablename__ = "calls"

    call_sid: Mapped[str] = mapped_column(String(64), primary_key=True)
    from_number: Mapped[str] = mapped_column(String(64))
    to_number: Mapped[str | None] = mapped_column(String(64))
    direction: Mapped[str | None] = mapped_column(String(32))
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class SentMessage(SpoolColumns, Base):
    """One requested SMS (see shared.ingest.spool for its life); `sid` is Twilio's message SID, which its status
    callbacks name."""

    __tablename__ = "sent_messages"

    to_number: Mapped[str] = mapped_column(String(64))
    from_address: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    # the files of an MMS (shared.ingest.outbound_files): metadata with each one's signed link; null for none
    attachments: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)


class MediaDownload(MediaJobColumns, Base):
    """An MMS (or a call recording) whose media are still to be fetched from Twilio (shared.ingest.media)."""

    __tablename__ = "media_downloads"


processed_events = processed_events_table(Base.metadata)
outbox = outbox_table(Base.metadata)
