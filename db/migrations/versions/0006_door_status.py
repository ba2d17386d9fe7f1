"""Door status: the system role may find events with open doors and recent check-ins, and claim them.

The live door status job runs before any tenant is known, so it needs to see, across accounts,
an event's window and throttle stamp and whether check-ins arrived lately: only those columns.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SYSTEM = "eventos_system"


def upgrade() -> None:
    op.execute(
        f"GRANT SELECT (id, account_id, status, starts_at, ends_at, door_status_posted_at) ON events TO {SYSTEM}"
    )
    op.execute(f"GRANT UPDATE (door_status_posted_at) ON events TO {SYSTEM}")
    op.execute(f"CREATE POLICY system_routing ON events TO {SYSTEM} USING (true) WITH CHECK (true)")
    op.execute(f"GRANT SELECT (account_id, event_id, created_at) ON check_ins TO {SYSTEM}")
    op.execute(f"CREATE POLICY system_routing ON check_ins TO {SYSTEM} USING (true)")
    # The job's scan: published events by start time, across accounts.
    op.execute("CREATE INDEX ix_events_door_window ON events (starts_at) WHERE status = 'published'")


def downgrade() -> None:
    op.execute("DROP INDEX IF EXISTS ix_events_door_window")
    op.execute("DROP POLICY IF EXISTS system_routing ON check_ins")
    op.execute(f"REVOKE SELECT (account_id, event_id, created_at) ON check_ins FROM {SYSTEM}")
    op.execute("DROP POLICY IF EXISTS system_routing ON events")
    op.execute(f"REVOKE UPDATE (door_status_posted_at) ON events FROM {SYSTEM}")
    op.execute(
        f"REVOKE SELECT (id, account_id, status, starts_at, ends_at, door_status_posted_at) ON events FROM {SYSTEM}"
    )
