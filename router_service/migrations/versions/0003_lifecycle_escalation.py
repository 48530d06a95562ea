"""Case lifecycle and escalation: supervisors, working hours, waiting cases held for the customer's previous agent, and decisions
for cases ending, escalated or reserved.

Revision ID: 0003_lifecycle_escalation
Revises: 0002_offers_and_channel_capacity
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_lifecycle_escalation"
down_revision: str | None = "0002_offers_and_channel_capacity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = 100

OLD_OUTCOMES = "'assigned', 'queued', 'offered', 'accepted', 'declined', 'expired', 'rescinded', 'relaxed'"
OUTCOMES = OLD_OUTCOMES + ", 'resolved', 'closed', 'escalated', 'reserved'"


def upgrade() -> None:
    # Plain ADD COLUMN, no table copy: on SQLite copying `agents` would break the foreign keys pointing at it.
    op.add_column("agents", sa.Column("supervisor", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("agents", sa.Column("schedule", sa.JSON(), nullable=True))
    op.add_column("waiting_cases", sa.Column("reserved_for", sa.String(ID), nullable=True))
    op.add_column("waiting_cases", sa.Column("reserved_until", sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f("ix_waiting_cases_reserved_until"), "waiting_cases", ["reserved_until"])
    with op.batch_alter_table("routing_decisions") as batch:
        batch.drop_constraint(op.f("ck_routing_decisions_outcome_known"), type_="check")
        batch.create_check_constraint(op.f("ck_routing_decisions_outcome_known"), f"outcome IN ({OUTCOMES})")


def downgrade() -> None:
    with op.batch_alter_table("routing_decisions") as batch:
        batch.drop_constraint(op.f("ck_routing_decisions_outcome_known"), type_="check")
        batch.create_check_constraint(op.f("ck_routing_decisions_outcome_known"), f"outcome IN ({OLD_OUTCOMES})")
    op.drop_index(op.f("ix_waiting_cases_reserved_until"), table_name="waiting_cases")
    op.drop_column("waiting_cases", "reserved_until")  # SQLite 3.35+: plain DROP COLUMN
    op.drop_column("waiting_cases", "reserved_for")
    op.drop_column("agents", "schedule")
    op.drop_column("agents", "supervisor")
