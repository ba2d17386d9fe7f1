"""For migrations: make a new table a tenant table, the way every tenant table since 0031 is made.

The app role may read and write it, and row-level security (forced, so the owner too) admits only
the rows of the account the unit of work set in `app.account_id`. Applied migrations call this, so
what it emits must never change: a later rule for tenant tables is a migration of its own.
"""

from alembic import op

from db.roles import APP_ROLE

# The tenant, read once per statement: `(SELECT …)` is an InitPlan, not a call per row (migration 0012).
CURRENT_ACCOUNT = "(SELECT NULLIF(current_setting('app.account_id', true), '')::uuid)"


def isolate(*tables: str) -> None:
    """Grant the app role `tables` and confine it to its account's rows of each."""
    for table in tables:
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE}")
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY tenant_isolation ON {table} TO {APP_ROLE} "
            f"USING (account_id = {CURRENT_ACCOUNT}) WITH CHECK (account_id = {CURRENT_ACCOUNT})"
        )
