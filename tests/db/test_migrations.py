"""The migration chain applies to an empty database and goes back to base cleanly."""

import asyncio
import secrets

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from db import migrate
from db.urls import async_url, with_database


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
