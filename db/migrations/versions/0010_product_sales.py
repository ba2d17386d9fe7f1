"""Paid seats and revenue per ticket type, kept by triggers, so an event's card reads a few rows.

The card summed every paid order line of the event at each view (20,000 index probes for a big
event). `product_sales` holds the sums instead: a trigger adds an order's lines when the order
becomes paid (or a line is added to a paid order) and takes them off when it stops being paid, in
the transaction that changes the order. It is a row of its own, not a column of `products`, whose
row every `/sell` of the ticket type locks. Also a partial index to count an event's admissions.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

APP = "eventos_app"
CURRENT_ACCOUNT = "NULLIF(current_setting('app.account_id', true), '')::uuid"

# Adds (sign = 1) or takes off (-1) an order's lines; rows in product order so that two orders
# with the same ticket types lock their rows in one order.
APPLY = """
CREATE FUNCTION product_sales_apply(p_account uuid, p_order uuid, p_sign integer) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO product_sales AS s (account_id, product_id, paid_seats, revenue_cents)
    SELECT account_id, product_id, p_sign * sum(quantity), p_sign * sum(quantity::bigint * unit_price_cents)
    FROM order_lines WHERE account_id = p_account AND order_id = p_order
    GROUP BY account_id, product_id ORDER BY product_id
    ON CONFLICT (account_id, product_id) DO UPDATE
    SET paid_seats = s.paid_seats + excluded.paid_seats, revenue_cents = s.revenue_cents + excluded.revenue_cents
$$
"""
ON_ORDER = """
CREATE FUNCTION product_sales_on_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM product_sales_apply(NEW.account_id, NEW.id, CASE WHEN NEW.status = 'paid' THEN 1 ELSE -1 END);
    RETURN NULL;
END $$
"""
ON_LINE = """
CREATE FUNCTION product_sales_on_line() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO product_sales AS s (account_id, product_id, paid_seats, revenue_cents)
    SELECT NEW.account_id, NEW.product_id, NEW.quantity, NEW.quantity::bigint * NEW.unit_price_cents
    FROM orders WHERE account_id = NEW.account_id AND id = NEW.order_id AND status = 'paid'
    ON CONFLICT (account_id, product_id) DO UPDATE
    SET paid_seats = s.paid_seats + excluded.paid_seats, revenue_cents = s.revenue_cents + excluded.revenue_cents;
    RETURN NULL;
END $$
"""


def upgrade() -> None:
    op.create_table(
        "product_sales",
        sa.Column("account_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("product_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("paid_seats", sa.Integer(), server_default="0", nullable=False),
        sa.Column("revenue_cents", sa.BigInteger(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE",
                                name="fk_product_sales_account_id_accounts"),
        sa.ForeignKeyConstraint(["account_id", "product_id"], ["products.account_id", "products.id"],
                                ondelete="CASCADE", name="fk_product_sales_account_id_product_id_products"),
        sa.PrimaryKeyConstraint("account_id", "product_id", name="pk_product_sales"),
    )
    op.execute("""
        INSERT INTO product_sales (account_id, product_id, paid_seats, revenue_cents)
        SELECT l.account_id, l.product_id, sum(l.quantity), sum(l.quantity::bigint * l.unit_price_cents)
        FROM order_lines l JOIN orders o ON o.account_id = l.account_id AND o.id = l.order_id
        WHERE o.status = 'paid' GROUP BY l.account_id, l.product_id
    """)
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON product_sales TO {APP}")
    op.execute("ALTER TABLE product_sales ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE product_sales FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON product_sales TO {APP} "
        f"USING (account_id = {CURRENT_ACCOUNT}) WITH CHECK (account_id = {CURRENT_ACCOUNT})"
    )
    op.execute(APPLY)
    op.execute(ON_ORDER)
    op.execute(ON_LINE)
    op.execute(
        "CREATE TRIGGER product_sales_order AFTER UPDATE OF status ON orders FOR EACH ROW "
        "WHEN ((OLD.status = 'paid') IS DISTINCT FROM (NEW.status = 'paid')) EXECUTE FUNCTION product_sales_on_order()"
    )
    op.execute(
        "CREATE TRIGGER product_sales_line AFTER INSERT ON order_lines FOR EACH ROW "
        "EXECUTE FUNCTION product_sales_on_line()"
    )
    op.create_index(
        "ix_check_ins_admitted", "check_ins", ["account_id", "event_id"], postgresql_where=sa.text("result = 'admitted'")
    )


def downgrade() -> None:
    op.drop_index("ix_check_ins_admitted", table_name="check_ins")
    op.execute("DROP TRIGGER product_sales_line ON order_lines")
    op.execute("DROP TRIGGER product_sales_order ON orders")
    op.execute("DROP FUNCTION product_sales_on_line()")
    op.execute("DROP FUNCTION product_sales_on_order()")
    op.execute("DROP FUNCTION product_sales_apply(uuid, uuid, integer)")
    op.drop_table("product_sales")
