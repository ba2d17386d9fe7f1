"""Contact search: a tenant-filtered view so the app role can use the prefix and GIN indexes.

Under forced RLS the planner may only use a query's condition as an index condition when it is
leakproof: `lower(first_name) LIKE 'ann%'` (lower, textlike) and `search @@ query` (ts_match_vq)
are not, so for the app role every name prefix or full-text search became a scan of all the
account's contacts. This view is owned by a NOLOGIN role whose policy passes every row and
filters on the same tenant setting the policies use, so its conditions and the caller's sit at
one level and the indexes of 0001 serve them. It exposes the search columns of live contacts,
nothing else, and the app role may only read it.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

APP = "eventos_app"
SEARCH = "eventos_search"
CURRENT_ACCOUNT = "NULLIF(current_setting('app.account_id', true), '')::uuid"
COLUMNS = "id, account_id, email, first_name, last_name, company_name, search"


def upgrade() -> None:
    # Roles are cluster-wide; another database on the server may have made it already.
    op.execute(
        f"""DO $$ BEGIN
              CREATE ROLE {SEARCH} NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
            EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
            END $$"""
    )
    op.execute(f"GRANT {SEARCH} TO current_user")
    op.execute(f"GRANT USAGE ON SCHEMA public TO {SEARCH}")
    op.execute(f"GRANT SELECT ({COLUMNS}, merged_into_id) ON contacts TO {SEARCH}")
    op.execute(f"CREATE POLICY search_view ON contacts TO {SEARCH} USING (true)")
    op.execute(
        f"""CREATE VIEW contact_search WITH (security_invoker = false, security_barrier = false) AS
            SELECT {COLUMNS} FROM contacts
            WHERE account_id = {CURRENT_ACCOUNT} AND merged_into_id IS NULL"""
    )
    # Changing the owner needs CREATE on the schema for the new owner, only for that moment.
    op.execute(f"GRANT CREATE ON SCHEMA public TO {SEARCH}")
    op.execute(f"ALTER VIEW contact_search OWNER TO {SEARCH}")
    op.execute(f"REVOKE CREATE ON SCHEMA public FROM {SEARCH}")
    op.execute(f"GRANT SELECT ON contact_search TO {APP}")


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS contact_search")
    op.execute("DROP POLICY IF EXISTS search_view ON contacts")
    op.execute(f"REVOKE ALL ON contacts FROM {SEARCH}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {SEARCH}")
