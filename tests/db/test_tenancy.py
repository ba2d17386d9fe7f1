"""The database walls between tenants, checked table by table as the app role."""

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from db.models import Base
from tests.support.graph import seed_graph

GLOBAL_TABLES = {
    "accounts", "slack_installations", "slack_bots", "slack_oauth_states", "slack_deliveries", "slack_request_signatures",
}
TENANT_TABLES = sorted(set(Base.metadata.tables) - GLOBAL_TABLES)


@pytest.fixture(scope="module")
async def two_tenants(owner_engine):
    a, b = uuid.uuid4(), uuid.uuid4()
    async with owner_engine.begin() as connection:
        await seed_graph(connection, a, a.hex[:8])
        await seed_graph(connection, b, b.hex[:8])
    return a, b


def test_every_table_but_the_global_ones_is_a_tenant_table():
    for name in TENANT_TABLES:
        assert "account_id" in Base.metadata.tables[name].c, name
    assert len(TENANT_TABLES) >= 24


@pytest.mark.parametrize("table", TENANT_TABLES)
async def test_tenant_sees_and_changes_only_its_own_rows(db, two_tenants, table):
    a, b = two_tenants
    async with db.tenant(a) as session:
        owners = (await session.execute(text(f"SELECT DISTINCT account_id FROM {table}"))).scalars().all()
        assert owners == [a]
        updated = await session.execute(text(f"UPDATE {table} SET account_id = account_id WHERE account_id = :b"), {"b": b})
        deleted = await session.execute(text(f"DELETE FROM {table} WHERE account_id = :b"), {"b": b})
        assert (updated.rowcount, deleted.rowcount) == (0, 0)
    async with db.tenant(b) as session:
        assert await session.scalar(text(f"SELECT count(*) FROM {table}")) >= 1


@pytest.mark.parametrize("table", TENANT_TABLES)
async def test_tenant_cannot_insert_a_row_for_another_account(db, two_tenants, table):
    a, b = two_tenants
    with pytest.raises(DBAPIError, match="row-level security"):
        async with db.tenant(a) as session:
            # Copy one of A's rows, claiming it for B: the policy's WITH CHECK refuses it.
            columns = [c.name for c in Base.metadata.tables[table].c if c.name not in ("id", "search")]
            cols = ", ".join(columns)
            values = ", ".join(":b" if c == "account_id" else c for c in columns)
            await session.execute(text(f"INSERT INTO {table} ({cols}) SELECT {values} FROM {table} LIMIT 1"), {"b": b})


@pytest.mark.parametrize("table", [*TENANT_TABLES, "accounts"])
async def test_without_a_tenant_the_app_role_sees_nothing(db, two_tenants, table):
    async with db.engine.begin() as connection:
        await connection.execute(text("SELECT set_config('role', 'eventos_app', true)"))
        assert await connection.scalar(text(f"SELECT count(*) FROM {table}")) == 0


async def test_an_account_sees_only_its_own_account_row(db, two_tenants):
    a, b = two_tenants
    async with db.tenant(a) as session:
        assert (await session.execute(text("SELECT id FROM accounts"))).scalars().all() == [a]


async def test_cross_tenant_reference_is_refused_by_the_database(owner_engine, two_tenants):
    a, b = two_tenants
    # Even the owner, who bypasses RLS here, cannot make A's order point at B's event.
    with pytest.raises(IntegrityError, match="fk_orders_account_id_event_id_events"):
        async with owner_engine.begin() as connection:
            b_event = await connection.scalar(text("SELECT id FROM events WHERE account_id = :b"), {"b": b})
            a_contact = await connection.scalar(text("SELECT id FROM contacts WHERE account_id = :a"), {"a": a})
            await connection.execute(
                text("INSERT INTO orders (account_id, event_id, contact_id, reference, quantity, total_cents, currency, email)"
                     " VALUES (:a, :e, :c, 'X1', 1, 0, 'USD', 'x@y.z')"),
                {"a": a, "e": b_event, "c": a_contact},
            )


