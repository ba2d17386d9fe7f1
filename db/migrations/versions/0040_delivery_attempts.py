"""Delivery queues on the job engine: who holds a claim, and each attempt recorded before the outside call.

The outbox, ticket emails and campaign recipients gain the same columns:

- `claimed_by`: the token of the claim that holds the row; an attempt and its outcome are written
  only by that claim, so a claimer whose lease lapsed cannot overwrite its successor.
- `attempt_started_at`: set (and committed) just before Slack, SMTP or SMS is called, cleared with
  the outcome. A row a new claimer finds with it set is in doubt: its sender died mid-call.
- `first_attempt_at`: when the first attempt began, on the engine's clock; a queue's give-up age
  is counted from it.
- `in_doubt`: the row was found in doubt at least once (reported, and resent at most once).

Campaign recipients gain `next_attempt_at` (their backoff was kept in `claimed_until`).

Revision ID: 0040
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0040"
down_revision = "0021"
branch_labels = None
depends_on = None

SYSTEM = "eventos_system"
QUEUES = ("outbox", "ticket_emails", "campaign_recipients")


def upgrade() -> None:
    for table in QUEUES:
        op.add_column(table, sa.Column("claimed_by", sa.UUID(), nullable=True))
        op.add_column(table, sa.Column("attempt_started_at", sa.DateTime(timezone=True), nullable=True))
        op.add_column(table, sa.Column("first_attempt_at", sa.DateTime(timezone=True), nullable=True))
        op.add_column(table, sa.Column("in_doubt", sa.Boolean(), server_default="false", nullable=False))
    op.add_column(
        "campaign_recipients",
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
    )
    op.execute(
        "UPDATE campaign_recipients SET next_attempt_at = claimed_until, claimed_until = NULL "
        "WHERE status = 'pending' AND claimed_until IS NOT NULL"
    )
    # The engine's claim and heartbeat run as the system role, before a tenant is known.
    for table in ("outbox", "ticket_emails"):
        op.execute(f"GRANT UPDATE (claimed_by) ON {table} TO {SYSTEM}")


def downgrade() -> None:
    for table in ("outbox", "ticket_emails"):
        op.execute(f"REVOKE UPDATE (claimed_by) ON {table} FROM {SYSTEM}")
    op.execute(
        "UPDATE campaign_recipients SET claimed_until = next_attempt_at "
        "WHERE status = 'pending' AND next_attempt_at > now()"
    )
    op.drop_column("campaign_recipients", "next_attempt_at")
    for table in QUEUES:
        op.drop_column(table, "in_doubt")
        op.drop_column(table, "first_attempt_at")
        op.drop_column(table, "attempt_started_at")
        op.drop_column(table, "claimed_by")
