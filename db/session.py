"""Engines and units of work. Every transaction runs as a role that owns nothing.

A unit of work opens one transaction and, in its first statement, switches to the app role and
sets the tenant, both transaction-locally (`set_config(..., true)`), so a pooled connection never
carries a role or a tenant past its transaction. Whatever else a statement may have changed for the
session (a `SET` without LOCAL, an advisory lock, a held cursor, a temporary table) is reset when
the connection goes back to the pool, before any other unit of work can have it.

Behind a pooler in transaction mode (PgBouncer, Supavisor: `EVENTOS_DB_POOLER=transaction`) a client
connection is a different server connection in every transaction, so nothing may live longer than
one: statements are prepared unnamed within their transaction (asyncpg's and SQLAlchemy's statement
caches off), and resetting "our" connection on return would reset whichever server connection the
pooler picks, so the pooler's own `server_reset_query` does that (docs/deploy.md).
"""

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

from sqlalchemy import TEXT, ColumnElement, bindparam, cast, event, func, literal, select, text
from sqlalchemy.exc import DBAPIError, ProgrammingError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from db.roles import APP_ROLE, SYSTEM_ROLE
from db.urls import async_url

log = logging.getLogger(__name__)

T = TypeVar("T")


def _set_role_and_tenant(role: ColumnElement[str], account: ColumnElement[str]) -> tuple[ColumnElement[str], ...]:
    """Both transaction-local: a pooled connection never carries a role or a tenant past its transaction."""
    return func.set_config("role", role, True), func.set_config("app.account_id", account, True)


_ENTER = select(*_set_role_and_tenant(bindparam("role"), bindparam("account")))

# One round trip (simple query protocol). Not DISCARD ALL: it would also drop asyncpg's prepared statements.
RESET_SESSION = (
    "RESET ALL; RESET ROLE; SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; "
    "DISCARD TEMP; DISCARD SEQUENCES"
)


def reset_session(dbapi_connection, connection_record, reset_state) -> None:
    """The pool's reset on return: end any transaction, then drop every session-level change."""
    dbapi_connection.rollback()
    if not reset_state.terminate_only:
        dbapi_connection.run_async(lambda connection: connection.execute(RESET_SESSION))


# Unnamed statements, parsed again each time: a named one would outlive its transaction on a server
# connection another client gets next ("prepared statement … already exists" or "does not exist").
POOLER_CONNECT_ARGS = {"statement_cache_size": 0, "prepared_statement_cache_size": 0}


def connect_args(*, pooler: bool) -> dict:
    """asyncpg's arguments for a direct connection (statement caches on) or one through a pooler."""
    return dict(POOLER_CONNECT_ARGS) if pooler else {}


def pooled_engine(url: str, *, pooler: bool = False, **pool):
    """An engine whose connections come back from every checkout as they were opened."""
    options = {"pool_recycle": 1800, "connect_args": connect_args(pooler=pooler) | pool.pop("connect_args", {})}
    if pooler:
        return create_async_engine(async_url(url), pool_reset_on_return="rollback", **options, **pool)
    engine = create_async_engine(async_url(url), pool_reset_on_return=None, **options, **pool)
    event.listen(engine.sync_engine, "reset", reset_session)
    return engine


ENTER_TRIES = 3


