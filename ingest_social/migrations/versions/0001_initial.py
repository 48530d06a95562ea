"""Initial tables: social messages (the outbound spool), WhatsApp windows, processed events, outbox.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "social_messages",
        sa.Column("outbound_id", sa.String(200), nullable=False),
        sa.Column("case_id", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("correlation_id", sa.String(200), nullable=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("sender", sa.String(200), nullable=True),
        sa.Column("conversation_id", sa.String(200), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("provider_message_id", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("outbound_id", name=op.f("pk_social_messages")),
    )
    op.create_index(op.f("ix_social_messages_status"), "social_messages", ["status"])
    op.create_index(op.f("ix_social_messages_next_attempt_at"), "social_messages", ["next_attempt_at"])
    op.create_index(
        "ix_social_messages_channel_provider_message_id", "social_messages", ["channel", "provider_message_id"]
    )
    op.create_index("ix_social_messages_channel_recipient", "social_messages", ["channel", "recipient"])

    op.create_table(
        "whatsapp_windows",
        sa.Column("wa_number", sa.String(64), nullable=False),
        sa.Column("last_inbound_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("wa_number", name=op.f("pk_whatsapp_windows")),
    )

    op.create_table(
        "processed_events",
        sa.Column("consumer", sa.String(100), nullable=False),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name=op.f("pk_processed_events")),
    )

    op.create_table(
        "outbox",
        sa.Column("id", BIGINT_ID, autoincrement=True, nullable=False),
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
    op.drop_table("whatsapp_windows")
    op.drop_index("ix_social_messages_channel_recipient", table_name="social_messages")
    op.drop_index("ix_social_messages_channel_provider_message_id", table_name="social_messages")
    op.drop_index(op.f("ix_social_messages_next_attempt_at"), table_name="social_messages")
    op.drop_index(op.f("ix_social_messages_status"), table_name="social_messages")
    op.drop_table("social_messages")
