"""Indexes under the foreign keys that had none on the referencing side.

Deleting or merging a referenced row (a contact, a user, a venue, a door token) checks every
referencing table; without an index each check reads the account's whole table, under the lock of
the delete. The nullable references are indexed only where set: smaller, and still what the check
(`… = $1`, never NULL) and the joins use.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

# (table, referencing column, nullable)
REFERENCES = (
    ("attendees", "product_id", False),
    ("campaign_recipients", "contact_id", False),
    ("contact_threads", "contact_id", False),
    ("campaigns", "event_id", True),
    ("campaigns", "created_by", True),
    ("check_ins", "door_token_id", True),
    ("check_ins", "user_id", True),
    ("consent_changes", "user_id", True),
    ("contacts", "merged_into_id", True),
    ("digest_subscriptions", "created_by", True),
    ("door_tokens", "created_by", True),
    ("events", "venue_id", True),
    ("events", "created_by", True),
    ("interactions", "user_id", True),
    ("orders", "created_by", True),
)


def _name(table: str, column: str) -> str:
    return f"ix_{table}_{column.removesuffix('_id')}_fk"


def upgrade() -> None:
    for table, column, nullable in REFERENCES:
        where = sa.text(f"{column} IS NOT NULL") if nullable else None
        op.create_index(_name(table, column), table, ["account_id", column], postgresql_where=where)


def downgrade() -> None:
    for table, column, _ in REFERENCES:
        op.drop_index(_name(table, column), table_name=table)
