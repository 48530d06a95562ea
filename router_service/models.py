"""Tables of router_service: agents, assignments, the waiting queue and the routing decisions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from router_service.domain import AgentView, Schedule
from shared.db import UtcDateTime, new_metadata
from shared.idempotency import processed_events_table
from shared.outbox import outbox_table

ID = 100  # length of ids chosen by clients or other services

DECISION_OUTCOMES = (
    "assigned",
    "queued",
    "offered",
    "accepted",
    "declined",
    "expired",
    "rescinded",
    "relaxed",
    "resolved",
    "closed",
    "escalated",
    "reserved",
)
OUTCOMES_SQL = ", ".join(f"'{outcome}'" for outcome in DECISION_OUTCOMES)
OFFER_STATUSES = ("pending", "accepted", "declined", "expired", "rescinded")
# A case holds at most one live offer: pending, or accepted (then it is the case's active assignment).
LIVE_OFFER = "status IN ('pending', 'accepted')"
ACTIVE_ASSIGNMENT = "status = 'active'"


class CaseSummary:
    """What routing keeps of a case wherever it stores one (a queue entry, an assignment)."""

    case_reference: Mapped[str] = mapped_column(String(ID))
    customer_id: Mapped[str] = mapped_column(String(ID))
    channel: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(100))
    priority: Mapped[str] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(35))
    subject: Mapped[str | None] = mapped_column(Text)
    # Kept so the case can be routed again (or dry-run) as it arrived: markers may raise its level, preferred skills
    # rank the agents having them first.
    markers: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    preferred_skills: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=text("'[]'"))


class Base(DeclarativeBase):
    metadata = new_metadata()


processed_events = processed_events_table(Base.metadata)
outbox = outbox_table(Base.metadata)


class Agent(Base):
    __tablename__ = "agents"
    __table_args__ = (
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        CheckConstraint("active_cases >= 0", name="active_cases_not_negative"),
        CheckConstraint("presence IN ('available', 'busy', 'away', 'offline')", name="presence_known"),
    )

    id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    skills: Mapped[dict[str, int]] = mapped_column(JSON)  # skill -> level 1-4
    languages: Mapped[list[str]] = mapped_column(JSON)
    channels: Mapped[list[str]] = mapped_column(JSON)
    capacity: Mapped[int] = mapped_column(Integer)  # the overall limit (max_total) across channels
    active_cases: Mapped[int] = mapped_column(Integer, default=0)  # held offers and assignments, every channel
    team: Mapped[str | None] = mapped_column(String(100), index=True)
    auto_accept: Mapped[bool] = mapped_column(Boolean, default=False)
    supervisor: Mapped[bool] = mapped_column(Boolean, default=False)  # takes escalated cases, whatever their level
    # {"timezone": "Asia/Ho_Chi_Minh", "hours": {"mon": ["08:00", "17:00"], ...}}; None: no working hours set
    schedule: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    presence: Mapped[str] = mapped_column(String(20))
    presence_changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_assignment_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    loads: Mapped[list[AgentLoad]] = relationship(lazy="selectin", order_by="AgentLoad.channel")

    @property
    def max_total(self) -> int:
        return self.capacity

    @property
    def channel_capacity(self) -> dict[str, int]:
        served = set(self.channels)
        return {load.channel: load.capacity for load in self.loads if load.channel in served}

    @property
    def channel_load(self) -> dict[str, int]:
        served = set(self.channels)
        return {load.channel: load.active_cases for load in self.loads if load.channel in served or load.active_cases}

    def view(self) -> AgentView:
        return AgentView(
            id=self.id,
            skills=dict(self.skills),
            languages=frozenset(self.languages),
            channels=frozenset(self.channels),
            capacity=self.capacity,
            active_cases=self.active_cases,
            presence=self.presence,
            last_assignment_at=self.last_assignment_at,
            channel_capacity=self.channel_capacity,
            channel_load=self.channel_load,
            auto_accept=self.auto_accept,
            team=self.team,
            supervisor=self.supervisor,
            schedule=Schedule.from_json(self.schedule) if self.schedule else None,
        )


class AgentLoad(Base):
    """An agent's limit and held cases on one channel; claimed with a conditional UPDATE next to the agent's total."""

    __tablename__ = "agent_load"
    __table_args__ = (
        CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("active_cases >= 0", name="active_cases_not_negative"),
    )

    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    capacity: Mapped[int] = mapped_column(Integer)
    active_cases: Mapped[int] = mapped_column(Integer, default=0)


class Assignment(CaseSummary, Base):
    __tablename__ = "assignments"
    __table_args__ = (
        Index("ix_assignments_agent_status_assigned", "agent_id", "status", "assigned_at"),
        Index("ix_assignments_customer_assigned", "customer_id", "assigned_at"),  # continuity
        # A case has at most one active assignment; released ones (agent away past the grace period) stay as history.
        Index(
            "ux_assignments_active_case",
            "case_id",
            unique=True,
            sqlite_where=text(ACTIVE_ASSIGNMENT),
            postgresql_where=text(ACTIVE_ASSIGNMENT),
        ),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(ID))
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"))
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(20), default="active")


class WaitingCase(CaseSummary, Base):
    """The persistent queue: a case no agent could take, with what it requires, served by rank then age."""

    __tablename__ = "waiting_cases"
    __table_args__ = (Index("ix_waiting_cases_order", "priority_rank", "enqueued_at", "case_id"),)

    case_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    required_skill: Mapped[str] = mapped_column(String(100))
    required_level: Mapped[int] = mapped_column(Integer)
    required_language: Mapped[str | None] = mapped_column(String(35))
    priority_rank: Mapped[int] = mapped_column(Integer)
    enqueued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    relaxed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # when its minimum level was last lowered
    # Held for the customer's previous agent (busy or full) until `reserved_until`; then anyone eligible may take it.
    reserved_for: Mapped[str | None] = mapped_column(String(ID))
    reserved_until: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
    # Carried so the CaseAssigned emitted when the queue drains continues the case's trace.
    correlation_id: Mapped[str | None] = mapped_column(String(200))
    tenant: Mapped[str] = mapped_column(String(100))


class RoutingDecision(Base):
    """One routing decision, kept so a case's routing can be explained afterwards."""

    __tablename__ = "routing_decisions"
    __table_args__ = (
        CheckConstraint(f"outcome IN ({OUTCOMES_SQL})", name="outcome_known"),
        Index("ix_routing_decisions_trigger_decided", "trigger", "decided_at"),  # queue throughput, statistics
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(ID), index=True)
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime)
    trigger: Mapped[str] = mapped_column(String(20))  # case_opened | queue_drain | offer_* | presence | relaxation
    requirement: Mapped[dict[str, Any]] = mapped_column(JSON)
    candidates: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    agent_id: Mapped[str | None] = mapped_column(String(ID))  # no FK: history outlives any agent change
    outcome: Mapped[str] = mapped_column(String(20))


class Offer(Base):
    """A case offered to an agent, who accepts or declines it before `expires_at`; its capacity is held meanwhile."""

    __tablename__ = "offers"
    __table_args__ = (
        CheckConstraint(f"status IN ({', '.join(repr(s) for s in OFFER_STATUSES)})", name="status_known"),
        # The database itself refuses a second pending offer or accepted (active) offer for one case.
        Index(
            "ux_offers_live_case",
            "case_id",
            unique=True,
            sqlite_where=text(LIVE_OFFER),
            postgresql_where=text(LIVE_OFFER),
        ),
        Index("ix_offers_status_expires", "status", "expires_at"),
        Index("ix_offers_agent_status", "agent_id", "status"),
        Index("ix_offers_status_decided", "status", "decided_at"),  # the floor's offers declined or expired lately
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(ID))
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"))
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reason: Mapped[str | None] = mapped_column(String(500))
    channel: Mapped[str] = mapped_column(String(20))
    case: Mapped[dict[str, Any]] = mapped_column(JSON)  # what routing keeps of the case, to assign or re-route it
    requirement: Mapped[dict[str, Any]] = mapped_column(JSON)
