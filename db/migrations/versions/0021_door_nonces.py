"""Check-in nonces are unique per door token and carry a hash of the scan they answered.

Before, a nonce was unique per account: a second door of the account reusing it, or the same door
reusing it for another code, was handed the first scan's stored answer. Now the key is
(account, door token, nonce), and `scan_hash` (SHA-256 of the code and offline time) tells a retry
of the same scan from a reuse for another, which is refused. Rows written before have no hash: a
reuse of their nonce is refused too (a retry in flight across the upgrade is asked to scan again).

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("check_ins", sa.Column("scan_hash", sa.String(length=64), nullable=True))
    op.create_index(
        "uq_check_ins_door_nonce", "check_ins", ["account_id", "door_token_id", "nonce"], unique=True,
        postgresql_where=sa.text("nonce IS NOT NULL"),
    )
    op.drop_index("uq_check_ins_nonce", table_name="check_ins", postgresql_where=sa.text("nonce IS NOT NULL"))
    op.create_check_constraint(op.f("ck_check_ins_nonce_needs_door"), "check_ins", "nonce IS NULL OR door_token_id IS NOT NULL")


def downgrade() -> None:
    op.drop_constraint(op.f("ck_check_ins_nonce_needs_door"), "check_ins", type_="check")
    op.create_index(
        "uq_check_ins_nonce", "check_ins", ["account_id", "nonce"], unique=True, postgresql_where=sa.text("nonce IS NOT NULL"),
    )
    op.drop_index("uq_check_ins_door_nonce", table_name="check_ins", postgresql_where=sa.text("nonce IS NOT NULL"))
    op.drop_column("check_ins", "scan_hash")
