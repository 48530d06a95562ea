"""ingest_email's tables: mail to send or sent, Mailgun tokens seen (replays are refused), processed events and
the outbox (also the durable spool of accepted mail, published by the relay once the broker answers)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UtcDateTime, new_metadata
from shared.idempotency import processed_events_table
from shared.ingest.spool import SpoolColumns
from shared.outbox import outbox_table


class Base(DeclarativeBase):
    metadata = new_metadata()


class SentEmail(SpoolColumns, Base):
    """One requested mail (see shared.ingest.spool for its life). `message_id` is the request's own."""

    __tablename__ = "sent_emails"

    channel: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(20))
    to_address: Mapped[str] = mapped_column(String(320))
    from_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(20))
    message_id: Mapped[str] = mapped_column(String(500))
    in_reply_to: Mapped[str | None] = mapped_column(String(500))
    references: Mapped[str] = mapped_column(Text)  # space-separated <ids>
    # the reply's files (shared.ingest.outbound_files), sent as MIME parts; null for none
    attachments: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)


class MailgunToken(Base):
    """A token a Mailgun webhook was signed with, claimed at `seen_at` before the post is taken; `stored_at` once
    the mail is durable. The same token again is a replay (see repository.claim_token for a lapsed claim)."""

    __tablename__ = "mailgun_tokens"

    token: Mapped[str] = mapped_column(String(200), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    stored_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


processed_events = processed_events_table(Base.metadata)
outbox = outbox_table(Base.metadata)
