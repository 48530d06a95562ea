"""Customers' status links

Revision ID: 0004_status_links
Revises: 0003_alerts
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_status_links"
down_revision: str | None = "0003_alerts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "status_links",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", utc(), nullable=False),
        sa.Column("expires_at", utc(), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("revoked_at", utc(), nullable=True),
        sa.Column("revoked_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_status_links_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_links")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_status_links_token_sha256")),
    )
    with op.batch_alter_table("status_links", schema=None) as batch_op:
        batch_op.create_index("ix_status_links_case_id_created_at", ["case_id", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("status_links", schema=None) as batch_op:
        batch_op.drop_index("ix_status_links_case_id_created_at")
    op.drop_table("status_links")
