"""Analytics rollup: the system role may see WHEN an account had activity, and indexes to ask cheaply.

The scheduler finds the accounts whose orders were paid, payments refunded, check-ins recorded or
events ended since their analytics watermark, before any tenant is known. The system role gets
only those timestamps (never amounts, names or codes), read-only, then the rollup itself runs in
the account's tenant unit of work.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SYSTEM = "eventos_system"
POLICY = "analytics_activity"
# Tables without a system grant before, with the columns the activity query reads. The query also
# reads events (account_id, starts_at, ends_at) and check_ins (account_id, created_at), granted in 0006.
ACTIVITY_COLUMNS = {
    "analytics_watermarks": "account_id, rolled_up_to",
    "payments": "account_id, refunded_at",
}


def upgrade() -> None:
    for table, columns in ACTIVITY_COLUMNS.items():
        op.execute(f"GRANT SELECT ({columns}) ON {table} TO {SYSTEM}")
        op.execute(f"CREATE POLICY {POLICY} ON {table} FOR SELECT TO {SYSTEM} USING (true)")
    # orders already has a system policy (0002); it gains one more column.
    op.execute(f"GRANT SELECT (paid_at) ON orders TO {SYSTEM}")
    op.create_index(
        "ix_payments_refunded", "payments", ["account_id", "refunded_at"],
        postgresql_where=sa.text("refunded_at IS NOT NULL"),
    )
    op.create_index("ix_check_ins_created", "check_ins", ["account_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_check_ins_created", table_name="check_ins")
    op.drop_index("ix_payments_refunded", table_name="payments")
    op.execute(f"REVOKE SELECT (paid_at) ON orders FROM {SYSTEM}")
    for table, columns in ACTIVITY_COLUMNS.items():
        op.execute(f"DROP POLICY IF EXISTS {POLICY} ON {table}")
        op.execute(f"REVOKE SELECT ({columns}) ON {table} FROM {SYSTEM}")
