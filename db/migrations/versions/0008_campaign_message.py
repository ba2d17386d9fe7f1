"""Campaigns: the message people write, rendered into the chosen template (announcement, reminder...).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The app role's table-wide grants (0002) cover the new column; the system role never reads it.
    op.add_column("campaigns", sa.Column("message", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("campaigns", "message")
