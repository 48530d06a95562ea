"""Recurring-problem alerts; indexes that count a category's or root cause's recent customers

Revision ID: 0003_alerts
Revises: 0002_lifecycle
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_alerts"
down_revision: str | None = "0002_lifecycle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=100), nullable=False),
        sa.Column("open_key", sa.String(length=130), nullable=True),
        sa.Column("customer_count", sa.Integer(), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("case_ids", sa.JSON(), nullable=False),
        sa.Column("customer_ids", sa.JSON(), nullable=False),
        sa.Column("raised_at", utc(), nullable=False),
        sa.Column("updated_at", utc(), nullable=False),
        sa.Column("acknowledged_at", utc(), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=200), nullable=True),
        sa.CheckConstraint("kind IN ('category', 'root_cause')", name=op.f("ck_alerts_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
        sa.UniqueConstraint("open_key", name=op.f("uq_alerts_open_key")),
    )
    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.create_index("ix_alerts_kind_value_raised_at", ["kind", "value", "raised_at"], unique=False)

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_category_opened_at", ["category", "opened_at"], unique=False)
        batch_op.create_index("ix_cases_root_cause_resolved_at", ["root_cause", "resolved_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_root_cause_resolved_at")
        batch_op.drop_index("ix_cases_category_opened_at")

    with op.batch_alter_table("alerts", schema=None) as batch_op:
        batch_op.drop_index("ix_alerts_kind_value_raised_at")

    op.drop_table("alerts")
