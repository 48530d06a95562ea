"""Agents, assignments, the waiting queue, routing decisions, processed events and the outbox.

Revision ID: 0001_initial
Revises:
Create Date: 2025-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = 100


def upgrade() -> None:
    op.create_table(
        "agents",
        sa.Column("id", sa.String(ID), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("skills", sa.JSON(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("channels", sa.JSON(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("active_cases", sa.Integer(), nullable=False),
        sa.Column("presence", sa.String(20), nullable=False),
        sa.Column("presence_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_assignment_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("capacity >= 1", name=op.f("ck_agents_capacity_positive")),
        sa.CheckConstraint("active_cases >= 0", name=op.f("ck_agents_active_cases_not_negative")),
        sa.CheckConstraint(
            "presence IN ('available', 'busy', 'away', 'offline')", name=op.f("ck_agents_presence_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agents")),
    )
    op.create_table(
        "assignments",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("case_id", sa.String(ID), nullable=False),
        sa.Column("agent_id", sa.String(ID), nullable=False),
        sa.Column("case_reference", sa.String(ID), nullable=False),
        sa.Column("customer_id", sa.String(ID), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("category", sa.String(100), nullable=False),
        sa.Column("priority", sa.String(20), nullable=False),
        sa.Column("language", sa.String(35), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], name=op.f("fk_assignments_agent_id_agents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
        sa.UniqueConstraint("case_id", name=op.f("uq_assignments_case_id")),
    )
    op.create_index("ix_assignments_agent_status_assigned", "assignments", ["agent_id", "status", "assigned_at"])
    op.create_table(
        "waiting_cases",
        sa.Column("case_id", sa.String(ID), nullable=False),
        sa.Column("case_reference", sa.String(ID), nullable=False),
        sa.Column("customer_id", sa.String(ID), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("category", sa.String(100), nullable=False),
        sa.Column("priority", sa.String(20), nullable=False),
        sa.Column("language", sa.String(35), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("required_skill", sa.String(100), nullable=False),
        sa.Column("required_level", sa.Integer(), nullable=False),
        sa.Column("required_language", sa.String(35), nullable=True),
        sa.Column("priority_rank", sa.Integer(), nullable=False),
        sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("correlation_id", sa.String(200), nullable=True),
        sa.Column("tenant", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_waiting_cases")),
    )
    op.create_index("ix_waiting_cases_order", "waiting_cases", ["priority_rank", "enqueued_at", "case_id"])
    op.create_table(
        "routing_decisions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(ID), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trigger", sa.String(20), nullable=False),
        sa.Column("requirement", sa.JSON(), nullable=False),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("agent_id", sa.String(ID), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.CheckConstraint("outcome IN ('assigned', 'queued')", name=op.f("ck_routing_decisions_outcome_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_decisions")),
    )
    op.create_index(op.f("ix_routing_decisions_case_id"), "routing_decisions", ["case_id"])
    op.create_table(
        "processed_events",
        sa.Column("consumer", sa.String(100), nullable=False),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name=op.f("pk_processed_events")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("key", sa.String(500), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_id")),
    )
    op.create_index(op.f("ix_outbox_published_at"), "outbox", ["published_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_published_at"), table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("processed_events")
    op.drop_index(op.f("ix_routing_decisions_case_id"), table_name="routing_decisions")
    op.drop_table("routing_decisions")
    op.drop_index("ix_waiting_cases_order", table_name="waiting_cases")
    op.drop_table("waiting_cases")
    op.drop_index("ix_assignments_agent_status_assigned", table_name="assignments")
    op.drop_table("assignments")
    op.drop_table("agents")
