"""Tables of case_service: customers and their contact points, cases, messages, the reference counter."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from case_service.domain import CaseStatus
from shared.db import UtcDateTime, new_metadata
from shared.idempotency import processed_events_table
from shared.outbox import outbox_table

ID = String(36)


class Base(DeclarativeBase):
    metadata = new_metadata()


processed_events = processed_events_table(Base.metadata)
outbox = outbox_table(Base.metadata)


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    display_name: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ContactPoint(Base):
    """An address (kind-scoped) that identifies one customer."""

    __tablename__ = "contact_points"
    __table_args__ = (UniqueConstraint("kind", "address"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    customer_id: Mapped[str] = mapped_column(ID, ForeignKey("customers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(Text, index=True)
    raw: Mapped[str | None] = mapped_column(Text)
    valid: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CaseReferenceCounter(Base):
    """The last case number handed out per year; incremented atomically as each case opens."""

    __tablename__ = "case_reference_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer)


_STATUSES = ", ".join(f"'{status.value}'" for status in CaseStatus)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(f"status IN ({_STATUSES})", name="status"),
        # The open-or-append rule looks up a customer's active cases on a channel for every message.
        Index("ix_cases_customer_id_channel_status", "customer_id", "channel", "status"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    reference: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[str] = mapped_column(ID, ForeignKey("customers.id"))
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(100))
    priority: Mapped[str] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(Text)
    assignee_agent_id: Mapped[str | None] = mapped_column(String(200), index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Message(Base):
    """A customer's message as received; `(channel, provider_message_id)` is the redelivery-proof natural key."""

    __tablename__ = "messages"
    __table_args__ = (UniqueConstraint("channel", "provider_message_id"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    case_id: Mapped[str] = mapped_column(ID, ForeignKey("cases.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    provider: Mapped[str] = mapped_column(Text)
    provider_message_id: Mapped[str] = mapped_column(Text)
    direction: Mapped[str] = mapped_column(String(10))
    sender_kind: Mapped[str] = mapped_column(String(20))
    sender_address: Mapped[str] = mapped_column(Text)
    sender_display_name: Mapped[str | None] = mapped_column(Text)
    recipient: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(Text)
    auto_submitted: Mapped[bool] = mapped_column(Boolean)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    inbound_event_id: Mapped[str | None] = mapped_column(String(200))
    thread: Mapped[dict[str, Any]] = mapped_column(JSON)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # `metadata` is reserved on declarative classes; the column keeps the plain name.
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSON)
