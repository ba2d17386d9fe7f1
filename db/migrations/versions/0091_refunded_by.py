"""Who refunded a payment last: the user whose refund raised its refunded total (none for refunds made in Stripe).

Revision ID: 0091
Revises: 0090
"""

from alembic import op

revision = "0091"
down_revision = "0090"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE payments ADD COLUMN refunded_by uuid")
    op.execute(
        "ALTER TABLE payments ADD CONSTRAINT fk_payments_account_id_refunded_by_users "
        "FOREIGN KEY (account_id, refunded_by) REFERENCES users (account_id, id)"
    )
    op.execute("CREATE INDEX ix_payments_refunded_by ON payments (account_id, refunded_by) WHERE refunded_by IS NOT NULL")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_payments_refunded_by")
    op.execute("ALTER TABLE payments DROP CONSTRAINT IF EXISTS fk_payments_account_id_refunded_by_users")
    op.execute("ALTER TABLE payments DROP COLUMN IF EXISTS refunded_by")
