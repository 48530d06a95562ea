"""Media: customers' files still to fetch from the platforms, and the files of a reply.

Revision ID: 0002_media
Revises: 0001_initial
Create Date: 2027-01-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_media"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "media_downloads",
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("provider", sa.String(50), nullable=False),
        sa.Column("provider_message_id", sa.Text(), nullable=False),
        sa.Column("key", sa.String(500), nullable=True),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("refs", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenant", sa.String(200), nullable=False),
        sa.Column("correlation_id", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_media_downloads")),
    )
    op.create_index(op.f("ix_media_downloads_next_attempt_at"), "media_downloads", ["next_attempt_at"])
    with op.batch_alter_table("social_messages") as batch:
        batch.add_column(sa.Column("attachments", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("social_messages") as batch:
        batch.drop_column("attachments")
    op.drop_index(op.f("ix_media_downloads_next_attempt_at"), table_name="media_downloads")
    op.drop_table("media_downloads")
