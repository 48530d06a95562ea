"""Forms customers sent from the public pages (rate limits, idempotent receipts).

Revision ID: 0002_public_submissions
Revises: 0001_initial
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_public_submissions"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS_INDEXED = ("address_sha256", "client_sha256", "link_sha256", "submitted_at")


def upgrade() -> None:
    op.create_table(
        "public_submissions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("form_token_sha256", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("address_sha256", sa.String(64), nullable=True),
        sa.Column("client_sha256", sa.String(64), nullable=False),
        sa.Column("link_sha256", sa.String(64), nullable=True),
        sa.Column("event_id", sa.String(100), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_submissions")),
        sa.UniqueConstraint("form_token_sha256", name=op.f("uq_public_submissions_form_token_sha256")),
    )
    for column in COLUMNS_INDEXED:
        op.create_index(op.f(f"ix_public_submissions_{column}"), "public_submissions", [column])


def downgrade() -> None:
    for column in reversed(COLUMNS_INDEXED):
        op.drop_index(op.f(f"ix_public_submissions_{column}"), table_name="public_submissions")
    op.drop_table("public_submissions")
