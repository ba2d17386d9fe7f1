"""Sale rushes: running totals of an event's public orders, behind one Slack alert updated in place.

One row per event, moved by each public sale in the transaction that settles it (an upsert, so
concurrent sales queue on it and each sees the totals of those before it). A sale more than a few
seconds after the last one starts a new rush, that is a new alert message.

Revision ID: 0031
Revises: 0030
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from db.tenant_tables import isolate

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sale_rushes",
        sa.Column("account_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("event_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_sale_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("revenue_cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE",
                                name="fk_sale_rushes_account_id_accounts"),
        sa.ForeignKeyConstraint(["account_id", "event_id"], ["events.account_id", "events.id"],
                                ondelete="CASCADE", name="fk_sale_rushes_account_id_event_id_events"),
        sa.PrimaryKeyConstraint("account_id", "event_id", name="pk_sale_rushes"),
    )
    isolate("sale_rushes")


def downgrade() -> None:
    op.drop_table("sale_rushes")
