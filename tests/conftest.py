"""Test harness: one throw-away database per test session on the embedded server or TEST_DATABASE_URL.

Tests are isolated from each other by tenancy itself: each test makes its own accounts (fresh
Slack team ids), so no test sees another's rows and nothing needs truncating.
"""

import asyncio
import os
import secrets
import tempfile
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from core.accounts import accounts
from core.context import TenantContext
from core.services import Services
from core.settings import Settings
from db import logins, migrate
from db.embedded import start_embedded
from db.session import Database
from db.urls import async_url, with_database

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "test-secret-key-0123456789abcdef"
# The test app's data folder (its local mailbox among others): one per run, never the developer's.
DATA_DIR = Path(tempfile.mkdtemp(prefix="eventos-test-data-"))

# Property tests prove what parsing does, not how fast a loaded 2-core CI machine draws examples:
# no per-example deadline, and drawing 4,000-character texts slowly is not a failure.
hypothesis_settings.register_profile("eventos", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("eventos")


def _server_url() -> str:
    return os.environ.get("TEST_DATABASE_URL") or start_embedded(ROOT / ".eventos" / "test")


@pytest.fixture(scope="session")
def server_url() -> str:
    return _server_url()


async def _create_database(server_url: str, prefix: str) -> str:
    """CREATE a database named after `prefix` on the server, migrate it to head and return its URL."""
    name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_async_engine(async_url(server_url), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    url = with_database(server_url, name)
    await asyncio.get_running_loop().run_in_executor(None, migrate.upgrade, url)
    await logins.provision(url, SECRET_KEY.encode())
    return url


def server_login(url: str) -> str:
    """The URL the server connects with to the database of `url` (its narrow login, as `eventos serve` derives it)."""
    return logins.login_url(url, SECRET_KEY.encode(), logins.SERVER)


async def _drop_database(server_url: str, url: str) -> None:
    name = make_url(url).database
    admin = create_async_engine(async_url(server_url), isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        for login in logins.LOGINS:  # roles are cluster-wide: the database's own logins go with it
            await connection.execute(text(f'DROP ROLE IF EXISTS "{logins.login_name(url, login)}"'))
    await admin.dispose()


@pytest.fixture(scope="session")
async def database_url(server_url: str):
    """A fresh database, migrated to head, dropped at the end of the session."""
    url = await _create_database(server_url, "eventos_test")
    yield url
    await _drop_database(server_url, url)


@pytest.fixture
async def own_database(server_url: str):
    """A database of its own, for tests of jobs that work across every account (expiry, drains).

    Tenancy isolates tests from each other, but a cross-tenant job sees every test's rows in the
    session database; here it sees only the test's own.
    """
    url = await _create_database(server_url, "eventos_own")
    database = Database(server_login(url), pool_size=5, max_overflow=5)
    yield database
    await database.dispose()
    await _drop_database(server_url, url)


@pytest.fixture(scope="session")
def server_database_url(database_url: str) -> str:
    return server_login(database_url)


@pytest.fixture(scope="session")
async def db(server_database_url: str):
    database = Database(server_database_url, pool_size=10, max_overflow=20)
    yield database
    await database.dispose()


@pytest.fixture(scope="session")
async def owner_engine(database_url: str):
    """The tables' owner, for arranging rows a test needs; never used to check behaviour."""
    engine = create_async_engine(async_url(database_url))
    yield engine
    await engine.dispose()


def test_settings(**overrides) -> Settings:
    values = {
        "eventos_data_dir": DATA_DIR,
        "eventos_secret_key": SECRET_KEY,
        "slack_signing_secret": "test-signing-secret",
        "slack_bot_token": "xoxb-test-token",
        "eventos_base_url": "http://eventos.test",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@pytest.fixture
def settings() -> Settings:
    return test_settings()


@pytest.fixture
def services(db: Database, settings: Settings) -> Services:
    return Services(db=db, settings=settings)


async def new_tenant(services: Services, role: str = "owner", **account_settings) -> TenantContext:
    """Make a new account (its own Slack team) and return a context acting as a user of `role`."""
    team_id = "T" + secrets.token_hex(5).upper()
    workspace = await accounts.install_workspace(
        services, team_id=team_id, enterprise_id=None, name=f"Team {team_id}", installer="U" + team_id[1:]
    )
    owner = await accounts.acting_user(
        services, workspace, slack_user_id="U" + team_id[1:], load_profile=_never
    )
    if account_settings:
        await accounts.update_settings(services, owner, **account_settings)
        workspace = await accounts.find_workspace(services, team_id=team_id, enterprise_id=None)
        owner = await accounts.acting_user(services, workspace, slack_user_id=owner.slack_user_id, load_profile=_never)
    if role == "owner":
        return owner
    user = "U" + secrets.token_hex(5).upper()
    await accounts.acting_user(services, workspace, slack_user_id=user, load_profile=_profile(user))
    await accounts.set_role(services, owner, slack_user_id=user, role=role)
    return await accounts.acting_user(services, workspace, slack_user_id=user, load_profile=_never)


@pytest.fixture
def make_tenant(services: Services):
    """new_tenant in the session database: make_tenant(role="owner", **settings)."""

    async def make(role: str = "owner", **account_settings) -> TenantContext:
        return await new_tenant(services, role, **account_settings)

    return make


async def _never():
    raise AssertionError("the user should exist already")


def _profile(user: str):
    async def load():
        return accounts.UserProfile(name=f"User {user}", email=f"{user.lower()}@example.test", is_admin=False, is_owner=False)

    return load


@pytest.fixture
def new_id():
    return uuid.uuid4


@pytest.fixture
def slack_settings(slack_standin) -> Settings:
    """Settings of a single-workspace app whose Slack is the stand-in."""
    return test_settings(slack_api_url=slack_standin.base_url)


@pytest.fixture
async def slack(db: Database, slack_settings: Settings, slack_standin):
    """The app serving on a free port, a workspace installed, and a driver that plays Slack."""
    from tests.support.harness import start_harness

    harness = await start_harness(Services(db=db, settings=slack_settings), slack_standin)
    yield harness
    await harness.runner.cleanup()
