"""The server's own database logins: named after the database, passwords derived from the secret key.

The owner in DATABASE_URL runs the migrations; the server never connects as it. `eventos migrate`
creates two logins that own nothing, inherit nothing and may only switch to request roles:

- the server login, for every unit of work: `SET ROLE` to the app or the system role;
- the Slack login, for slack_sdk's installation store only: the Slack role's tables, nothing else.

Their passwords are HMAC-SHA256 of EVENTOS_SECRET_KEY, so the server derives its URLs from the
host and database of DATABASE_URL plus a key it already has: nobody manages a second secret, and
the server does not need the owner's password at all.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from db.roles import APP_ROLE, SLACK_ROLE, SYSTEM_ROLE
from db.session import connect_args
from db.urls import async_url

MAX_NAME = 63  # PostgreSQL truncates identifiers longer than this


@dataclass(frozen=True)
class Login:
    """A login of the server: its name's purpose, the request roles it may switch to, the one it starts as."""

    purpose: str
    roles: tuple[str, ...]
    # A per-login default (`ALTER ROLE … SET role`), applied by PostgreSQL when a session starts, so it
    # holds through a pooler too (which forwards no `role` start-up parameter); RESET ROLE returns to it.
    starts_as: str | None = None


SERVER = Login("server", (APP_ROLE, SYSTEM_ROLE))
SLACK = Login("slack", (SLACK_ROLE,), starts_as=SLACK_ROLE)
LOGINS = (SERVER, SLACK)


class LoginError(Exception):
    """The server's login is missing or too powerful; the message is one line for the operator."""


def login_name(url: str, login: Login) -> str:
    """`eventos_<purpose>_<database>`: roles are cluster-wide, so each database has its own."""
    database = make_url(url).database or "postgres"
    name = f"eventos_{login.purpose}_{database}"
    if len(name) <= MAX_NAME:
        return name
    digest = hashlib.sha256(database.encode()).hexdigest()[:10]
    return f"{name[: MAX_NAME - 11]}_{digest}"


def login_password(secret_key: bytes, name: str) -> str:
    mac = hmac.new(secret_key, f"eventos database login {name}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def login_url(url: str, secret_key: bytes, login: Login) -> str:
    """The URL of `login` on the server and database of `url` (any login's URL of that database)."""
    name = login_name(url, login)
    return make_url(url).set(username=name, password=login_password(secret_key, name)).render_as_string(
        hide_password=False
    )


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def provision(owner_url: str, secret_key: bytes) -> None:
    """Create or refresh the server's logins (as the owner, after the migrations); idempotent."""
    engine = create_async_engine(async_url(owner_url), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            for login in LOGINS:
                name = login_name(owner_url, login)
                role = _quoted(name)
                password = login_password(secret_key, name)  # base64url: nothing to escape in a literal
                await connection.execute(text(
                    f"""DO $$ BEGIN
                          CREATE ROLE {role} LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
                        EXCEPTION WHEN duplicate_object THEN NULL;
                        END $$"""
                ))
                await connection.execute(text(f"ALTER ROLE {role} WITH LOGIN NOINHERIT PASSWORD '{password}'"))
                await connection.execute(text(f"GRANT {', '.join(login.roles)} TO {role}"))
                database = _quoted(make_url(owner_url).database or "postgres")
                if login.starts_as:
                    await connection.execute(text(f"ALTER ROLE {role} IN DATABASE {database} SET role = '{login.starts_as}'"))
                else:
                    await connection.execute(text(f"ALTER ROLE {role} IN DATABASE {database} RESET role"))
    finally:
        await engine.dispose()


# What the connected login is: anything it owns, inherits or may become beyond its request roles.
_AUDIT = text("""
SELECT r.rolsuper OR r.rolbypassrls OR r.rolcreaterole OR r.rolcreatedb OR r.rolreplication AS powerful,
       EXISTS (SELECT 1 FROM pg_class WHERE relowner = r.oid)
       OR EXISTS (SELECT 1 FROM pg_proc WHERE proowner = r.oid)
       OR EXISTS (SELECT 1 FROM pg_namespace WHERE nspowner = r.oid)
       OR EXISTS (SELECT 1 FROM pg_database WHERE datdba = r.oid) AS owns,
       EXISTS (SELECT 1 FROM pg_roles o WHERE o.oid <> r.oid AND pg_has_role(r.oid, o.oid, 'USAGE')) AS inherits,
       ARRAY(SELECT o.rolname::text FROM pg_roles o WHERE o.oid <> r.oid AND pg_has_role(r.oid, o.oid, 'MEMBER')) AS roles,
       current_user::text AS acting
FROM pg_roles r WHERE r.rolname = session_user
""")


async def verify_logins(url: str, secret_key: bytes, *, pooler: bool = False) -> None:
    """Check every login of the server on the database of `url` (see verify)."""
    for login in LOGINS:
        await verify(login_url(url, secret_key, login), login, pooler=pooler)


async def verify(url: str, login: Login, *, pooler: bool = False) -> None:
    """Refuse (LoginError) a login that cannot connect, owns anything, bypasses RLS or reaches past its roles."""
    name = make_url(url).username
    engine = create_async_engine(async_url(url), connect_args=connect_args(pooler=pooler))
    try:
        async with engine.connect() as connection:
            audit = (await connection.execute(_AUDIT)).one()
    except Exception as exc:  # noqa: BLE001 - any failure to connect reads the same to the operator
        raise LoginError(
            f"The database login {name} cannot connect ({type(exc).__name__}); run `eventos migrate` "
            "with the same DATABASE_URL and EVENTOS_SECRET_KEY."
        ) from None
    finally:
        await engine.dispose()
    if audit.powerful or audit.owns or audit.inherits or not set(audit.roles) <= set(login.roles):
        raise LoginError(
            f"Refusing to serve as the database login {name}: it must own nothing, inherit nothing and be "
            f"a member of {', '.join(login.roles)} only; see docs/security.md."
        )
    if audit.acting != (login.starts_as or name):
        raise LoginError(
            f"The database login {name} starts as {audit.acting}, not {login.starts_as or name}; run `eventos migrate` "
            "with the same DATABASE_URL and EVENTOS_SECRET_KEY."
        )
