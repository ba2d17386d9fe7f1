"""Units of work on pooled connections that died in the pool: they start on fresh ones, unnoticed."""

import asyncio

from sqlalchemy import text

from db import logins
from db.session import Database
from tests.conftest import server_login


async def terminate(owner_engine, login: str) -> int:
    async with owner_engine.connect() as connection:
        killed = await connection.scalar(text(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = :login"
        ), {"login": login})
        await connection.commit()
    await asyncio.sleep(0.1)  # the backends exit
    return killed


async def test_every_pooled_connection_killed_between_units_of_work_is_replaced_without_an_error(database_url, owner_engine, make_tenant):
    tenant = await make_tenant()
    database = Database(server_login(database_url), pool_size=6, max_overflow=0)
    login = logins.login_name(database_url, logins.SERVER)

    async def unit() -> str:
        async with database.tenant(tenant.account_id) as session:
            await session.execute(text("SELECT pg_sleep(0.02)"))
            return await session.scalar(text("SELECT current_setting('app.account_id')"))

    try:
        assert set(await asyncio.gather(*(unit() for _ in range(6)))) == {str(tenant.account_id)}  # six pooled connections
        for _ in range(3):
            assert await terminate(owner_engine, login) >= 6
            assert set(await asyncio.gather(*(unit() for _ in range(12)))) == {str(tenant.account_id)}
    finally:
        await database.dispose()

