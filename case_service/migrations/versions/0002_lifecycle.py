"""Lifecycle, timeline, SLA clocks, merges, follow-ups, surveys; identity keys and threading columns

Revision ID: 0002_lifecycle
Revises: 0001_initial
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_lifecycle"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "customer_merges",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("survivor_id", sa.String(length=36), nullable=False),
        sa.Column("merged_id", sa.String(length=36), nullable=False),
        sa.Column("merged_at", utc(), nullable=False),
        sa.Column("merged_by", sa.String(length=200), nullable=True),
        sa.Column("undone_at", utc(), nullable=True),
        sa.Column("undone_by", sa.String(length=200), nullable=True),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["merged_id"], ["customers.id"], name=op.f("fk_customer_merges_merged_id_customers")),
        sa.ForeignKeyConstraint(
            ["survivor_id"], ["customers.id"], name=op.f("fk_customer_merges_survivor_id_customers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_merges")),
    )
    with op.batch_alter_table("customer_merges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_customer_merges_merged_id"), ["merged_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_customer_merges_survivor_id"), ["survivor_id"], unique=False)

    op.create_table(
        "follow_ups",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("agent_id", sa.String(length=200), nullable=True),
        sa.Column("due_at", utc(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("created_at", utc(), nullable=False),
        sa.Column("fired_at", utc(), nullable=True),
        sa.Column("done_at", utc(), nullable=True),
        sa.Column("done_by", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_follow_ups_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_ups")),
    )
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follow_ups_agent_id"), ["agent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_follow_ups_case_id"), ["case_id"], unique=False)
        batch_op.create_index("ix_follow_ups_state_due_at", ["state", "due_at"], unique=False)

    op.create_table(
        "sla_clocks",
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("target", sa.String(length=20), nullable=False),
        sa.Column("target_seconds", sa.Float(), nullable=False),
        sa.Column("consumed_seconds", sa.Float(), nullable=False),
        sa.Column("running_since", utc(), nullable=True),
        sa.Column("met_at", utc(), nullable=True),
        sa.Column("due_at", utc(), nullable=True),
        sa.Column("at_risk_at", utc(), nullable=True),
        sa.Column("at_risk_notified_at", utc(), nullable=True),
        sa.Column("breached_notified_at", utc(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_sla_clocks_case_id_cases")),
        sa.PrimaryKeyConstraint("case_id", "target", name=op.f("pk_sla_clocks")),
    )
    with op.batch_alter_table("sla_clocks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sla_clocks_at_risk_at"), ["at_risk_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_sla_clocks_due_at"), ["due_at"], unique=False)

    op.create_table(
        "surveys",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("customer_id", sa.String(length=36), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("follow_up_id", sa.String(length=36), nullable=True),
        sa.Column("sent_at", utc(), nullable=False),
        sa.Column("expires_at", utc(), nullable=False),
        sa.Column("answered_at", utc(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("answered_via", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_surveys_case_id_cases")),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"], name=op.f("fk_surveys_customer_id_customers")),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_surveys")),
    )
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_surveys_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_surveys_customer_id"), ["customer_id"], unique=False)

    op.create_table(
        "timeline_entries",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("at", utc(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("actor_kind", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.String(length=200), nullable=True),
        sa.Column("message_id", sa.String(length=36), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_timeline_entries_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timeline_entries")),
    )
    with op.batch_alter_table("timeline_entries", schema=None) as batch_op:
        batch_op.create_index("ix_timeline_entries_case_id_at", ["case_id", "at"], unique=False)

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("markers", sa.JSON(), server_default=sa.text("'[]'"), nullable=False))
        batch_op.add_column(sa.Column("sla_status", sa.String(length=20), server_default="ok", nullable=False))
        batch_op.add_column(sa.Column("escalated", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("escalation_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("first_response_at", utc(), nullable=True))
        batch_op.add_column(sa.Column("resolved_at", utc(), nullable=True))
        batch_op.add_column(sa.Column("closed_at", utc(), nullable=True))
        batch_op.add_column(sa.Column("resolution_code", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("root_cause", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("reopen_count", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("csat_score", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("csat_comment", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("last_customer_message_at", utc(), nullable=True))
        batch_op.create_index("ix_cases_opened_at_id", ["opened_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_sla_status"), ["sla_status"], unique=False)
        batch_op.create_index("ix_cases_status_opened_at", ["status", "opened_at"], unique=False)

    with op.batch_alter_table("contact_points", schema=None) as batch_op:
        batch_op.add_column(sa.Column("match_key", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("opted_out", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("opted_out_at", utc(), nullable=True))
        batch_op.create_index(batch_op.f("ix_contact_points_match_key"), ["match_key"], unique=False)

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_key", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("language", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("opted_out", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("merged_into_id", sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f("ix_customers_merged_into_id"), ["merged_into_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_customers_name_key"), ["name_key"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_customers_merged_into_id_customers"), "customers", ["merged_into_id"], ["id"]
        )

    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purpose", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("author_agent_id", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("message_id_header", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("conversation_id", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("thread_rule", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("thread_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("delivery_status", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("delivery_error", sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f("ix_messages_conversation_id"), ["conversation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_messages_message_id_header"), ["message_id_header"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_messages_message_id_header"))
        batch_op.drop_index(batch_op.f("ix_messages_conversation_id"))
        batch_op.drop_column("delivery_error")
        batch_op.drop_column("delivery_status")
        batch_op.drop_column("thread_reason")
        batch_op.drop_column("thread_rule")
        batch_op.drop_column("conversation_id")
        batch_op.drop_column("message_id_header")
        batch_op.drop_column("author_agent_id")
        batch_op.drop_column("purpose")

    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_customers_merged_into_id_customers"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_customers_name_key"))
        batch_op.drop_index(batch_op.f("ix_customers_merged_into_id"))
        batch_op.drop_column("merged_into_id")
        batch_op.drop_column("opted_out")
        batch_op.drop_column("language")
        batch_op.drop_column("name_key")

    with op.batch_alter_table("contact_points", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_points_match_key"))
        batch_op.drop_column("opted_out_at")
        batch_op.drop_column("opted_out")
        batch_op.drop_column("match_key")

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_status_opened_at")
        batch_op.drop_index(batch_op.f("ix_cases_sla_status"))
        batch_op.drop_index("ix_cases_opened_at_id")
        batch_op.drop_column("last_customer_message_at")
        batch_op.drop_column("csat_comment")
        batch_op.drop_column("csat_score")
        batch_op.drop_column("reopen_count")
        batch_op.drop_column("root_cause")
        batch_op.drop_column("resolution_code")
        batch_op.drop_column("closed_at")
        batch_op.drop_column("resolved_at")
        batch_op.drop_column("first_response_at")
        batch_op.drop_column("escalation_reason")
        batch_op.drop_column("escalated")
        batch_op.drop_column("sla_status")
        batch_op.drop_column("markers")

    with op.batch_alter_table("timeline_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_timeline_entries_case_id_at")

    op.drop_table("timeline_entries")
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_surveys_customer_id"))
        batch_op.drop_index(batch_op.f("ix_surveys_case_id"))

    op.drop_table("surveys")
    with op.batch_alter_table("sla_clocks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sla_clocks_due_at"))
        batch_op.drop_index(batch_op.f("ix_sla_clocks_at_risk_at"))

    op.drop_table("sla_clocks")
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.drop_index("ix_follow_ups_state_due_at")
        batch_op.drop_index(batch_op.f("ix_follow_ups_case_id"))
        batch_op.drop_index(batch_op.f("ix_follow_ups_agent_id"))

    op.drop_table("follow_ups")
    with op.batch_alter_table("customer_merges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_customer_merges_survivor_id"))
        batch_op.drop_index(batch_op.f("ix_customer_merges_merged_id"))

    op.drop_table("customer_merges")
