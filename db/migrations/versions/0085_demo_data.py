"""Demo data: an account's demo record and the rows it created, so seed-demo runs once and can be removed.

Revision ID: 0085
Revises: 0070
"""

from alembic import op

from db.tenant_tables import isolate

revision = "0085"
down_revision = "0070"
branch_labels = None
depends_on = None

KINDS = "('venue', 'event', 'contact', 'company', 'campaign', 'digest_subscription', 'interaction')"


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE demos (
            id uuid DEFAULT gen_random_uuid() NOT NULL,
            account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
            created_at timestamptz DEFAULT now() NOT NULL,
            CONSTRAINT pk_demos PRIMARY KEY (id),
            CONSTRAINT uq_demos_account_id_id UNIQUE (account_id, id)
        )
        """
    )
    op.execute("CREATE UNIQUE INDEX uq_demos_account ON demos (account_id)")
    op.execute(
        f"""
        CREATE TABLE demo_rows (
            id uuid DEFAULT gen_random_uuid() NOT NULL,
            account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
            demo_id uuid NOT NULL,
            kind text NOT NULL,
            row_id uuid NOT NULL,
            CONSTRAINT pk_demo_rows PRIMARY KEY (id),
            CONSTRAINT uq_demo_rows_account_id_id UNIQUE (account_id, id),
            CONSTRAINT fk_demo_rows_account_id_demo_id_demos FOREIGN KEY (account_id, demo_id)
                REFERENCES demos (account_id, id) ON DELETE CASCADE,
            CONSTRAINT ck_demo_rows_kind CHECK (kind IN {KINDS})
        )
        """
    )
    op.execute("CREATE UNIQUE INDEX uq_demo_rows_row ON demo_rows (account_id, kind, row_id)")
    op.execute("CREATE INDEX ix_demo_rows_demo ON demo_rows (account_id, demo_id)")
    isolate("demos", "demo_rows")


def downgrade() -> None:
    op.execute("DROP TABLE demo_rows")
    op.execute("DROP TABLE demos")
