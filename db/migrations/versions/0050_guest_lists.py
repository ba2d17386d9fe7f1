"""Guest lists: lists and entries, guest admissions in check_ins, the promoter role, the guestlist interaction kind.

A guest-list admission is a check-in row naming the entry (`guest_entry_id`) and how many came in
(`party`); uq_check_ins_guest_admitted admits an entry at most once, as uq_check_ins_admitted does
for a ticket.

Revision ID: 0050
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from db.tenant_tables import isolate

revision = "0050"
down_revision = "0031"
branch_labels = None
depends_on = None

ROLES_BEFORE = "('owner', 'admin', 'organizer', 'sales', 'door')"
ROLES_AFTER = "('owner', 'admin', 'organizer', 'sales', 'promoter', 'door')"
KINDS_BEFORE = "('note', 'call', 'meeting', 'email', 'slack', 'purchase', 'refund', 'checkin', 'campaign')"
KINDS_AFTER = "('note', 'call', 'meeting', 'email', 'slack', 'purchase', 'refund', 'checkin', 'campaign', 'guestlist')"


def _tenant_fk(table: str, column: str, target: str, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["account_id", column], [f"{target}.account_id", f"{target}.id"],
        name=op.f(f"fk_{table}_account_id_{column}_{target}"), ondelete=ondelete,
    )


def _swap_check(table: str, name: str, condition: str) -> None:
    op.drop_constraint(op.f(name), table, type_="check")
    op.create_check_constraint(op.f(name), table, condition)


def upgrade() -> None:
    uuid = postgresql.UUID(as_uuid=True)
    op.create_table(
        "guest_lists",
        sa.Column("id", uuid, server_default=sa.text("gen_random_uuid()"), primary_key=True),
        sa.Column("account_id", uuid, sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("event_id", uuid, nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("promoter_id", uuid),
        sa.Column("cap", sa.Integer()),
        sa.Column("taken", sa.Integer(), server_default="0", nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True)),
        sa.Column("created_by", uuid),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("account_id", "id", name=op.f("uq_guest_lists_account_id_id")),
        _tenant_fk("guest_lists", "event_id", "events", "CASCADE"),
        _tenant_fk("guest_lists", "promoter_id", "users"),
        _tenant_fk("guest_lists", "created_by", "users"),
        sa.CheckConstraint("name ~ '^[a-z0-9]+(-[a-z0-9]+)*$'", name=op.f("ck_guest_lists_name")),
        sa.CheckConstraint("cap IS NULL OR cap >= 0", name=op.f("ck_guest_lists_cap")),
        sa.CheckConstraint("taken >= 0 AND (cap IS NULL OR taken <= cap)", name=op.f("ck_guest_lists_taken")),
    )
    op.create_index("uq_guest_lists_name", "guest_lists", ["account_id", "event_id", "name"], unique=True)
    op.create_index("ix_guest_lists_by_name", "guest_lists", ["account_id", "name"])

    op.create_table(
        "guest_entries",
        sa.Column("id", uuid, server_default=sa.text("gen_random_uuid()"), primary_key=True),
        sa.Column("account_id", uuid, sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("event_id", uuid, nullable=False),
        sa.Column("list_id", uuid, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("companions", sa.Integer(), server_default="0", nullable=False),
        sa.Column("email", sa.Text()),
        sa.Column("contact_id", uuid),
        sa.Column("note", sa.Text()),
        sa.Column("promoter_id", uuid),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("account_id", "id", name=op.f("uq_guest_entries_account_id_id")),
        _tenant_fk("guest_entries", "event_id", "events", "CASCADE"),
        _tenant_fk("guest_entries", "list_id", "guest_lists", "CASCADE"),
        _tenant_fk("guest_entries", "contact_id", "contacts"),
        _tenant_fk("guest_entries", "promoter_id", "users"),
        sa.CheckConstraint("companions BETWEEN 0 AND 20", name=op.f("ck_guest_entries_companions")),
    )
    op.create_index(
        "uq_guest_entries_name", "guest_entries", ["account_id", "event_id", sa.text("lower(name)")], unique=True
    )
    op.create_index(
        "ix_guest_entries_name_prefix", "guest_entries", ["account_id", "event_id", sa.text("lower(name) text_pattern_ops")]
    )
    op.create_index("ix_guest_entries_list", "guest_entries", ["account_id", "list_id"])
    op.create_index("ix_guest_entries_promoter", "guest_entries", ["account_id", "event_id", "promoter_id"])
    op.create_index("ix_guest_entries_contact", "guest_entries", ["account_id", "contact_id"])
    isolate("guest_lists", "guest_entries")

    op.add_column("check_ins", sa.Column("guest_entry_id", uuid))
    op.add_column("check_ins", sa.Column("party", sa.Integer()))
    op.create_foreign_key(
        op.f("fk_check_ins_account_id_guest_entry_id_guest_entries"), "check_ins", "guest_entries",
        ["account_id", "guest_entry_id"], ["account_id", "id"],
    )
    op.create_check_constraint(op.f("ck_check_ins_party"), "check_ins", "party IS NULL OR party > 0")
    op.create_index(
        "uq_check_ins_guest_admitted", "check_ins", ["guest_entry_id"], unique=True,
        postgresql_where=sa.text("result = 'admitted'"),
    )
    op.create_index(
        "ix_check_ins_guest", "check_ins", ["account_id", "guest_entry_id"],
        postgresql_where=sa.text("guest_entry_id IS NOT NULL"),
    )

    _swap_check("users", "ck_users_role", f"role IN {ROLES_AFTER}")
    _swap_check("accounts", "ck_accounts_default_role", f"default_role IN {ROLES_AFTER}")
    _swap_check("interactions", "ck_interactions_kind", f"kind IN {KINDS_AFTER}")


def downgrade() -> None:
    op.execute("DELETE FROM interactions WHERE kind = 'guestlist'")
    op.execute("UPDATE users SET role = 'sales' WHERE role = 'promoter'")
    op.execute("UPDATE accounts SET default_role = 'sales' WHERE default_role = 'promoter'")
    _swap_check("interactions", "ck_interactions_kind", f"kind IN {KINDS_BEFORE}")
    _swap_check("accounts", "ck_accounts_default_role", f"default_role IN {ROLES_BEFORE}")
    _swap_check("users", "ck_users_role", f"role IN {ROLES_BEFORE}")
    op.execute("DELETE FROM check_ins WHERE guest_entry_id IS NOT NULL")
    op.drop_index("ix_check_ins_guest", table_name="check_ins")
    op.drop_index("uq_check_ins_guest_admitted", table_name="check_ins")
    op.drop_constraint(op.f("ck_check_ins_party"), "check_ins", type_="check")
    op.drop_constraint(op.f("fk_check_ins_account_id_guest_entry_id_guest_entries"), "check_ins", type_="foreignkey")
    op.drop_column("check_ins", "party")
    op.drop_column("check_ins", "guest_entry_id")
    op.drop_table("guest_entries")
    op.drop_table("guest_lists")
