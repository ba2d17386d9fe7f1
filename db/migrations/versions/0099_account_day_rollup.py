"""Per-account, per-day rollups beside event_analytics, so a digest reads tens of rows, not every event-day.

- `account_day_sales`: one row per account, local day and currency: orders, tickets, refunds,
  revenue and refunds in cents. Counts go by the order's (a refund: the payment's) currency; a
  digest adds the currencies' counts together, never their amounts.
- `account_day_sources`: the day's paid sales by channel, tracked link source, promoter and
  currency (one row each: a unique index, NULLS NOT DISTINCT).

"Day" is each event's own calendar day, as in event_analytics. The rollup
(core/digests/analytics.py) recomputes both for every day it touches. Every account's watermark is
deleted so that its next run rebuilds all its days, into the new tables too.

Revision ID: 0099
Revises: 0098
"""

from alembic import op

from db.data_migrations import every_row_visible
from db.tenant_tables import isolate

revision = "0099"
down_revision = "0098"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE account_day_sales (
            account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
            day date NOT NULL,
            currency varchar(3) NOT NULL,
            orders integer DEFAULT 0 NOT NULL,
            tickets_sold integer DEFAULT 0 NOT NULL,
            refunds integer DEFAULT 0 NOT NULL,
            revenue_cents bigint DEFAULT 0 NOT NULL,
            refunded_cents bigint DEFAULT 0 NOT NULL,
            updated_at timestamptz DEFAULT now() NOT NULL,
            CONSTRAINT pk_account_day_sales PRIMARY KEY (account_id, day, currency)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE account_day_sources (
            id uuid DEFAULT gen_random_uuid() NOT NULL,
            account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
            day date NOT NULL,
            source text NOT NULL,
            channel_source text,
            promoter_user_id uuid,
            currency varchar(3) NOT NULL,
            orders integer DEFAULT 0 NOT NULL,
            tickets integer DEFAULT 0 NOT NULL,
            cents bigint DEFAULT 0 NOT NULL,
            updated_at timestamptz DEFAULT now() NOT NULL,
            CONSTRAINT pk_account_day_sources PRIMARY KEY (id),
            CONSTRAINT uq_account_day_sources_account_id_id UNIQUE (account_id, id),
            CONSTRAINT fk_account_day_sources_account_id_promoter_user_id_users FOREIGN KEY (account_id, promoter_user_id)
                REFERENCES users (account_id, id)
        )
        """
    )
    op.execute(
        "CREATE UNIQUE INDEX uq_account_day_sources_group ON account_day_sources "
        "(account_id, day, source, channel_source, promoter_user_id, currency) NULLS NOT DISTINCT"
    )
    op.execute(
        "CREATE INDEX ix_account_day_sources_promoter ON account_day_sources (account_id, promoter_user_id) "
        "WHERE promoter_user_id IS NOT NULL"
    )
    isolate("account_day_sales", "account_day_sources")
    with every_row_visible("analytics_watermarks"):
        op.execute("DELETE FROM analytics_watermarks")


def downgrade() -> None:
    op.execute("DROP TABLE IF EXISTS account_day_sources")
    op.execute("DROP TABLE IF EXISTS account_day_sales")
