"""Engines and units of work. Every transaction runs as a role that owns nothing.

A unit of work opens one transaction and, in its first statement, switches to the app role and
sets the tenant, both transaction-locally (`set_config(..., true)`), so a pooled connection never
carries a role or a tenant past its transaction.
"""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from db.roles import APP_ROLE, SYSTEM_ROLE
from db.urls import async_url

_ENTER = text("SELECT set_config('role', :role, true), set_config('app.account_id', :account, true)")


class Database:
    """One connection pool for the process; hands out tenant and system units of work."""

    def __init__(self, url: str, *, pool_size: int = 10, max_overflow: int = 20) -> None:
        self.url = url
        self.engine = create_async_engine(
            async_url(url), pool_size=pool_size, max_overflow=max_overflow, pool_recycle=1800
        )
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=True)

    @asynccontextmanager
    async def tenant(self, account_id: uuid.UUID) -> AsyncIterator[AsyncSession]:
        """A transaction that sees only this account's rows (RLS), committed on success."""
        async with self._sessions() as session, session.begin():
            await session.execute(_ENTER, {"role": APP_ROLE, "account": str(account_id)})
            yield session

    @asynccontextmanager
    async def system(self) -> AsyncIterator[AsyncSession]:
        """The narrow cross-tenant path: resolve tenants and claim due work, nothing more.

        The system role is granted only the columns that routing and claiming need.
        """
        async with self._sessions() as session, session.begin():
            await session.execute(_ENTER, {"role": SYSTEM_ROLE, "account": ""})
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()


async def become_tenant(session: AsyncSession, account_id: uuid.UUID) -> None:
    """Within a system unit of work, switch to the tenant once routing has found it.

    Saves a second transaction on hot paths (a door scan, a Slack request): the same
    transaction continues as the app role with the tenant set, seeing only that account.
    """
    await session.execute(_ENTER, {"role": APP_ROLE, "account": str(account_id)})
