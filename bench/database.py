"""The benchmark database: `eventos_bench_<scale>` on the configured server, built once and reused.

A finished build leaves a comment on the database naming the dataset version, the migration head
and the secret key's fingerprint; a database without the comment that matches is dropped and built
again (an interrupted build, a new migration, a changed dataset or key).
"""

import asyncio
import hashlib
import time
import uuid
from dataclasses import dataclass

import asyncpg

from bench import dataset
from db import migrate
from db.urls import with_database

DATASET_VERSION = 1


@dataclass(frozen=True)
class Prepared:
    url: str
    tenants: list[uuid.UUID]
    build_seconds: float | None  # None: reused


def marker(scale: str, secret_key: bytes) -> str:
    key = hashlib.sha256(secret_key).hexdigest()[:12]
    return f"eventos-bench dataset={DATASET_VERSION} scale={scale} head={migrate.head_revision()} key={key}"


async def _admin(server_url: str) -> asyncpg.Connection:
    return await asyncpg.connect(server_url)


async def prepare(server_url: str, name: str, scale: dataset.Scale, secret_key: bytes, *, log=print) -> Prepared:
    """The built database `name` for `scale`, building it first when it is missing or stale."""
    url = with_database(server_url, name)
    wanted = marker(scale.name, secret_key)
    admin = await _admin(server_url)
    try:
        found = await admin.fetchval(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1", name
        )
        if found == wanted:
            return Prepared(url, await tenants(url), None)
        log(f"building {name} ({scale.name}); it is reused by later runs")
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    started = time.perf_counter()
    await asyncio.get_running_loop().run_in_executor(None, migrate.upgrade, url)
    ids = await dataset.build(url, scale, secret_key, log=log)
    seconds = time.perf_counter() - started
    admin = await _admin(server_url)
    try:
        await admin.execute(f"COMMENT ON DATABASE \"{name}\" IS '{wanted}'")
    finally:
        await admin.close()
    log(f"built {name} in {seconds:.0f} s")
    return Prepared(url, ids, seconds)


async def tenants(url: str) -> list[uuid.UUID]:
    """The benchmark accounts, the measured one first."""
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch("SELECT id FROM accounts WHERE slack_team_id LIKE 'TBENCH%' ORDER BY name")
        return [row["id"] for row in rows]
    finally:
        await connection.close()


async def drop(server_url: str, name: str) -> None:
    admin = await _admin(server_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def server_version(url: str) -> str:
    connection = await asyncpg.connect(url)
    try:
        return await connection.fetchval("SHOW server_version")
    finally:
        await connection.close()
