"""Public pages: the account's public handle, an order's source, and the checkout form's token.

`accounts.slug` names the organizer in public URLs (`/e/{slug}/{event}`); the system role reads
it to find the tenant of a public request before any tenant is known. `orders.source` says where
an order was placed (`slack` or `web`). `orders.checkout_token` is the one-time token of the
public checkout form: its unique index makes a form submitted several times at once one order.

Revision ID: 0030
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0040"
branch_labels = None
depends_on = None

APP = "eventos_app"
SYSTEM = "eventos_system"


def upgrade() -> None:
    op.add_column("accounts", sa.Column("slug", sa.String(48), nullable=True))
    op.create_index("uq_accounts_slug", "accounts", ["slug"], unique=True)
    op.execute(f"GRANT SELECT (slug) ON accounts TO {SYSTEM}")
    # The public handle is the one more column a tenant may set on its own account (once, on first link).
    op.execute(f"GRANT UPDATE (slug) ON accounts TO {APP}")
    op.add_column("orders", sa.Column("source", sa.Text(), server_default="slack", nullable=False))
    op.create_check_constraint(op.f("ck_orders_source"), "orders", "source IN ('slack', 'web')")
    op.add_column("orders", sa.Column("checkout_token", sa.Text(), nullable=True))
    op.create_index(
        "uq_orders_checkout_token", "orders", ["account_id", "checkout_token"], unique=True,
        postgresql_where=sa.text("checkout_token IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_orders_checkout_token", table_name="orders")
    op.drop_column("orders", "checkout_token")
    op.drop_constraint(op.f("ck_orders_source"), "orders", type_="check")
    op.drop_column("orders", "source")
    op.execute(f"REVOKE UPDATE (slug) ON accounts FROM {APP}")
    op.execute(f"REVOKE SELECT (slug) ON accounts FROM {SYSTEM}")
    op.drop_index("uq_accounts_slug", table_name="accounts")
    op.drop_column("accounts", "slug")
