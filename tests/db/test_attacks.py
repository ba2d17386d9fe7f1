"""The audit: arbitrary SQL on the server's own login, in a tenant's transaction, tries every escape.

What an injection or a careless raw statement would get is exactly what these statements get: the
server's pool (the `db` fixture connects as `eventos migrate`'s narrow server login), a unit of
work of tenant A, and any SQL at all. Each escape must be refused or see nothing of tenant B.
docs/security.md lists them, and the one that cannot be closed (a transaction's own set_config).
"""

import contextlib
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from db import logins
from db.models import Base
from db.session import Database
from tests.conftest import SECRET_KEY
from tests.support.graph import seed_graph

SLACK_TABLES = ("slack_installations", "slack_bots", "slack_oauth_states")
GLOBAL_TABLES = {"accounts", *SLACK_TABLES, "slack_deliveries", "slack_request_signatures"}
TENANT_TABLES = sorted(set(Base.metadata.tables) - GLOBAL_TABLES)
REFUSED = "permission denied|must be owner|must be superuser|must have admin option|must be able to SET ROLE"


@pytest.fixture(scope="module")
async def two_tenants(owner_engine):
    a, b = uuid.uuid4(), uuid.uuid4()
    async with owner_engine.begin() as connection:
        await seed_graph(connection, a, a.hex[:8])
        await seed_graph(connection, b, b.hex[:8])
        for team in (a, b):
            await connection.execute(text(
                "INSERT INTO slack_installations (client_id, app_id, team_id, user_id, bot_token, is_enterprise_install,"
                " installed_at) VALUES ('cid', 'A1', :team, 'U1', 'ciphertext', false, now())"
            ), {"team": f"T{team.hex[:8]}"})
    return a, b


async def refused(db: Database, account: uuid.UUID, *statements: str) -> None:
    """Run `statements` in the account's unit of work; the last must be refused by the database."""
    with pytest.raises(DBAPIError, match=REFUSED):
        async with db.tenant(account) as session:
            for statement in statements:
                await session.execute(text(statement))


async def test_the_server_pool_runs_on_the_narrow_login_not_the_owner(db, database_url):
    async with db.engine.connect() as connection:
        login = await connection.scalar(text("SELECT session_user"))
    assert login == logins.login_name(database_url, logins.SERVER)
    await logins.verify(db.url, logins.SERVER)
    await logins.verify(logins.login_url(database_url, SECRET_KEY.encode(), logins.SLACK), logins.SLACK)


async def test_the_owner_or_a_superuser_is_refused_as_the_server_login(database_url):
    with pytest.raises(logins.LoginError, match="Refusing to serve"):
        await logins.verify(database_url, logins.SERVER)


@pytest.mark.parametrize("table", [*TENANT_TABLES, "accounts", *SLACK_TABLES, "slack_deliveries", "alembic_version"])
async def test_after_reset_role_the_login_reads_nothing(db, two_tenants, table):
    await refused(db, two_tenants[0], "RESET ROLE", f"SELECT * FROM {table} LIMIT 1")


@pytest.mark.parametrize("table", TENANT_TABLES)
async def test_after_reset_role_the_login_changes_nothing(db, two_tenants, table):
    await refused(db, two_tenants[0], "RESET ROLE", f"DELETE FROM {table}")


async def test_the_login_may_become_only_the_app_and_system_roles(db, two_tenants, database_url):
    # Every role of the cluster but the logins other test sessions make and drop meanwhile.
    async with db.engine.connect() as connection:
        roles = (await connection.execute(text(
            "SELECT rolname FROM pg_roles WHERE rolname NOT IN ('eventos_app', 'eventos_system', session_user)"
            " AND (rolname NOT LIKE 'eventos\\_%\\_%' OR rolname = :slack)"
        ), {"slack": logins.login_name(database_url, logins.SLACK)})).scalars().all()
    assert {"eventos_search", "eventos_slack", logins.login_name(database_url, logins.SLACK)} <= set(roles)
    for role in roles:
        await refused(db, two_tenants[0], f'SET LOCAL ROLE "{role}"')
        await refused(db, two_tenants[0], f'SET ROLE "{role}"')
    await refused(db, two_tenants[0], "SET SESSION AUTHORIZATION postgres")


async def test_as_the_system_role_a_transaction_reads_no_names_codes_or_tokens(db, two_tenants):
    for statement in (
        "SELECT email FROM contacts", "SELECT total_cents FROM orders", "SELECT code FROM tickets",
        "SELECT name FROM attendees", "SELECT bot_token FROM slack_installations", "SELECT * FROM contact_search",
        "UPDATE accounts SET slack_team_id = 'TSTOLEN'",
    ):
        await refused(db, two_tenants[0], "SET LOCAL ROLE eventos_system", statement)


