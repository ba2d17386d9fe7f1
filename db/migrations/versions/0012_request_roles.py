"""Request roles that hold even when a query goes wrong (docs/security.md).

- Nobody but the owner creates temporary objects in this database (PUBLIC loses TEMPORARY).
- Slack's installation tables belong to a role of their own, `eventos_slack`, which only the
  installation store's login may become; the app and system roles lose every grant on them, and
  the app role loses `slack_deliveries` (the system role records deliveries).
- The app role may update only the account columns `/eventos setup` changes.
- Functions run with a fixed search_path and are not executable by PUBLIC; the order trigger adds
  the lines itself instead of through a function anyone could call.
- Policies read the tenant once per statement: `(SELECT …)` is an InitPlan, not a call per row.
- `contact_search` is a security barrier: a caller's condition (a cast that fails, a function that
  reports its argument) runs only on rows the view's own tenant filter let through. The prefix and
  word tiers, whose operators are not leakproof and so could not reach their indexes through a
  barrier, are functions owned by `eventos_search` that filter the tenant themselves.
- The system role no longer reads ticket codes: `ticket_account(code)` answers which account a
  code belongs to, one code at a time, so a system transaction cannot list every tenant's tickets.
- The system role may read the migration head, for readiness.

Revision ID: 0012
Revises: 0011
"""

from alembic import op
from sqlalchemy import text

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

APP = "eventos_app"
SYSTEM = "eventos_system"
SEARCH = "eventos_search"
SLACK = "eventos_slack"
PER_ROW = "NULLIF(current_setting('app.account_id', true), '')::uuid"
PER_STATEMENT = f"(SELECT {PER_ROW})"

SLACK_TABLES = ("slack_installations", "slack_bots", "slack_oauth_states")
SETUP_COLUMNS = "timezone, currency, sales_channel, default_role"
SEARCH_COLUMNS = "id, account_id, email, first_name, last_name, company_name, search"
SEARCH_ROW = "id uuid, email text, first_name text, last_name text, company_name text"
PINNED = "SET search_path = pg_catalog, public"

ON_ORDER = f"""
CREATE OR REPLACE FUNCTION product_sales_on_order() RETURNS trigger LANGUAGE plpgsql {PINNED} AS $$
DECLARE
    direction integer := CASE WHEN NEW.status = 'paid' THEN 1 ELSE -1 END;
BEGIN
    -- Rows in product order, so two orders with the same ticket types lock them in one order.
    INSERT INTO product_sales AS s (account_id, product_id, paid_seats, revenue_cents)
    SELECT account_id, product_id, direction * sum(quantity), direction * sum(quantity::bigint * unit_price_cents)
    FROM order_lines WHERE account_id = NEW.account_id AND order_id = NEW.id
    GROUP BY account_id, product_id ORDER BY product_id
    ON CONFLICT (account_id, product_id) DO UPDATE
    SET paid_seats = s.paid_seats + excluded.paid_seats, revenue_cents = s.revenue_cents + excluded.revenue_cents;
    RETURN NULL;
END $$
"""
APPLY_0010 = """
CREATE FUNCTION product_sales_apply(p_account uuid, p_order uuid, p_sign integer) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO product_sales AS s (account_id, product_id, paid_seats, revenue_cents)
    SELECT account_id, product_id, p_sign * sum(quantity), p_sign * sum(quantity::bigint * unit_price_cents)
    FROM order_lines WHERE account_id = p_account AND order_id = p_order
    GROUP BY account_id, product_id ORDER BY product_id
    ON CONFLICT (account_id, product_id) DO UPDATE
    SET paid_seats = s.paid_seats + excluded.paid_seats, revenue_cents = s.revenue_cents + excluded.revenue_cents
$$
"""
ON_ORDER_0010 = """
CREATE OR REPLACE FUNCTION product_sales_on_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM product_sales_apply(NEW.account_id, NEW.id, CASE WHEN NEW.status = 'paid' THEN 1 ELSE -1 END);
    RETURN NULL;
END $$
"""

