"""Tables of case_service: customers and their contact points, cases, messages, timeline, SLA clocks, merges,
follow-ups and surveys, recurring-problem alerts, the reference counter."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
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
    # folded display name (identity.name_key), for duplicate suggestions and name search
    name_key: Mapped[str | None] = mapped_column(Text, index=True)
    language: Mapped[str | None] = mapped_column(String(10))
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # set while this customer is folded into another one (undone by clearing it)
    merged_into_id: Mapped[str | None] = mapped_column(ID, ForeignKey("customers.id"), index=True)


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
    # the same person's address in another form has the same key (identity.match_key)
    match_key: Mapped[str] = mapped_column(Text, index=True, default="", server_default="")
    # the customer asked for no more messages on this address (e.g. SMS STOP); START clears it
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    opted_out_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


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
        # lists page newest first with a (opened_at, id) cursor
        Index("ix_cases_opened_at_id", "opened_at", "id"),
        Index("ix_cases_status_opened_at", "status", "opened_at"),
        # recurring-problem detection counts a category's (a root cause's) customers over a recent period
        Index("ix_cases_category_opened_at", "category", "opened_at"),
        Index("ix_cases_root_cause_resolved_at", "root_cause", "resolved_at"),
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
    markers: Mapped[list[str]] = mapped_column(JSON, default=list)
    # ok, at_risk, breached or met: the worst state of the case's SLA clocks, kept for list filters
    sla_status: Mapped[str] = mapped_column(String(20), default="ok", server_default="ok", index=True)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    escalation_reason: Mapped[str | None] = mapped_column(Text)
    first_response_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolution_code: Mapped[str | None] = mapped_column(String(100))
    root_cause: Mapped[str | None] = mapped_column(String(100))
    reopen_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    csat_score: Mapped[int | None] = mapped_column(Integer)
    csat_comment: Mapped[str | None] = mapped_column(Text)
    last_customer_message_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Message(Base):
    """A message of a case: a customer's (inbound, as received), an agent's reply or an automatic one (outbound), or an
    internal note. `(channel, provider_message_id)` is the redelivery-proof natural key; outbound and notes get ours."""

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
    # inbound: none; outbound: acknowledgement, reply or survey; note: none
    purpose: Mapped[str | None] = mapped_column(String(20))
    author_agent_id: Mapped[str | None] = mapped_column(String(200))
    # the email Message-ID (ours for outbound mail) and the provider conversation id, looked up when threading
    message_id_header: Mapped[str | None] = mapped_column(Text, index=True)
    conversation_id: Mapped[str | None] = mapped_column(Text, index=True)
    # why the message is in this case: the threading rule that matched and its explanation
    thread_rule: Mapped[str | None] = mapped_column(String(40))
    thread_reason: Mapped[str | None] = mapped_column(Text)
    # outbound: requested, sent, delivered, failed or skipped, as the channel service reports it
    delivery_status: Mapped[str | None] = mapped_column(String(20))
    delivery_error: Mapped[str | None] = mapped_column(Text)


class TimelineEntry(Base):
    """Something that happened to a case, with who did it and why; the case's history in time order."""

    __tablename__ = "timeline_entries"
    __table_args__ = (Index("ix_timeline_entries_case_id_at", "case_id", "at"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    case_id: Mapped[str] = mapped_column(ID, ForeignKey("cases.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    kind: Mapped[str] = mapped_column(String(40))
    # customer, agent, supervisor, admin, system or router
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[str | None] = mapped_column(String(200))
    message_id: Mapped[str | None] = mapped_column(ID)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)


class SlaClock(Base):
    """One service-level target of a case (first response or resolution), in business seconds.

    `due_at` and `at_risk_at` are derived and stored so the scheduler finds due clocks with an index; the
    `*_notified_at` columns are claimed by a conditional update, so several instances notify once.
    """

    __tablename__ = "sla_clocks"

    case_id: Mapped[str] = mapped_column(ID, ForeignKey("cases.id"), primary_key=True)
    target: Mapped[str] = mapped_column(String(20), primary_key=True)
    target_seconds: Mapped[float] = mapped_column(Float)
    consumed_seconds: Mapped[float] = mapped_column(Float)
    running_since: Mapped[datetime | None] = mapped_column(UtcDateTime())
    met_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    at_risk_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    at_risk_notified_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    breached_notified_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class CustomerMerge(Base):
    """An audit record of one customer folded into another, with what moved, so it can be undone exactly."""

    __tablename__ = "customer_merges"

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    survivor_id: Mapped[str] = mapped_column(ID, ForeignKey("customers.id"), index=True)
    merged_id: Mapped[str] = mapped_column(ID, ForeignKey("customers.id"), index=True)
    merged_at: Mapped[datetime] = mapped_column(UtcDateTime())
    merged_by: Mapped[str | None] = mapped_column(String(200))
    undone_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    undone_by: Mapped[str | None] = mapped_column(String(200))
    # contact point ids and case ids that moved, and both customers' fields as they were
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)


class FollowUp(Base):
    """A check-back with the customer after a resolution: scheduled, then due (task for the agent), then done;
    cancelled when the case reopens first."""

    __tablename__ = "follow_ups"
    __table_args__ = (Index("ix_follow_ups_state_due_at", "state", "due_at"),)

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    case_id: Mapped[str] = mapped_column(ID, ForeignKey("cases.id"), index=True)
    agent_id: Mapped[str | None] = mapped_column(String(200), index=True)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    fired_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    done_by: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)


class Survey(Base):
    """A satisfaction survey sent to the customer; `token` answers it from a web link, or the customer's next
    message on the channel does."""

    __tablename__ = "surveys"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    case_id: Mapped[str] = mapped_column(ID, ForeignKey("cases.id"), index=True)
    customer_id: Mapped[str] = mapped_column(ID, ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    follow_up_id: Mapped[str | None] = mapped_column(ID)
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    score: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    # channel (the customer's message) or web (POST /v1/surveys/{token})
    answered_via: Mapped[str | None] = mapped_column(String(20))


class Alert(Base):
    """A recurring problem: a category or root cause rising across distinct customers against its baseline. While
    open (not acknowledged) it collects the matching cases; `open_key` (`kind:value`, cleared on acknowledgement) is
    unique, so two instances never keep two open alerts of one problem."""

    __tablename__ = "alerts"
    __table_args__ = (
        CheckConstraint("kind IN ('category', 'root_cause')", name="kind"),
        Index("ix_alerts_kind_value_raised_at", "kind", "value", "raised_at"),
    )

    id: Mapped[str] = mapped_column(ID, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(100))
    open_key: Mapped[str | None] = mapped_column(String(130), unique=True)
    customer_count: Mapped[int] = mapped_column(Integer)
    # distinct customers per window over the baseline period, when the alert was raised
    baseline: Mapped[float] = mapped_column(Float)
    case_ids: Mapped[list[str]] = mapped_column(JSON)
    customer_ids: Mapped[list[str]] = mapped_column(JSON)
    raised_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(200))


class StatusLink(Base):
    """A customer's link to their case's status page. The token in the link is derived from `id` with the service's
    status link key (case_service.status_links), so it can be shown again to whoever may; only its SHA-256 is
    looked up. A link answers for its own case only, until it expires or is revoked."""

    __tablename__ = "status_links"
    __table_args__ = (Index("ix_status_links_case_id_created_at", "case_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    case_id: Mapped[str] = mapped_column(ID, ForeignKey("cases.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # why it was made: "acknowledgement" (sent with it) or "staff" (issued by a supervisor or admin)
    origin: Mapped[str] = mapped_column(String(20))
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_by: Mapped[str | None] = mapped_column(String(200))
