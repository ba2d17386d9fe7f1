"""Signed Slack requests already answered, so an exact replay within its five minutes does nothing.

Slack's signing scheme has no nonce: a captured request verifies again until its timestamp is five
minutes old. The signature (an HMAC over timestamp and body) names the request exactly; its primary
key lets one copy through under any concurrency. Rows are forgotten after a day by the ticker.

Revision ID: 0020
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0014"
branch_labels = None
depends_on = None

ROLES = "eventos_app, eventos_system"


def upgrade() -> None:
    op.create_table(
        "slack_request_signatures",
        sa.Column("signature", sa.String(length=80), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("signature", name=op.f("pk_slack_request_signatures")),
    )
    op.create_index("ix_slack_request_signatures_received", "slack_request_signatures", ["received_at"])
    op.execute(f"GRANT SELECT, INSERT, DELETE ON slack_request_signatures TO {ROLES}")


def downgrade() -> None:
    op.drop_table("slack_request_signatures")