async def test_a_ticket_code_resolves_one_at_a_time_and_not_for_the_app_role(db, two_tenants):
    a, b = two_tenants
    async with db.tenant(a) as session:
        await session.execute(text("SET LOCAL ROLE eventos_system"))
        assert await session.scalar(text("SELECT ticket_account(:code)"), {"code": f"code-{b.hex[:8]}"}) == b
        assert await session.scalar(text("SELECT ticket_account('%')")) is None
    await refused(db, a, f"SELECT ticket_account('code-{b.hex[:8]}')")


@pytest.mark.parametrize("table", SLACK_TABLES)
async def test_no_request_role_reaches_the_slack_installation_tables(db, two_tenants, table):
    for role in ("eventos_app", "eventos_system"):
        for statement in (f"SELECT * FROM {table}", f"DELETE FROM {table}", f"UPDATE {table} SET id = id"):
            await refused(db, two_tenants[0], f"SET LOCAL ROLE {role}", statement)


async def test_the_app_role_does_not_see_slack_deliveries(db, two_tenants):
    await refused(db, two_tenants[0], "SELECT * FROM slack_deliveries")


@pytest.mark.parametrize("column", ["slack_team_id", "slack_enterprise_id", "stripe_account_id", "status", "name", "id"])
async def test_a_tenant_changes_only_the_account_columns_setup_changes(db, two_tenants, column):
    await refused(db, two_tenants[0], f"UPDATE accounts SET {column} = {column}")


async def test_setup_columns_stay_writable_for_the_own_account_only(db, two_tenants):
    a, b = two_tenants
    async with db.tenant(a) as session:
        changed = await session.execute(text("UPDATE accounts SET timezone = 'Europe/Berlin' WHERE id IN (:a, :b)"),
                                        {"a": a, "b": b})
        assert changed.rowcount == 1


async def test_no_temporary_table_can_shadow_a_real_one(db, two_tenants):
    await refused(db, two_tenants[0], "CREATE TEMP TABLE contacts (id uuid)")
    await refused(db, two_tenants[0], "RESET ROLE", "CREATE TEMP TABLE contacts (id uuid)")


async def test_session_state_does_not_survive_the_return_to_the_pool(server_database_url, two_tenants):
    a, b = two_tenants
    single = Database(server_database_url, pool_size=1, max_overflow=0)
    try:
        async with single.tenant(a) as session:
            await session.execute(text("SET ROLE eventos_system"))
            await session.execute(text("SET search_path = pg_catalog"))
            await session.execute(text("SELECT set_config('app.account_id', :b, false)"), {"b": str(b)})
            await session.execute(text("SELECT pg_advisory_lock(4242)"))
            await session.execute(text("DECLARE held CURSOR WITH HOLD FOR SELECT 1"))
            await session.execute(text("LISTEN tenant_a"))
            await session.execute(text("SET statement_timeout = 1"))
        async with single.engine.connect() as connection:
            state = (await connection.execute(text(
                "SELECT current_user = session_user AS own_role, current_setting('search_path') AS path,"
                " current_setting('statement_timeout') AS timeout,"
                " coalesce(current_setting('app.account_id', true), '') AS tenant,"
                " (SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory') AS locks,"
                " (SELECT count(*) FROM pg_cursors WHERE is_holdable) AS cursors, (SELECT count(*) FROM pg_listening_channels()) AS channels"
            ))).one()
        assert state.own_role and state.tenant == "" and state.timeout == "0"
        assert state.path == '"$user", public'
        assert (state.locks, state.cursors, state.channels) == (0, 0, 0)
        async with single.tenant(b) as session:
            assert (await session.execute(text("SELECT DISTINCT account_id FROM contacts"))).scalars().all() == [b]
    finally:
        await single.dispose()


async def test_an_empty_tenant_sees_nothing_and_a_malformed_one_fails_closed(db, two_tenants):
    a, _ = two_tenants
    async with db.tenant(a) as session:
        await session.execute(text("SELECT set_config('app.account_id', '', true)"))
        for table in (*TENANT_TABLES, "accounts", "contact_search"):
            assert await session.scalar(text(f"SELECT count(*) FROM {table}")) == 0, table
    with pytest.raises(DBAPIError, match="invalid input syntax for type uuid"):
        async with db.tenant(a) as session:
            await session.execute(text("SELECT set_config('app.account_id', 'x'' OR true --', true)"))
            await session.execute(text("SELECT count(*) FROM contacts"))


async def test_set_config_to_another_tenant_is_the_one_escape_left_open(db, two_tenants):
    """Documented in docs/security.md: a transaction can rewrite its own tenant setting. This pins it."""
    a, b = two_tenants
    async with db.tenant(a) as session:
        await session.execute(text("SELECT set_config('app.account_id', :b, true)"), {"b": str(b)})
        assert (await session.execute(text("SELECT DISTINCT account_id FROM contacts"))).scalars().all() == [b]


