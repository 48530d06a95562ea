"""Mailgun tokens are claimed before a post is taken and marked stored once it is durable.

Tokens remembered before this revision were remembered after their mail was stored: they count as stored.

Revision ID: 0002_mailgun_token_claims
Revises: 0001_initial
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_mailgun_token_claims"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mailgun_tokens") as batch:
        batch.add_column(sa.Column("stored_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE mailgun_tokens SET stored_at = seen_at")


def downgrade() -> None:
    op.execute("DELETE FROM mailgun_tokens WHERE stored_at IS NULL")
    with op.batch_alter_table("mailgun_tokens") as batch:
        batch.drop_column("stored_at")
