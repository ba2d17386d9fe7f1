"""Recount `product_sales` from the paid orders' lines, whoever the owner is.

0010 filled the counters with one INSERT … SELECT as the migration's owner. Under FORCEd
row-level security a non-superuser owner sees no order line, so on Supabase, RDS or Cloud SQL that
upgrade left every counter at zero (or absent) for the sales made before it. Recounting is right
for every database: the triggers keep the counters from here on, and the tables stay locked
against writes (ALTER TABLE's lock, taken by every_row_visible) while they are counted.

Revision ID: 0014
Revises: 0013
"""

from alembic import op

from db.data_migrations import every_row_visible

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TABLES = ("orders", "order_lines", "product_sales")


def upgrade() -> None:
    with every_row_visible(*TABLES):
        op.execute("DELETE FROM product_sales")
        op.execute("""
            INSERT INTO product_sales (account_id, product_id, paid_seats, revenue_cents)
            SELECT l.account_id, l.product_id, sum(l.quantity), sum(l.quantity::bigint * l.unit_price_cents)
            FROM order_lines l JOIN orders o ON o.account_id = l.account_id AND o.id = l.order_id
            WHERE o.status = 'paid' GROUP BY l.account_id, l.product_id
        """)


def downgrade() -> None:
    """The counters stay as recounted: they were wrong before, not different."""