async def test_request_roles_own_nothing_and_cannot_bypass_rls(db):
    async with db.engine.connect() as connection:
        rows = (await connection.execute(text(
            "SELECT rolname, rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname IN ('eventos_app', 'eventos_system')"
        ))).all()
        assert {r.rolname for r in rows} == {"eventos_app", "eventos_system"}
        assert not any(r.rolsuper or r.rolbypassrls or r.rolcanlogin for r in rows)
        owned = await connection.scalar(text(
            "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname IN ('eventos_app', 'eventos_system')"
        ))
        assert owned == 0


async def test_every_tenant_table_forces_row_level_security(db):
    async with db.engine.connect() as connection:
        rows = (await connection.execute(text(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = ANY(:names)"
        ), {"names": [*TENANT_TABLES, "accounts"]})).all()
    assert len(rows) == len(TENANT_TABLES) + 1
    assert all(r.relrowsecurity and r.relforcerowsecurity for r in rows)


async def test_system_role_sees_only_routing_columns(db, two_tenants):
    with pytest.raises(DBAPIError, match="permission denied"):
        async with db.system() as session:
            await session.execute(text("SELECT email FROM contacts"))
    with pytest.raises(DBAPIError, match="permission denied"):
        async with db.system() as session:
            await session.execute(text("SELECT total_cents FROM orders"))


async def test_tenant_setting_does_not_leak_through_the_pool(db, two_tenants):
    a, _ = two_tenants
    async with db.tenant(a) as session:
        assert await session.scalar(text("SELECT current_user")) == "eventos_app"
    # The same pooled connections, outside a unit of work: back to the login role and no tenant.
    for _ in range(5):
        async with db.engine.connect() as connection:
            assert await connection.scalar(text("SELECT current_user")) != "eventos_app"
            assert await connection.scalar(text("SELECT coalesce(current_setting('app.account_id', true), '')")) == ""


async def test_the_contact_search_view_shows_only_the_current_tenants_contacts(db, two_tenants):
    a, b = two_tenants
    async with db.tenant(a) as session:
        owners = (await session.execute(text("SELECT DISTINCT account_id FROM contact_search"))).scalars().all()
        assert owners == [a]
        assert await session.scalar(text("SELECT count(*) FROM contact_search WHERE account_id = :b"), {"b": b}) == 0
    async with db.engine.begin() as connection:
        await connection.execute(text("SELECT set_config('role', 'eventos_app', true)"))
        assert await connection.scalar(text("SELECT count(*) FROM contact_search")) == 0


async def test_the_contact_search_view_is_read_only_for_the_app_role(db, two_tenants):
    a, _ = two_tenants
    with pytest.raises(DBAPIError, match="permission denied"):
        async with db.tenant(a) as session:
            await session.execute(text("UPDATE contact_search SET email = 'x@y.z'"))


async def test_a_system_unit_of_work_that_becomes_a_tenant_sees_only_that_tenant(db, two_tenants):
    from db.session import become_tenant

    a, b = two_tenants
    async with db.system() as session:
        assert {a, b} <= set((await session.execute(text("SELECT id FROM accounts"))).scalars())
        await become_tenant(session, a)
        assert (await session.execute(text("SELECT DISTINCT account_id FROM contacts"))).scalars().all() == [a]
        assert await session.scalar(text("SELECT current_user")) == "eventos_app"


async def test_every_policy_reads_the_tenant_once_per_statement(db, two_tenants):
    async with db.engine.connect() as connection:
        quals = dict((await connection.execute(text(
            "SELECT tablename, qual FROM pg_policies WHERE schemaname = 'public' AND policyname = 'tenant_isolation'"
        ))).all())
    assert set(quals) == {*TENANT_TABLES, "accounts"}
    assert all("( SELECT" in qual for qual in quals.values()), quals
    a, _ = two_tenants
    async with db.tenant(a) as session:
        await session.execute(text("SET LOCAL enable_indexscan = off"))
        await session.execute(text("SET LOCAL enable_bitmapscan = off"))
        plan = "\n".join((await session.execute(text("EXPLAIN SELECT * FROM contacts"))).scalars())
    assert "InitPlan" in plan and "Filter: (account_id = $0)" in plan, plan
