"""Promo codes: a discount or an unlock per code, limited to ticket types, with a use limit; hidden ticket types.

Revision ID: 0060
Revises: 0050
"""

from alembic import op

from db.tenant_tables import isolate

revision = "0060"
down_revision = "0050"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE promo_codes (
            id uuid DEFAULT gen_random_uuid() NOT NULL,
            account_id uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
            event_id uuid NOT NULL,
            code text NOT NULL,
            percent_off integer,
            amount_off_cents integer,
            max_uses integer,
            used integer DEFAULT 0 NOT NULL,
            ends_at timestamptz,
            ended_at timestamptz,
            created_by uuid,
            created_at timestamptz DEFAULT now() NOT NULL,
            CONSTRAINT pk_promo_codes PRIMARY KEY (id),
            CONSTRAINT uq_promo_codes_account_id_id UNIQUE (account_id, id),
            CONSTRAINT fk_promo_codes_account_id_event_id_events FOREIGN KEY (account_id, event_id)
                REFERENCES events (account_id, id) ON DELETE CASCADE,
            CONSTRAINT fk_promo_codes_account_id_created_by_users FOREIGN KEY (account_id, created_by)
                REFERENCES users (account_id, id),
            CONSTRAINT ck_promo_codes_code CHECK (code = upper(code) AND length(code) BETWEEN 1 AND 40),
            CONSTRAINT ck_promo_codes_percent_off CHECK (percent_off IS NULL OR percent_off BETWEEN 1 AND 100),
            CONSTRAINT ck_promo_codes_amount_off CHECK (amount_off_cents IS NULL OR amount_off_cents > 0),
            CONSTRAINT ck_promo_codes_one_discount CHECK (percent_off IS NULL OR amount_off_cents IS NULL),
            CONSTRAINT ck_promo_codes_max_uses CHECK (max_uses IS NULL OR max_uses > 0),
            CONSTRAINT ck_promo_codes_used CHECK (used >= 0 AND (max_uses IS NULL OR used <= max_uses))
        )
        """
    )
    op.execute("CREATE UNIQUE INDEX uq_promo_codes_code ON promo_codes (account_id, code)")
    op.execute("CREATE INDEX ix_promo_codes_event ON promo_codes (account_id, event_id)")
    op.execute("CREATE INDEX ix_promo_codes_created_by ON promo_codes (account_id, created_by)")
    op.execute(
        """
        CREATE TABLE promo_code_products (
            account_id uuid NOT NULL,
            promo_code_id uuid NOT NULL,
            product_id uuid NOT NULL,
            CONSTRAINT pk_promo_code_products PRIMARY KEY (account_id, promo_code_id, product_id),
            CONSTRAINT fk_promo_code_products_account_id_promo_code_id_promo_codes
                FOREIGN KEY (account_id, promo_code_id) REFERENCES promo_codes (account_id, id) ON DELETE CASCADE,
            CONSTRAINT fk_promo_code_products_account_id_product_id_products
                FOREIGN KEY (account_id, product_id) REFERENCES products (account_id, id) ON DELETE CASCADE
        )
        """
    )
    op.execute("CREATE INDEX ix_promo_code_products_product ON promo_code_products (account_id, product_id)")
    isolate("promo_codes", "promo_code_products")
    op.execute("ALTER TABLE products ADD COLUMN hidden boolean DEFAULT false NOT NULL")
    op.execute("ALTER TABLE order_lines ADD COLUMN promo_code_id uuid, ADD COLUMN list_unit_price_cents integer")
    op.execute(
        "ALTER TABLE order_lines ADD CONSTRAINT fk_order_lines_account_id_promo_code_id_promo_codes "
        "FOREIGN KEY (account_id, promo_code_id) REFERENCES promo_codes (account_id, id)"
    )
    op.execute(
        "ALTER TABLE order_lines ADD CONSTRAINT ck_order_lines_list_price "
        "CHECK (list_unit_price_cents IS NULL OR list_unit_price_cents >= unit_price_cents)"
    )
    op.execute(
        "CREATE INDEX ix_order_lines_promo_code ON order_lines (account_id, promo_code_id) "
        "WHERE promo_code_id IS NOT NULL"
    )


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_order_lines_promo_code")
    op.execute("ALTER TABLE order_lines DROP CONSTRAINT IF EXISTS ck_order_lines_list_price")
    op.execute("ALTER TABLE order_lines DROP CONSTRAINT IF EXISTS fk_order_lines_account_id_promo_code_id_promo_codes")
    op.execute("ALTER TABLE order_lines DROP COLUMN IF EXISTS list_unit_price_cents, DROP COLUMN IF EXISTS promo_code_id")
    op.execute("ALTER TABLE products DROP COLUMN IF EXISTS hidden")
    op.execute("DROP TABLE IF EXISTS promo_code_products")
    op.execute("DROP TABLE IF EXISTS promo_codes")