@pytest.mark.parametrize("statement", [
    "ALTER TABLE contacts NO FORCE ROW LEVEL SECURITY",
    "ALTER TABLE contacts DISABLE ROW LEVEL SECURITY",
    "DROP POLICY tenant_isolation ON contacts",
    "CREATE POLICY open ON contacts USING (true)",
    "ALTER VIEW contact_search SET (security_barrier = false)",
    "CREATE TABLE stash (x text)",
    "CREATE VIEW stash AS SELECT 1",
    "CREATE FUNCTION stash() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "CREATE SCHEMA stash",
    "DROP TABLE contacts",
    "GRANT eventos_system TO eventos_app",
    "CREATE ROLE stash",
    "ALTER FUNCTION ticket_account(text) SECURITY INVOKER",
    "COPY contacts TO PROGRAM 'true'",
    "SELECT pg_read_file('postgresql.conf')",
])
async def test_ddl_grants_and_server_files_are_refused(db, two_tenants, statement):
    await refused(db, two_tenants[0], statement)
    await refused(db, two_tenants[0], "RESET ROLE", statement)


async def test_granting_what_the_role_does_not_own_grants_nothing(db, two_tenants, owner_engine):
    for statement in ("GRANT SELECT ON contacts TO PUBLIC", "GRANT ALL ON slack_installations TO eventos_app"):
        for prelude in ("SELECT 1", "RESET ROLE"):
            # Refused as the app role; as the bare login only a warning, "no privileges were granted".
            with contextlib.suppress(DBAPIError):
                async with db.tenant(two_tenants[0]) as session:
                    await session.execute(text(prelude))
                    await session.execute(text(statement))
    async with owner_engine.connect() as connection:
        granted = await connection.scalar(text(
            "SELECT has_table_privilege('eventos_app', 'slack_installations', 'SELECT')"
            " OR EXISTS (SELECT 1 FROM information_schema.role_table_grants WHERE grantee = 'PUBLIC'"
            " AND table_schema = 'public')"
        ))
    assert granted is False


@pytest.mark.parametrize("table", [*TENANT_TABLES, "accounts"])
async def test_truncate_is_refused(db, two_tenants, table):
    await refused(db, two_tenants[0], f"TRUNCATE {table} CASCADE")


async def test_every_function_is_pinned_and_either_closed_or_tenant_bound(db, two_tenants):
    a, b = two_tenants
    async with db.engine.connect() as connection:
        functions = (await connection.execute(text(
            "SELECT p.oid::regprocedure::text AS signature, p.proconfig,"
            " has_function_privilege('eventos_app', p.oid, 'EXECUTE') AS app"
            " FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace"
        ))).all()
    assert {f.signature.split("(")[0] for f in functions} >= {"contact_search_prefix", "contact_search_words"}
    for function in functions:
        assert any(setting.startswith("search_path=") for setting in function.proconfig or ()), function.signature
    callable_by_app = {f.signature.split("(")[0] for f in functions if f.app}
    assert callable_by_app == {"contact_search_prefix", "contact_search_words"}
    async with db.tenant(a) as session:
        # They read the tenant from the transaction, not from an argument: B's rows never come back.
        own = set((await session.execute(text("SELECT id FROM contacts"))).scalars())
        for field in ("email", "first_name", "last_name"):
            hits = (await session.execute(text("SELECT id FROM contact_search_prefix(:f, '', NULL, 100)"),
                                          {"f": field})).scalars().all()
            assert set(hits) <= own
        assert await session.scalar(text("SELECT count(*) FROM contact_search_prefix('email', '', NULL, 100)")) == len(own)
        words = (await session.execute(text("SELECT email FROM contact_search_words(:q, 100)"),
                                       {"q": f"{b.hex[:8]}:*"})).scalars().all()
        assert words == []


async def test_a_failing_cast_in_a_search_condition_never_shows_another_tenants_row(db, two_tenants):
    a, b = two_tenants
    with pytest.raises(DBAPIError) as failure:
        async with db.tenant(a) as session:
            for setting in ("enable_indexscan", "enable_bitmapscan", "enable_indexonlyscan"):
                await session.execute(text(f"SET LOCAL {setting} = off"))
            await session.execute(text("SELECT id FROM contact_search WHERE email::integer = 0"))
    assert b.hex[:8] not in str(failure.value)


async def test_a_tenant_transaction_cannot_write_into_another_tenant(db, two_tenants):
    a, b = two_tenants
    async with db.tenant(a) as session:
        for table in TENANT_TABLES:
            changed = await session.execute(text(f"UPDATE {table} SET account_id = :a WHERE account_id = :b"),
                                            {"a": a, "b": b})
            assert changed.rowcount == 0, table
    with pytest.raises(DBAPIError, match="row-level security"):
        async with db.tenant(a) as session:
            await session.execute(text("UPDATE contacts SET account_id = :b"), {"b": b})
