"""The migration chain applies to an empty database, goes back to base cleanly, and upgrades data as any owner."""

import asyncio
import secrets
import uuid

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from db import logins, migrate
from db.session import Database
from db.urls import async_url, with_database
from tests.conftest import SECRET_KEY
from tests.support.graph import seed_graph


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(async_url(url))
    async with engine.connect() as connection:
        names = (await connection.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
        ))).scalars().all()
    await engine.dispose()
    return set(names)


async def test_migrations_apply_to_an_empty_database_and_downgrade_to_base(server_url):
    name = f"eventos_mig_{secrets.token_hex(4)}"
    admin = create_async_engine(async_url(server_url), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = with_database(server_url, name)
    loop = asyncio.get_running_loop()
    try:
        assert await migrate.current_revision(url) is None
        await loop.run_in_executor(None, migrate.upgrade, url)
        assert await migrate.is_current(url)
        assert {"accounts", "events", "tickets", "check_ins", "event_analytics"} <= await _tables(url)
        await loop.run_in_executor(None, migrate.downgrade, url)
        assert await _tables(url) == {"alembic_version"}
        await loop.run_in_executor(None, migrate.upgrade, url)
        assert await migrate.is_current(url)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


REQUEST_ROLES = ("eventos_app", "eventos_system", "eventos_search", "eventos_slack")


async def _as_superuser(server_url: str, *statements: str) -> None:
    admin = create_async_engine(async_url(server_url), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await admin.dispose()


async def test_a_populated_database_upgrades_correctly_as_a_non_superuser_owner(server_url):
    """As on Supabase, RDS or Cloud SQL: the owner has CREATEROLE, not SUPERUSER, and FORCEd RLS hides rows from it."""
    suffix = secrets.token_hex(4)
    owner, name = f"eventos_owner_{suffix}", f"eventos_nsu_{suffix}"
    owner_url = make_url(with_database(server_url, name)).set(username=owner, password="owner").render_as_string(
        hide_password=False
    )
    # The request roles are cluster-wide and may exist already, made by another owner: this one gets
    # what their creator would have (PostgreSQL 16 gives a role's creator ADMIN on it).
    await _as_superuser(
        server_url,
        f"CREATE ROLE {owner} LOGIN CREATEROLE NOSUPERUSER PASSWORD 'owner'",
        *(f"DO $$ BEGIN CREATE ROLE {role} NOLOGIN NOINHERIT; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
          for role in REQUEST_ROLES),
        f"GRANT {', '.join(REQUEST_ROLES)} TO {owner} WITH ADMIN OPTION",
        f'CREATE DATABASE "{name}" OWNER {owner}',
    )
    loop = asyncio.get_running_loop()
    superuser = create_async_engine(async_url(with_database(server_url, name)))
    a, b = uuid.uuid4(), uuid.uuid4()
    try:
        await loop.run_in_executor(None, migrate.upgrade, owner_url, "0009")
        async with superuser.begin() as connection:  # the sales made before product_sales existed
            await seed_graph(connection, a, a.hex[:8], later=False)
            await seed_graph(connection, b, b.hex[:8], later=False)
        await loop.run_in_executor(None, migrate.upgrade, owner_url, "0011")
        async with superuser.connect() as connection:  # 0010's backfill, run as this owner, saw no order
            assert await connection.scalar(text("SELECT count(*) FROM product_sales")) == 0

        await loop.run_in_executor(None, migrate.upgrade, owner_url)
        await logins.provision(owner_url, SECRET_KEY.encode())
        await logins.verify_logins(owner_url, SECRET_KEY.encode())
        server = Database(logins.login_url(owner_url, SECRET_KEY.encode(), logins.SERVER), pool_size=1)
        try:
            for account in (a, b):
                async with server.tenant(account) as session:
                    counters = (await session.execute(text(
                        "SELECT account_id, paid_seats, revenue_cents FROM product_sales"
                    ))).all()
                assert counters == [(account, 1, 2500)]
        finally:
            await server.dispose()
    finally:
        await superuser.dispose()
        await _as_superuser(
            server_url,
            f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
            *(f'DROP ROLE IF EXISTS "{logins.login_name(owner_url, login)}"' for login in logins.LOGINS),
            f"DROP ROLE IF EXISTS {owner}",
        )
