"""ingest_sms's tables: opt-out state per number, calls seen, SMS to send or sent, processed events and the outbox.

The outbox is also the durable spool of accepted webhooks (published by the relay once the broker answers) and,
for OUTBOX_RETENTION_HOURS after that, the journal replayed after a broker restart.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String, Text, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UtcDateTime, new_metadata
from shared.idempotency import processed_events_table
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


class SentMessage(Base):
    """One requested SMS: spooled as `pending`, then `sending`, `sent`, `delivered` or `failed` (or `skipped`).

    `outbound_id` is the case service's dedup key, so a redelivered request sends nothing twice; `sid` is
    Twilio's message SID, which its status callbacks name.
    """

    __tablename__ = "sent_messages"

    outbound_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(200))
    to_number: Mapped[str] = mapped_column(String(64))
    from_address: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), index=True)
    sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    correlation_id: Mapped[str | None] = mapped_column(String(200))


processed_events = processed_events_table(Base.metadata)
outbox = outbox_table(Base.metadata)
