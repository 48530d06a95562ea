"""Offers, capacity per channel with an overall limit, teams and auto-accept; more decision outcomes.

Existing agents keep their behaviour: their number capacity becomes the limit on every channel they serve and the
overall limit; what they hold is counted against the channel of each active assignment.

Revision ID: 0002_offers_and_channel_capacity
Revises: 0001_initial
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_offers_and_channel_capacity"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = 100
OUTCOMES = "'assigned', 'queued', 'offered', 'accepted', 'declined', 'expired', 'rescinded', 'relaxed'"
LIVE_OFFER = "status IN ('pending', 'accepted')"
ACTIVE_ASSIGNMENT = "status = 'active'"


def upgrade() -> None:
    # Plain ADD COLUMN, no table copy: on SQLite copying `agents` would break the foreign keys pointing at it.
    op.add_column("agents", sa.Column("team", sa.String(100), nullable=True))
    op.add_column("agents", sa.Column("auto_accept", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index(op.f("ix_agents_team"), "agents", ["team"])
    op.create_table(
        "agent_load",
        sa.Column("agent_id", sa.String(ID), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("active_cases", sa.Integer(), nullable=False),
        sa.CheckConstraint("capacity >= 0", name=op.f("ck_agent_load_capacity_not_negative")),
        sa.CheckConstraint("active_cases >= 0", name=op.f("ck_agent_load_active_cases_not_negative")),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], name=op.f("fk_agent_load_agent_id_agents")),
        sa.PrimaryKeyConstraint("agent_id", "channel", name=op.f("pk_agent_load")),
    )
    _fill_agent_load()
    op.add_column("waiting_cases", sa.Column("relaxed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_assignments_customer_assigned", "assignments", ["customer_id", "assigned_at"])
    # One active assignment per case; released ones (agent away past the grace period) are kept as history.
    with op.batch_alter_table("assignments") as batch:
        batch.drop_constraint(op.f("uq_assignments_case_id"), type_="unique")
    op.create_index(
        "ux_assignments_active_case",
        "assignments",
        ["case_id"],
        unique=True,
        sqlite_where=sa.text(ACTIVE_ASSIGNMENT),
        postgresql_where=sa.text(ACTIVE_ASSIGNMENT),
    )
    op.create_index("ix_routing_decisions_trigger_decided", "routing_decisions", ["trigger", "decided_at"])
    op.create_table(
        "offers",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("case_id", sa.String(ID), nullable=False),
        sa.Column("agent_id", sa.String(ID), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("case", sa.JSON(), nullable=False),
        sa.Column("requirement", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'declined', 'expired', 'rescinded')", name=op.f("ck_offers_status_known")
        ),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], name=op.f("fk_offers_agent_id_agents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
    )
    op.create_index(
        "ux_offers_live_case",
        "offers",
        ["case_id"],
        unique=True,
        sqlite_where=sa.text(LIVE_OFFER),
        postgresql_where=sa.text(LIVE_OFFER),
    )
    op.create_index("ix_offers_status_expires", "offers", ["status", "expires_at"])
    op.create_index("ix_offers_agent_status", "offers", ["agent_id", "status"])
    with op.batch_alter_table("routing_decisions") as batch:
        batch.drop_constraint(op.f("ck_routing_decisions_outcome_known"), type_="check")
        batch.create_check_constraint(op.f("ck_routing_decisions_outcome_known"), f"outcome IN ({OUTCOMES})")


def _fill_agent_load() -> None:
    """Every existing agent: its capacity on each channel it serves, holding its active assignments there."""
    bind = op.get_bind()
    agents = sa.table("agents", sa.column("id", sa.String), sa.column("channels", sa.JSON), sa.column("capacity"))
    assignments = sa.table("assignments", sa.column("agent_id"), sa.column("channel"), sa.column("status"))
    held = bind.execute(
        sa.select(assignments.c.agent_id, assignments.c.channel, sa.func.count())
        .where(assignments.c.status == "active")
        .group_by(assignments.c.agent_id, assignments.c.channel)
    ).all()
    counts = {(agent_id, channel): n for agent_id, channel, n in held}
    rows = []
    for agent_id, channels, capacity in bind.execute(sa.select(agents)).all():
        served = set(channels)
        for channel in served | {c for a, c in counts if a == agent_id}:
            limit = capacity if channel in served else 0
            rows.append(
                {
                    "agent_id": agent_id,
                    "channel": channel,
                    "capacity": limit,
                    "active_cases": counts.get((agent_id, channel), 0),
                }
            )
    if rows:
        load = sa.table(
            "agent_load",
            sa.column("agent_id", sa.String),
            sa.column("channel", sa.String),
            sa.column("capacity", sa.Integer),
            sa.column("active_cases", sa.Integer),
        )
        op.bulk_insert(load, rows)


def downgrade() -> None:
    with op.batch_alter_table("routing_decisions") as batch:
        batch.drop_constraint(op.f("ck_routing_decisions_outcome_known"), type_="check")
        batch.create_check_constraint(op.f("ck_routing_decisions_outcome_known"), "outcome IN ('assigned', 'queued')")
    op.drop_index("ix_offers_agent_status", table_name="offers")
    op.drop_index("ix_offers_status_expires", table_name="offers")
    op.drop_index("ux_offers_live_case", table_name="offers")
    op.drop_table("offers")
    op.drop_index("ix_routing_decisions_trigger_decided", table_name="routing_decisions")
    op.drop_index("ux_assignments_active_case", table_name="assignments")
    with op.batch_alter_table("assignments") as batch:
        batch.create_unique_constraint(op.f("uq_assignments_case_id"), ["case_id"])
    op.drop_index("ix_assignments_customer_assigned", table_name="assignments")
    op.drop_table("agent_load")
    with op.batch_alter_table("waiting_cases") as batch:
        batch.drop_column("relaxed_at")
    op.drop_index(op.f("ix_agents_team"), table_name="agents")
    op.drop_column("agents", "auto_accept")  # SQLite 3.35+: plain DROP COLUMN
    op.drop_column("agents", "team")