class Database:
    """One connection pool for the process; hands out tenant and system units of work."""

    def __init__(self, url: str, *, pooler: bool = False, pool_size: int = 10, max_overflow: int = 20) -> None:
        self.url, self.pooler = url, pooler
        self.engine = pooled_engine(url, pooler=pooler, pool_size=pool_size, max_overflow=max_overflow)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=True)

    @asynccontextmanager
    async def tenant(self, account_id: uuid.UUID) -> AsyncIterator[AsyncSession]:
        """A transaction that sees only this account's rows (RLS), committed on success."""
        async with self._unit(APP_ROLE, str(account_id)) as session:
            yield session

    @asynccontextmanager
    async def system(self) -> AsyncIterator[AsyncSession]:
        """The narrow cross-tenant path: resolve tenants and claim due work, nothing more.

        The system role is granted only the columns that routing and claiming need.
        """
        async with self._unit(SYSTEM_ROLE, "") as session:
            yield session

    @asynccontextmanager
    async def _unit(self, role: str, account: str) -> AsyncIterator[AsyncSession]:
        session = await self._enter(role, account)
        async with session:  # closing rolls back what was not committed
            yield session
            await session.commit()

    async def _enter(self, role: str, account: str) -> AsyncSession:
        """A session whose transaction has begun as `role` for `account`, on a connection that answered.

        A pooled connection may have died since its last use (a database restart, an idle timeout).
        Then this first statement fails before anything happened, the pool drops its connections, and
        the statement runs again on a fresh one. That replaces the pool's pre-ping, which cost three
        round trips (BEGIN, a ping, ROLLBACK) at every checkout.
        """
        attempt = 1
        while True:
            session = self._sessions()
            try:
                await session.execute(_ENTER, {"role": role, "account": account})
                return session
            except BaseException as error:  # cancelled too: the connection goes back to the pool either way
                await asyncio.shield(session.close())
                if attempt == ENTER_TRIES or not connection_lost(error):
                    raise
            log.warning("a pooled database connection was lost; starting the transaction on a fresh one")
            attempt += 1

    async def schema_revision(self) -> str | None:
        """The migration the database is at, read as the system role (the login itself reads nothing); None if never migrated."""
        try:
            async with self.system() as session:
                return await session.scalar(text("SELECT version_num FROM alembic_version"))
        except ProgrammingError:  # no migration table, or not even the roles the migrations make
            return None

    async def dispose(self) -> None:
        await self.engine.dispose()


async def become_tenant(session: AsyncSession, account_id: uuid.UUID) -> None:
    """Within a system unit of work, switch to the tenant once routing has found it.

    Saves a second transaction on hot paths (a door scan, a Slack request): the same
    transaction continues as the app role with the tenant set, seeing only that account.
    """
    await session.execute(_ENTER, {"role": APP_ROLE, "account": str(account_id)})


def becoming_tenant(account_id: ColumnElement[uuid.UUID]) -> tuple[ColumnElement[str], ...]:
    """`become_tenant` as columns of the system query that routes to `account_id`, saving its round trip.

    The switch is made as the routing row is returned, so no row means no switch; the query itself
    was checked against the system role's grants when it started.
    """
    return _set_role_and_tenant(literal(APP_ROLE), cast(account_id, TEXT))


# SQLSTATE classes that mean the connection, not the statement, failed: 08 (connection exception)
# and 57P (the server shut the backend down: admin shutdown, crash, or pg_terminate_backend).
_LOST = ("08", "57P")


def connection_lost(error: BaseException) -> bool:
    """Whether a database error means the connection died (the transaction it was in is lost)."""
    if not isinstance(error, DBAPIError):
        return isinstance(error, (ConnectionError, OSError))
    if error.connection_invalidated:
        return True
    sqlstate = getattr(error.orig, "sqlstate", None) or getattr(getattr(error.orig, "__cause__", None), "sqlstate", None)
    return bool(sqlstate) and sqlstate.startswith(_LOST)


async def retry_on_disconnect(unit: Callable[[], Awaitable[T]], *, tries: int = 6, pause: float = 0.2) -> T:
    """Run a unit of work (a whole transaction), again on a fresh connection when its connection died.

    Only for units that are safe to run twice: a lost connection before COMMIT rolls the transaction back.
    """
    for attempt in range(1, tries):
        try:
            return await unit()
        except Exception as error:
            if not connection_lost(error):
                raise
            log.warning("the database connection was lost (%s); running the transaction again", type(error).__name__)
            await asyncio.sleep(pause * 2 ** (attempt - 1))
    return await unit()
