"""The gateway's tables: idempotency keys of accepted requests, dead letters, processed events and the outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.db import UtcDateTime, new_metadata
from shared.idempotency import processed_events_table
from shared.outbox import outbox_table


class Base(DeclarativeBase):
    metadata = new_metadata()


class IdempotencyKey(Base):
    """An accepted request: the same key with the same body answers with `event_id` again."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_sha256: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class DeadLetter(Base):
    """A record some consumer could not process, kept whole (value as text or base64) so it can be replayed."""

    __tablename__ = "dead_letters"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    source_topic: Mapped[str] = mapped_column(String(249), index=True)
    partition: Mapped[int] = mapped_column(Integer)
    offset: Mapped[int] = mapped_column(BigInteger)
    consumer_group: Mapped[str] = mapped_column(String(255))
    reason: Mapped[str] = mapped_column(Text)
    key: Mapped[str | None] = mapped_column(Text)
    value: Mapped[str] = mapped_column(Text)
    value_encoding: Mapped[str] = mapped_column(String(16))
    headers: Mapped[list[list[str]]] = mapped_column(JSON)
    failed_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    replayed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    replay_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


processed_events = processed_events_table(Base.metadata)
outbox = outbox_table(Base.metadata)
