"""Tables of router_service: agents, assignments, the waiting queue and the routing decisions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from router_service.domain import AgentView
from shared.db import UtcDateTime, new_metadata
from shared.idempotency import processed_events_table
from shared.outbox import outbox_table

ID = 100  # length of ids chosen by clients or other services


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
    capacity: Mapped[int] = mapped_column(Integer)
    active_cases: Mapped[int] = mapped_column(Integer, default=0)
    presence: Mapped[str] = mapped_column(String(20))
    presence_changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_assignment_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

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
        )


class Assignment(Base):
    __tablename__ = "assignments"
    __table_args__ = (Index("ix_assignments_agent_status_assigned", "agent_id", "status", "assigned_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(String(ID), unique=True)  # a case never has two assignments
    agent_id: Mapped[str] = mapped_column(ForeignKey("agents.id"))
    case_reference: Mapped[str] = mapped_column(String(ID))
    customer_id: Mapped[str] = mapped_column(String(ID))
    channel: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(100))
    priority: Mapped[str] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(35))
    subject: Mapped[str | None] = mapped_column(Text)
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(20), default="active")


class WaitingCase(Base):
    """The persistent queue: a case no agent could take, with what it requires, served by rank then age."""

    __tablename__ = "waiting_cases"
    __table_args__ = (Index("ix_waiting_cases_order", "priority_rank", "enqueued_at", "case_id"),)

    case_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    case_reference: Mapped[str] = mapped_column(String(ID))
    customer_id: Mapped[str] = mapped_column(String(ID))
    channel: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(100))
    priority: Mapped[str] = mapped_column(String(20))
    language: Mapped[str | None] = mapped_column(String(35))
    subject: Mapped[str | None] = mapped_column(Text)
    required_skill: Mapped[str] = mapped_column(String(100))
    required_level: Mapped[int] = mapped_column(Integer)
    required_language: Mapped[str | None] = mapped_column(String(35))
    priority_rank: Mapped[int] = mapped_column(Integer)
    enqueued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Carried so the CaseAssigned emitted when the queue drains continues the case's trace.
    correlation_id: Mapped[str | None] = mapped_column(String(200))
    tenant: Mapped[str] = mapped_column(String(100))


class RoutingDecision(Base):
    """One routing decision, kept so a case's routing can be explained afterwards."""

    __tablename__ = "routing_decisions"
    __table_args__ = (CheckConstraint("outcome IN ('assigned', 'queued')", name="outcome_known"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(String(ID), index=True)
    decided_at: Mapped[datetime] = mapped_column(UtcDateTime)
    trigger: Mapped[str] = mapped_column(String(20))  # case_opened | queue_drain
    requirement: Mapped[dict[str, Any]] = mapped_column(JSON)
    candidates: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    agent_id: Mapped[str | None] = mapped_column(String(ID))  # no FK: history outlives any agent change
    outcome: Mapped[str] = mapped_column(String(20))
