"""The database's own limit for each measured path: the same SQL through raw asyncpg, no HTTP, no app.

Lookups are captured, not rewritten: the core use case runs once in this process with a listener
on its engine, and every statement it sent (role and tenant switch included) is replayed as one
transaction on a plain asyncpg pool. The check-in is written out as the statements a scan runs:
resolve the door token (system role), read the ticket with its attendee, product, order and
event, insert the admission (ON CONFLICT DO NOTHING on the admitted-once index) and its timeline
entry. The pool has as many connections as the server's (10 + 20 overflow) at most.
"""

import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import asyncpg
from sqlalchemy import event

from core.services import Services

SERVER_POOL_MAX = 30


@dataclass(frozen=True)
class Script:
    """One unit of work as the app ran it: (SQL, parameters) in order, run in one transaction."""

    statements: tuple[tuple[str, tuple], ...]


async def capture(services: Services, work: Callable[[], Awaitable[object]]) -> Script:
    """Run `work` (a core call) and return the statements it sent to the database."""
    sent: list[tuple[str, tuple]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        sent.append((statement, tuple(parameters or ())))

    engine = services.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        await work()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return Script(tuple(sent))


async def open_pool(url: str, concurrency: int) -> asyncpg.Pool:
    size = min(concurrency, SERVER_POOL_MAX)

    async def jsonb(connection: asyncpg.Connection) -> None:
        await connection.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")

    return await asyncpg.create_pool(url, min_size=size, max_size=size, init=jsonb)


async def replay(pool: asyncpg.Pool, script: Script) -> float:
    """Run one captured unit of work; its latency in seconds (waiting for a connection included)."""
    started = time.perf_counter()
    async with pool.acquire() as connection, connection.transaction():
        for statement, parameters in script.statements:
            await connection.fetch(statement, *parameters)
    return time.perf_counter() - started


_ENTER = "SELECT set_config('role', $1, true), set_config('app.account_id', $2, true)"
_DOOR = """SELECT d.id, d.account_id, d.event_id FROM door_tokens d JOIN accounts a ON a.id = d.account_id
           WHERE d.token_hash = $1 AND d.revoked_at IS NULL AND a.status = 'active'"""
_TICKET = """SELECT t.id, t.code, t.event_id, t.status, t.attendee_id, at.contact_id, at.name, at.email,
                    at.status AS attendee_status, p.name AS ticket_type, o.status AS order_status,
                    e.slug, e.name AS event_name, e.status AS event_status,
                    (SELECT name FROM door_tokens WHERE id = $2) AS door_name
             FROM tickets t
             JOIN attendees at ON at.account_id = t.account_id AND at.id = t.attendee_id
             JOIN events e ON e.account_id = t.account_id AND e.id = t.event_id
             JOIN products p ON p.account_id = at.account_id AND p.id = at.product_id
             JOIN orders o ON o.account_id = at.account_id AND o.id = at.order_id
             WHERE t.code = $1"""
_ADMIT = """INSERT INTO check_ins (account_id, event_id, ticket_id, attendee_id, result, source, door_token_id, code,
                                   scanned_at, answer)
            VALUES ($1, $2, $3, $4, 'admitted', 'api', $5, $6, now(), $7)
            ON CONFLICT DO NOTHING RETURNING id"""
_TIMELINE = """INSERT INTO interactions (account_id, contact_id, kind, body, occurred_at, source_key)
               VALUES ($1, $2, 'checkin', $3, now(), $4)
               ON CONFLICT (account_id, contact_id, source_key) WHERE source_key IS NOT NULL DO NOTHING RETURNING id"""


class Admitted(Exception):
    """A raw check-in found its ticket admitted already (the run must use fresh tickets)."""


async def raw_checkin(pool: asyncpg.Pool, token: str, code: str) -> float:
    """One scan's SQL as the server runs it, straight through asyncpg; its latency in seconds."""
    started = time.perf_counter()
    async with pool.acquire() as connection:
        async with connection.transaction():
            await connection.execute(_ENTER, "eventos_system", "")
            door = await connection.fetchrow(_DOOR, hashlib.sha256(token.encode()).hexdigest())
        account = str(door["account_id"])
        async with connection.transaction():
            await connection.execute(_ENTER, "eventos_app", account)
            ticket = await connection.fetchrow(_TICKET, code, door["id"])
            answer = {"result": "admitted", "attendee": {"name": ticket["name"], "email": ticket["email"],
                                                         "ticket_type": ticket["ticket_type"]},
                      "event": {"slug": ticket["slug"], "name": ticket["event_name"]}}
            admitted = await connection.fetchval(
                _ADMIT, door["account_id"], ticket["event_id"], ticket["id"], ticket["attendee_id"],
                door["id"], code, answer,
            )
            if admitted is None:
                raise Admitted(f"ticket {code[:12]}… was admitted already")
            await connection.fetchval(
                _TIMELINE, door["account_id"], ticket["contact_id"],
                f"Checked in at {ticket['event_name']} by {ticket['door_name']}", f"checkin:{ticket['id']}",
            )
    return time.perf_counter() - started
