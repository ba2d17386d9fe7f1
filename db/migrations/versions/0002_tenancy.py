"""Tenancy: the app and system roles, their grants, and forced row-level security.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

APP = "eventos_app"
SYSTEM = "eventos_system"
CURRENT_ACCOUNT = "NULLIF(current_setting('app.account_id', true), '')::uuid"

TENANT_TABLES = (
    "users", "venues", "events", "products", "companies", "contacts", "consent_changes",
    "interactions", "contact_threads", "orders", "order_lines", "payments", "attendees",
    "tickets", "processed_webhooks", "door_tokens", "check_ins", "campaigns",
    "campaign_recipients", "event_analytics", "analytics_watermarks", "digest_subscriptions",
    "digest_runs", "outbox",
)
# Read before any tenant is known (Slack installs, retried deliveries): no tenant data in them.
GLOBAL_TABLES = ("slack_installations", "slack_bots", "slack_oauth_states", "slack_deliveries")

# The system role's whole world: the columns that resolve a tenant or claim due work.
SYSTEM_GRANTS = {
    "accounts": (
        "SELECT (id, name, slack_team_id, slack_enterprise_id, status, timezone, currency, default_role), "
        "INSERT (name, slack_team_id, slack_enterprise_id, timezone, currency, default_role, status), "
        "UPDATE (name, status, deactivated_at)"
    ),
    "campaigns": "SELECT (id, account_id, status, scheduled_at, claimed_until), UPDATE (claimed_until)",
    "digest_subscriptions": "SELECT (id, account_id, active, next_run_at, claimed_until), UPDATE (claimed_until)",
    "outbox": "SELECT (id, account_id, status, next_attempt_at, claimed_until), UPDATE (claimed_until)",
    "orders": "SELECT (id, account_id, status, expires_at)",
    "tickets": "SELECT (account_id, code)",
    "door_tokens": "SELECT (id, account_id, event_id, token_hash, revoked_at)",
}


def _create_role(name: str) -> None:
    # Roles are cluster-wide; another database on the server may have made it already.
    op.execute(
        f"""DO $$ BEGIN
              CREATE ROLE {name} NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
            EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
            END $$"""
    )
    op.execute(f"GRANT {name} TO current_user")


def upgrade() -> None:
    _create_role(APP)
    _create_role(SYSTEM)
    for role in (APP, SYSTEM):
        op.execute(f"GRANT USAGE ON SCHEMA public TO {role}")

    for table in TENANT_TABLES:
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP}")
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} TO {APP} "
            f"USING (account_id = {CURRENT_ACCOUNT}) WITH CHECK (account_id = {CURRENT_ACCOUNT})"
        )

    op.execute(f"GRANT SELECT, UPDATE ON accounts TO {APP}")
    op.execute("ALTER TABLE accounts ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE accounts FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON accounts TO {APP} "
        f"USING (id = {CURRENT_ACCOUNT}) WITH CHECK (id = {CURRENT_ACCOUNT})"
    )

    for table, grants in SYSTEM_GRANTS.items():
        for grant in grants.split("), "):
            op.execute(f"GRANT {grant.rstrip(')')}) ON {table} TO {SYSTEM}")
        op.execute(f"CREATE POLICY system_routing ON {table} TO {SYSTEM} USING (true) WITH CHECK (true)")

    for table in GLOBAL_TABLES:
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP}, {SYSTEM}")
    op.execute(f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {APP}, {SYSTEM}")


def downgrade() -> None:
    for table in (*TENANT_TABLES, "accounts"):
        op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
        op.execute(f"DROP POLICY IF EXISTS system_routing ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    for role in (APP, SYSTEM):
        op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}")
        op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {role}")
        op.execute(f"REVOKE USAGE ON SCHEMA public FROM {role}")
