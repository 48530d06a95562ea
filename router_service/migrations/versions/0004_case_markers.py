"""A queued or assigned case keeps its markers and preferred skills, so it can be routed again (or dry-run) as it
arrived; offers are indexed by when they ended, for the supervisor's floor.

Revision ID: 0004_case_markers
Revises: 0003_lifecycle_escalation
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_case_markers"
down_revision: str | None = "0003_lifecycle_escalation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("waiting_cases", "assignments")
COLUMNS = ("markers", "preferred_skills")


def upgrade() -> None:
    # Plain ADD COLUMN with a default: rows from before keep no markers (their recorded level still reflects them).
    for table in TABLES:
        for column in COLUMNS:
            op.add_column(table, sa.Column(column, sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    op.create_index("ix_offers_status_decided", "offers", ["status", "decided_at"])


def downgrade() -> None:
    op.drop_index("ix_offers_status_decided", table_name="offers")
    for table in TABLES:
        for column in reversed(COLUMNS):
            op.drop_column(table, column)  # SQLite 3.35+: plain DROP COLUMN
