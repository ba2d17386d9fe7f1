"""The currency of an event-day's money in the rollup, so a digest reads revenue per currency without reading orders.

NULL where the day had no money or money in more than one currency: a digest reads those few
event-days from the orders and payments themselves. Rows written before this migration are NULL
too, and are read the same way until the rollup next recomputes their day.

Revision ID: 0096
Revises: 0095
"""

from alembic import op

revision = "0096"
down_revision = "0095"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE event_analytics ADD COLUMN currency varchar(3)")


def downgrade() -> None:
    op.execute("ALTER TABLE event_analytics DROP COLUMN IF EXISTS currency")
