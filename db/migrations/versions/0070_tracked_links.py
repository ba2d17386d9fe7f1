"""Tracked links: a public event link per source or promoter, and the source and promoter on each order.

An order placed through a tracked link copies its source and promoter, so sales by source and a
promoter's own figures read the orders alone (ix_orders_promoter serves "my figures").

Revision ID: 0070
Revises: 0060
"""

from alembic import op

from db.tenant_tables import isolate

revision = "0070"
down_revision = "0060"
branch_labels = None
depends_on = None

SOURCE = "'^[a-z0-9][a-z0-9_-]{0,31}$'"


def upgrade() -> None:
    op.execute(
        f"""
        CREATE TABLE tracked_links (
            id uuid DEFAULT gen_random_uuid() NOT NULL,
            account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
            event_id uuid NOT NULL,
            token text NOT NULL,
            source text,
            promoter_id uuid,
            created_by uuid,
            created_at timestamptz DEFAULT now() NOT NULL,
            CONSTRAINT pk_tracked_links PRIMARY KEY (id),
            CONSTRAINT uq_tracked_links_account_id_id UNIQUE (account_id, id),
            CONSTRAINT fk_tracked_links_account_id_event_id_events FOREIGN KEY (account_id, event_id)
                REFERENCES events (account_id, id) ON DELETE CASCADE,
            CONSTRAINT fk_tracked_links_account_id_promoter_id_users FOREIGN KEY (account_id, promoter_id)
                REFERENCES users (account_id, id),
            CONSTRAINT fk_tracked_links_account_id_created_by_users FOREIGN KEY (account_id, created_by)
                REFERENCES users (account_id, id),
            CONSTRAINT ck_tracked_links_token CHECK (token ~ '^[a-z0-9]{{8,16}}$'),
            CONSTRAINT ck_tracked_links_source CHECK (source IS NULL OR source ~ {SOURCE}),
            CONSTRAINT ck_tracked_links_target CHECK (source IS NOT NULL OR promoter_id IS NOT NULL)
        )
        """
    )
    op.execute("CREATE UNIQUE INDEX uq_tracked_links_token ON tracked_links (account_id, token)")
    # One link per event, source and promoter: asking again gives the same URL.
    op.execute(
        "CREATE UNIQUE INDEX uq_tracked_links_target ON tracked_links (account_id, event_id, source, promoter_id) "
        "NULLS NOT DISTINCT"
    )
    op.execute("CREATE INDEX ix_tracked_links_promoter ON tracked_links (account_id, promoter_id)")
    op.execute("CREATE INDEX ix_tracked_links_created_by ON tracked_links (account_id, created_by)")
    isolate("tracked_links")
    op.execute("ALTER TABLE orders ADD COLUMN channel_source text, ADD COLUMN promoter_user_id uuid")
    op.execute(
        "ALTER TABLE orders ADD CONSTRAINT ck_orders_channel_source "
        f"CHECK (channel_source IS NULL OR channel_source ~ {SOURCE})"
    )
    op.execute(
        "ALTER TABLE orders ADD CONSTRAINT fk_orders_account_id_promoter_user_id_users "
        "FOREIGN KEY (account_id, promoter_user_id) REFERENCES users (account_id, id)"
    )
    op.execute(
        "CREATE INDEX ix_orders_promoter ON orders (account_id, promoter_user_id, event_id) "
        "WHERE promoter_user_id IS NOT NULL"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_orders_promoter")
    op.execute("ALTER TABLE orders DROP CONSTRAINT IF EXISTS fk_orders_account_id_promoter_user_id_users")
    op.execute("ALTER TABLE orders DROP CONSTRAINT IF EXISTS ck_orders_channel_source")
    op.execute("ALTER TABLE orders DROP COLUMN IF EXISTS promoter_user_id, DROP COLUMN IF EXISTS channel_source")
    op.execute("DROP TABLE IF EXISTS tracked_links")
