"""Demo data: the demo records its promo code and tracked link too.

Revision ID: 0090
Revises: 0085
"""

from alembic import op

revision = "0090"
down_revision = "0085"
branch_labels = None
depends_on = None

BEFORE = "('venue', 'event', 'contact', 'company', 'campaign', 'digest_subscription', 'interaction')"
AFTER = (
    "('venue', 'event', 'contact', 'company', 'campaign', 'digest_subscription', 'interaction', "
    "'promo_code', 'tracked_link')"
)


def upgrade() -> None:
    op.execute("ALTER TABLE demo_rows DROP CONSTRAINT ck_demo_rows_kind")
    op.execute(f"ALTER TABLE demo_rows ADD CONSTRAINT ck_demo_rows_kind CHECK (kind IN {AFTER})")


def downgrade() -> None:
    op.execute("DELETE FROM demo_rows WHERE kind IN ('promo_code', 'tracked_link')")
    op.execute("ALTER TABLE demo_rows DROP CONSTRAINT ck_demo_rows_kind")
    op.execute(f"ALTER TABLE demo_rows ADD CONSTRAINT ck_demo_rows_kind CHECK (kind IN {BEFORE})")
