"""The files of a reply, sent as MIME parts.

Revision ID: 0003_reply_files
Revises: 0002_mailgun_token_claims
Create Date: 2027-01-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_reply_files"
down_revision: str | None = "0002_mailgun_token_claims"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sent_emails") as batch:
        batch.add_column(sa.Column("attachments", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sent_emails") as batch:
        batch.drop_column("attachments")
