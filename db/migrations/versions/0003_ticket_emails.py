"""Ticket emails: a durable queue row per ticket email, so each is sent once and none is lost.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

APP = "eventos_app"
SYSTEM = "eventos_system"
CURRENT_ACCOUNT = "NULLIF(current_setting('app.account_id', true), '')::uuid"


def upgrade() -> None:
    op.create_table(
        "ticket_emails",
        sa.Column("order_id", sa.UUID(), nullable=False),
        sa.Column("dedupe_key", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("id", sa.UUID(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("account_id", sa.UUID(), nullable=False),
        sa.CheckConstraint("status IN ('pending', 'sent', 'dead')", name=op.f("ck_ticket_emails_status")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_ticket_emails_account_id_accounts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["account_id", "order_id"], ["orders.account_id", "orders.id"],
            name=op.f("fk_ticket_emails_account_id_order_id_orders"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_emails")),
        sa.UniqueConstraint("account_id", "id", name=op.f("uq_ticket_emails_account_id_id")),
    )
    op.create_index("uq_ticket_emails_dedupe", "ticket_emails", ["account_id", "dedupe_key"], unique=True)
    op.create_index("ix_ticket_emails_order", "ticket_emails", ["account_id", "order_id"])
    op.create_index(
        "ix_ticket_emails_due", "ticket_emails", ["next_attempt_at"], postgresql_where=sa.text("status = 'pending'")
    )

    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ticket_emails TO {APP}")
    op.execute("ALTER TABLE ticket_emails ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE ticket_emails FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON ticket_emails TO {APP} "
        f"USING (account_id = {CURRENT_ACCOUNT}) WITH CHECK (account_id = {CURRENT_ACCOUNT})"
    )
    # The claim loop runs before a tenant is known: it sees only what claiming needs.
    op.execute(f"GRANT SELECT (id, account_id, status, next_attempt_at, claimed_until) ON ticket_emails TO {SYSTEM}")
    op.execute(f"GRANT UPDATE (claimed_until) ON ticket_emails TO {SYSTEM}")
    op.execute(f"CREATE POLICY system_routing ON ticket_emails TO {SYSTEM} USING (true) WITH CHECK (true)")


def downgrade() -> None:
    op.drop_table("ticket_emails")