# The key each prefix tier orders by: the expression of its text_pattern_ops index (0001).
PREFIX = f"""
CREATE FUNCTION contact_search_prefix(field text, low text, high text, max_rows integer)
RETURNS TABLE ({SEARCH_ROW}, key text)
LANGUAGE plpgsql STABLE SECURITY DEFINER {PINNED} AS $$
DECLARE
    key text := CASE field WHEN 'email' THEN 'c.email' WHEN 'first_name' THEN 'lower(c.first_name)'
                           WHEN 'last_name' THEN 'lower(c.last_name)' END;
BEGIN
    IF key IS NULL THEN
        RAISE EXCEPTION 'contact_search_prefix: unknown field %', field USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY EXECUTE format(
        'SELECT c.id, c.email, c.first_name, c.last_name, c.company_name, %1$s FROM contacts c
         WHERE c.account_id = $1 AND c.merged_into_id IS NULL AND %1$s ~>=~ $2 %2$s
         ORDER BY %1$s USING ~<~ LIMIT $4',
        key, CASE WHEN high IS NULL THEN '' ELSE format('AND %s ~<~ $3', key) END)
    USING {PER_ROW}, low, high, max_rows;
END $$
"""
# EXECUTE plans with the query's value, as the caller's own statement was: with a parameter instead,
# the planner cannot tell a rare word from a common one and reads the whole account.
WORDS = f"""
CREATE FUNCTION contact_search_words(query text, max_rows integer)
RETURNS TABLE ({SEARCH_ROW}, rank real)
LANGUAGE plpgsql STABLE SECURITY DEFINER {PINNED} AS $$
BEGIN
    RETURN QUERY EXECUTE
        'SELECT c.id, c.email, c.first_name, c.last_name, c.company_name, ts_rank(c.search, q.q)
         FROM contacts c, (SELECT to_tsquery(''simple'', $2) AS q) q
         WHERE c.account_id = $1 AND c.merged_into_id IS NULL AND c.search @@ q.q
         ORDER BY 6 DESC, c.email LIMIT $3'
    USING {PER_ROW}, query, max_rows;
END $$
"""
TICKET_ACCOUNT = f"""
CREATE FUNCTION ticket_account(ticket_code text) RETURNS uuid
LANGUAGE sql STABLE SECURITY DEFINER {PINNED} AS $$
    SELECT account_id FROM tickets WHERE code = ticket_code
$$
"""
DEFINED_BY_SEARCH = (
    "contact_search_prefix(text, text, text, integer)", "contact_search_words(text, integer)", "ticket_account(text)",
)


def _tenant_policies() -> list[str]:
    rows = op.get_bind().execute(text(
        "SELECT tablename FROM pg_policies WHERE schemaname = 'public' AND policyname = 'tenant_isolation' ORDER BY 1"
    ))
    return [row.tablename for row in rows]


def _set_policies(current_account: str) -> None:
    for table in _tenant_policies():
        column = "id" if table == "accounts" else "account_id"
        op.execute(
            f"ALTER POLICY tenant_isolation ON {table} "
            f"USING ({column} = {current_account}) WITH CHECK ({column} = {current_account})"
        )


def _on_database(statement: str) -> None:
    op.execute(f"DO $$ BEGIN EXECUTE format('{statement}', current_database()); END $$")


def _contact_search_view(options: str, current_account: str) -> None:
    op.execute("DROP VIEW contact_search")
    op.execute(
        f"""CREATE VIEW contact_search WITH ({options}) AS
            SELECT {SEARCH_COLUMNS} FROM contacts
            WHERE account_id = {current_account} AND merged_into_id IS NULL"""
    )


def _owned_by_search(*statements: str) -> None:
    # Changing the owner needs CREATE on the schema for the new owner, only for that moment.
    op.execute(f"GRANT CREATE ON SCHEMA public TO {SEARCH}")
    for statement in statements:
        op.execute(statement)
    op.execute(f"REVOKE CREATE ON SCHEMA public FROM {SEARCH}")


def upgrade() -> None:
    # Temporary objects: a no-op (with a warning) unless the owner owns the database; the
    # server's reset on return drops any all the same (docs/security.md).
    _on_database("REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC")
    op.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")

    op.execute(
        f"""DO $$ BEGIN
              CREATE ROLE {SLACK} NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
            EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
            END $$"""
    )
    op.execute(f"GRANT USAGE ON SCHEMA public TO {SLACK}")
    for table in SLACK_TABLES:
        op.execute(f"REVOKE ALL ON {table} FROM {APP}, {SYSTEM}")
        op.execute(f"REVOKE ALL ON SEQUENCE {table}_id_seq FROM {APP}, {SYSTEM}")
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {SLACK}")
        op.execute(f"GRANT USAGE ON SEQUENCE {table}_id_seq TO {SLACK}")
    op.execute(f"REVOKE ALL ON slack_deliveries FROM {APP}")

    op.execute(f"REVOKE UPDATE ON accounts FROM {APP}")
    op.execute(f"GRANT UPDATE ({SETUP_COLUMNS}) ON accounts TO {APP}")

    op.execute(ON_ORDER)
    op.execute("DROP FUNCTION product_sales_apply(uuid, uuid, integer)")
    op.execute(f"ALTER FUNCTION product_sales_on_line() {PINNED}")
    op.execute("REVOKE EXECUTE ON FUNCTION product_sales_on_order(), product_sales_on_line() FROM PUBLIC")
    op.execute("ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC")

    _set_policies(PER_STATEMENT)

    _contact_search_view("security_invoker = false, security_barrier = true", PER_STATEMENT)
    op.execute(f"GRANT SELECT (account_id, code) ON tickets TO {SEARCH}")
    op.execute(f"REVOKE SELECT (account_id, code) ON tickets FROM {SYSTEM}")
    op.execute(f"CREATE POLICY ticket_routing ON tickets FOR SELECT TO {SEARCH} USING (true)")
    for function in (PREFIX, WORDS, TICKET_ACCOUNT):
        op.execute(function)
    _owned_by_search(
        f"ALTER VIEW contact_search OWNER TO {SEARCH}",
        *(f"ALTER FUNCTION {function} OWNER TO {SEARCH}" for function in DEFINED_BY_SEARCH),
    )
    for function in DEFINED_BY_SEARCH:
        op.execute(f"REVOKE EXECUTE ON FUNCTION {function} FROM PUBLIC")
    op.execute(f"GRANT SELECT ON contact_search TO {APP}")
    op.execute(f"GRANT EXECUTE ON FUNCTION {DEFINED_BY_SEARCH[0]}, {DEFINED_BY_SEARCH[1]} TO {APP}")
    op.execute(f"GRANT EXECUTE ON FUNCTION {DEFINED_BY_SEARCH[2]} TO {SYSTEM}")

    op.execute(f"GRANT SELECT ON alembic_version TO {SYSTEM}")


def downgrade() -> None:
    op.execute(f"REVOKE SELECT ON alembic_version FROM {SYSTEM}")

    for function in DEFINED_BY_SEARCH:
        op.execute(f"DROP FUNCTION {function}")
    op.execute("DROP POLICY ticket_routing ON tickets")
    op.execute(f"REVOKE SELECT (account_id, code) ON tickets FROM {SEARCH}")
    op.execute(f"GRANT SELECT (account_id, code) ON tickets TO {SYSTEM}")
    _contact_search_view("security_invoker = false, security_barrier = false", PER_ROW)
    _owned_by_search(f"ALTER VIEW contact_search OWNER TO {SEARCH}")
    op.execute(f"GRANT SELECT ON contact_search TO {APP}")

    _set_policies(PER_ROW)

    op.execute("ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON FUNCTIONS TO PUBLIC")
    op.execute("GRANT EXECUTE ON FUNCTION product_sales_on_order(), product_sales_on_line() TO PUBLIC")
    op.execute("ALTER FUNCTION product_sales_on_line() RESET search_path")
    op.execute(APPLY_0010)
    op.execute(ON_ORDER_0010)

    op.execute(f"REVOKE UPDATE ({SETUP_COLUMNS}) ON accounts FROM {APP}")
    op.execute(f"GRANT UPDATE ON accounts TO {APP}")

    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON slack_deliveries TO {APP}")
    for table in SLACK_TABLES:
        op.execute(f"REVOKE ALL ON {table} FROM {SLACK}")
        op.execute(f"REVOKE ALL ON SEQUENCE {table}_id_seq FROM {SLACK}")
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP}, {SYSTEM}")
        op.execute(f"GRANT USAGE ON SEQUENCE {table}_id_seq TO {APP}, {SYSTEM}")
    op.execute(f"REVOKE USAGE ON SCHEMA public FROM {SLACK}")

    _on_database("GRANT TEMPORARY ON DATABASE %I TO PUBLIC")
