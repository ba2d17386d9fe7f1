"""Build benchmark tenants with set-based SQL, as the app role under RLS like any request.

Ids are derived from (account, kind, index) with md5, so every row can name its parents
without lookups, and the same scale always builds the same shape.
"""

import asyncio
import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass

import asyncpg

from core.sales.ticket_codes import new_code

FIRST = ["Ann", "Ben", "Cleo", "Dan", "Eva", "Finn", "Gina", "Hugo", "Iris", "Jon", "Kira", "Liam", "Mona",
         "Nils", "Olga", "Paul", "Rosa", "Sam", "Tara", "Udo", "Vera", "Walt", "Xena", "Yuri", "Zoe"]
LAST = ["Smith", "Jones", "Berg", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ito", "Jensen",
        "Kowalski", "Lopez", "Müller", "Novak", "Olsen", "Petrov", "Quinn", "Rossi", "Silva", "Tanaka"]


@dataclass(frozen=True)
class Scale:
    name: str
    events: int
    attendees: int
    contacts: int
    check_ins: int
    big_event_attendees: int

    @property
    def companies(self) -> int:
        return max(10, self.contacts // 1000)


SCALES = {
    "tiny": Scale("tiny", events=20, attendees=2_000, contacts=2_000, check_ins=600, big_event_attendees=500),
    "small": Scale("small", events=500, attendees=50_000, contacts=50_000, check_ins=15_000, big_event_attendees=5_000),
    "full": Scale("full", events=10_000, attendees=1_000_000, contacts=1_000_000, check_ins=300_000, big_event_attendees=20_000),
}

BIG_EVENT = "bench-big"


def rid(account: uuid.UUID, kind: str, index: str = "i") -> str:
    """SQL for the deterministic id of row `index` of `kind` in `account`."""
    return f"md5('{account}' || '{kind}' || {index})::uuid"


def _event_of(scale: Scale, i: str = "i") -> str:
    """SQL: the event index (1-based) of attendee i; event 1 is the big one."""
    return f"(CASE WHEN {i} <= {scale.big_event_attendees} THEN 1 ELSE 2 + ({i} % {scale.events - 1}) END)"


async def _as_tenant(connection: asyncpg.Connection, account: uuid.UUID) -> None:
    await connection.execute(
        "SELECT set_config('role', 'eventos_app', true), set_config('app.account_id', $1, true)", str(account)
    )


async def build_tenant(connection: asyncpg.Connection, account: uuid.UUID, scale: Scale, secret_key: bytes, log=print) -> None:
    """Create one benchmark account of `scale`, every table filled, counters consistent."""
    a = account
    ev = _event_of(scale)
    steps = [
        ("users", f"""INSERT INTO users (id, account_id, slack_user_id, name, role)
            SELECT {rid(a, 'u', 'g')}, '{a}', 'UB' || upper(substr(md5('{a}' || g), 1, 8)), 'Bench user ' || g,
                   CASE WHEN g = 1 THEN 'owner' WHEN g <= 5 THEN 'organizer' WHEN g <= 10 THEN 'sales' ELSE 'door' END
            FROM generate_series(1, 20) g"""),
        ("venues", f"""INSERT INTO venues (id, account_id, name, capacity)
            SELECT {rid(a, 'v', 'g')}, '{a}', 'Venue ' || g, 100000 FROM generate_series(1, 100) g"""),
        ("events", f"""INSERT INTO events (id, account_id, venue_id, slug, name, starts_at, ends_at, timezone, status, capacity)
            SELECT {rid(a, 'e', 'j')}, '{a}', {rid(a, 'v', '1 + j % 100')},
                   CASE WHEN j = 1 THEN '{BIG_EVENT}' ELSE 'bench-' || j END,
                   CASE WHEN j = 1 THEN 'The Big Bench Gala' ELSE 'Bench event ' || j END,
                   CASE WHEN j = 1 THEN date_trunc('hour', now()) ELSE date_trunc('hour', now()) + ((j % 730) - 365) * interval '1 day' END,
                   CASE WHEN j = 1 THEN date_trunc('hour', now()) + interval '6 hours'
                        ELSE date_trunc('hour', now()) + ((j % 730) - 365) * interval '1 day' + interval '4 hours' END,
                   'Europe/Berlin', 'published', NULL
            FROM generate_series(1, {scale.events}) j"""),
        ("products", f"""INSERT INTO products (id, account_id, event_id, slug, name, price_cents, currency, capacity, max_per_order)
            SELECT {rid(a, 'p', "j || '-' || k")}, '{a}', {rid(a, 'e', 'j')},
                   CASE WHEN k = 1 THEN 'ga' ELSE 'vip' END, CASE WHEN k = 1 THEN 'General admission' ELSE 'VIP' END,
                   CASE WHEN k = 1 THEN 2500 ELSE 9000 END, 'EUR', NULL, 10
            FROM generate_series(1, {scale.events}) j, generate_series(1, 2) k"""),
        ("companies", f"""INSERT INTO companies (id, account_id, name, domain)
            SELECT {rid(a, 'co', 'k')}, '{a}', 'Company ' || k, 'company' || k || '.test'
            FROM generate_series(1, {scale.companies}) k"""),
        ("contacts", f"""INSERT INTO contacts (id, account_id, company_id, company_name, email, first_name, last_name, tags,
                                          email_consent, sms_consent, phone)
            SELECT {rid(a, 'c')}, '{a}', {rid(a, 'co', f'1 + i % {scale.companies}')}, 'Company ' || (1 + i % {scale.companies}),
                   'c' || i || '@company' || (1 + i % {scale.companies}) || '.test',
                   (ARRAY{FIRST!r})[1 + i % {len(FIRST)}], (ARRAY{LAST!r})[1 + (i / {len(FIRST)}) % {len(LAST)}],
                   CASE WHEN i % 10 = 0 THEN ARRAY['vip'] WHEN i % 7 = 0 THEN ARRAY['press'] ELSE ARRAY[]::text[] END,
                   i % 4 <> 0, i % 3 = 0, '+4915' || lpad(i::text, 9, '0')
            FROM generate_series(1, {scale.contacts}) i"""),
        ("orders", f"""INSERT INTO orders (id, account_id, event_id, contact_id, reference, status, kind, quantity, total_cents,
                                        currency, email, name, payment_method, paid_at, created_at)
            SELECT {rid(a, 'o')}, '{a}', {rid(a, 'e', ev)}, {rid(a, 'c', f'1 + i % {scale.contacts}')},
                   'B' || upper(to_hex(i)), 'paid', 'sale', 1, CASE WHEN i % 5 = 0 THEN 9000 ELSE 2500 END, 'EUR',
                   'c' || (1 + i % {scale.contacts}) || '@company' || (1 + (1 + i % {scale.contacts}) % {scale.companies}) || '.test',
                   'Attendee ' || i, 'stripe', now() - (i % 90) * interval '1 day' - (i % 1440) * interval '1 minute',
                   now() - (i % 90) * interval '1 day' - (i % 1440) * interval '1 minute'
            FROM generate_series(1, {scale.attendees}) i"""),
        ("order_lines", f"""INSERT INTO order_lines (id, account_id, order_id, product_id, quantity, unit_price_cents)
            SELECT {rid(a, 'ol')}, '{a}', {rid(a, 'o')}, {rid(a, 'p', f"{ev} || '-' || CASE WHEN i % 5 = 0 THEN 2 ELSE 1 END")},
                   1, CASE WHEN i % 5 = 0 THEN 9000 ELSE 2500 END
            FROM generate_series(1, {scale.attendees}) i"""),
        ("payments", f"""INSERT INTO payments (id, account_id, order_id, provider, provider_ref, status, amount_cents, currency)
            SELECT {rid(a, 'pay')}, '{a}', {rid(a, 'o')}, 'stripe', 'pi_bench_' || i, 'succeeded',
                   CASE WHEN i % 5 = 0 THEN 9000 ELSE 2500 END, 'EUR'
            FROM generate_series(1, {scale.attendees}) i"""),
        ("attendees", f"""INSERT INTO attendees (id, account_id, event_id, order_id, product_id, contact_id, name, email)
            SELECT {rid(a, 'at')}, '{a}', {rid(a, 'e', ev)}, {rid(a, 'o')},
                   {rid(a, 'p', f"{ev} || '-' || CASE WHEN i % 5 = 0 THEN 2 ELSE 1 END")}, {rid(a, 'c', f'1 + i % {scale.contacts}')},
                   (ARRAY{FIRST!r})[1 + i % {len(FIRST)}] || ' ' || (ARRAY{LAST!r})[1 + (i / {len(FIRST)}) % {len(LAST)}],
                   'c' || (1 + i % {scale.contacts}) || '@company' || (1 + (1 + i % {scale.contacts}) % {scale.companies}) || '.test'
            FROM generate_series(1, {scale.attendees}) i"""),
        ("interactions", f"""INSERT INTO interactions (id, account_id, contact_id, kind, body, occurred_at, author)
            SELECT {rid(a, 'in')}, '{a}', {rid(a, 'c')}, (ARRAY['note', 'call', 'meeting', 'email'])[1 + i % 4],
                   'Bench interaction ' || i, now() - (i % 365) * interval '1 day', 'Bench user'
            FROM generate_series(1, {scale.contacts}) i"""),
    ]
    for name, sql in steps:
        started = time.perf_counter()
        async with connection.transaction():
            await _as_tenant(connection, account)
            await connection.execute(sql)
        log(f"  {name}: {time.perf_counter() - started:.1f}s")

    started = time.perf_counter()
    await _copy_tickets(connection, account, scale, secret_key)
    log(f"  tickets: {time.perf_counter() - started:.1f}s")

    finishing = [
        ("check_ins", f"""INSERT INTO check_ins (id, account_id, event_id, ticket_id, attendee_id, result, source, scanned_at, created_at)
            SELECT {rid(a, 'ci', 'n')}, '{a}', t.event_id, t.id, t.attendee_id, 'admitted', 'api', e.starts_at + (n % 120) * interval '1 minute',
                   e.starts_at + (n % 120) * interval '1 minute'
            FROM (SELECT row_number() OVER () AS n, t.* FROM tickets t JOIN events e ON e.id = t.event_id
                  WHERE e.starts_at < now() - interval '1 day' LIMIT {scale.check_ins}) t
            JOIN events e ON e.id = t.event_id"""),
        ("counters", """UPDATE products p SET sold = s.n FROM (SELECT product_id, count(*) n FROM attendees GROUP BY 1) s
                        WHERE p.id = s.product_id"""),
        ("event counters", """UPDATE events e SET sold = s.n FROM (SELECT event_id, count(*) n FROM attendees GROUP BY 1) s
                              WHERE e.id = s.event_id"""),
    ]
    for name, sql in finishing:
        started = time.perf_counter()
        async with connection.transaction():
            await _as_tenant(connection, account)
            await connection.execute(sql)
        log(f"  {name}: {time.perf_counter() - started:.1f}s")


async def _copy_tickets(connection: asyncpg.Connection, account: uuid.UUID, scale: Scale, secret_key: bytes) -> None:
    """Tickets need signed codes, which only Python makes: sent in as arrays (the app role has no temp tables)."""
    batch = 100_000
    for start in range(1, scale.attendees + 1, batch):
        stop = min(start + batch, scale.attendees + 1)
        numbers = list(range(start, stop))
        codes = [new_code(secret_key) for _ in numbers]
        async with connection.transaction():
            await _as_tenant(connection, account)
            await connection.execute(f"""
                INSERT INTO tickets (id, account_id, attendee_id, event_id, code)
                SELECT {rid(account, 't')}, '{account}', {rid(account, 'at')}, {rid(account, 'e', _event_of(scale))}, code
                FROM unnest($1::int[], $2::text[]) AS bench_codes (i, code)""", numbers, codes)


async def _skip_reference_checks(connection: asyncpg.Connection, log) -> None:
    """Skip foreign-key triggers for this loading session (superusers only, as pg_restore does).

    Every id is derived from its parent's index by the same expression, so the rows are consistent
    by construction; the tiny scale, which the test suite builds, keeps the checks on to prove it.
    """
    try:
        await connection.execute("SET session_replication_role = replica")
    except asyncpg.InsufficientPrivilegeError:
        log("  (not a superuser: foreign keys are checked row by row, which is slower)")


async def build(dsn: str, scale: Scale, secret_key: bytes, *, tenants: int = 2, log=print) -> list[uuid.UUID]:
    """Create `tenants` benchmark accounts (the first is the one measured), in parallel, and return their ids."""
    ids = [uuid.uuid4() for _ in range(tenants)]
    connection = await asyncpg.connect(dsn)
    try:
        for n, account in enumerate(ids, 1):
            await connection.execute(
                "INSERT INTO accounts (id, name, slack_team_id, timezone, currency) VALUES ($1, $2, $3, 'Europe/Berlin', 'EUR')",
                account, f"Bench tenant {n}", f"TBENCH{n}{account.hex[:6].upper()}",
            )

        async def one(n: int, account: uuid.UUID) -> None:
            loader = await asyncpg.connect(dsn)
            try:
                await loader.execute("SET synchronous_commit = off")
                if scale.name != "tiny":
                    await _skip_reference_checks(loader, log)
                await build_tenant(loader, account, scale, secret_key, log=lambda line: log(f"tenant {n}:{line}"))
            finally:
                await loader.close()

        log(f"building {tenants} tenants of scale {scale.name} in parallel")
        await asyncio.gather(*(one(n, account) for n, account in enumerate(ids, 1)))
        log(f"  vacuum and analyze: {await settle(dsn):.1f}s")
        return ids
    finally:
        await connection.close()


def contact_email(scale: Scale, i: int) -> str:
    """The email of contact i (1-based), as the contacts step writes it."""
    return f"c{i}@company{1 + i % scale.companies}.test"


@dataclass(frozen=True)
class Fixture:
    """What a run needs to drive the measured tenant: who to act as, a door token, bench-big's tickets."""

    account_id: uuid.UUID
    team_id: str
    team_name: str
    owner_slack_id: str
    door_token: str
    codes: list[str]


async def settle(url: str) -> float:
    """Do what autovacuum would have done since the rows were written (hint bits, visibility map, dead rows,
    statistics), so every run starts alike even on a server that runs without it; the seconds it took."""
    started = time.perf_counter()
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("VACUUM (ANALYZE)")
    finally:
        await connection.close()
    return time.perf_counter() - started


async def ready_for_run(url: str, account: uuid.UUID) -> Fixture:
    """Undo the previous run in the measured tenant and hand out a fresh door token for bench-big.

    bench-big starts this hour again (so it still sells and admits), its check-ins and their
    timeline entries go, held orders from /sell go and its counters are recounted from attendees.
    """
    token = "dt_bench_" + secrets.token_urlsafe(24)
    connection = await asyncpg.connect(url)
    try:
        async with connection.transaction():
            await _as_tenant(connection, account)
            big = await connection.fetchval(
                f"""UPDATE events SET starts_at = date_trunc('hour', now()), ends_at = date_trunc('hour', now()) + interval '6 hours',
                                      status = 'published'
                    WHERE slug = '{BIG_EVENT}' RETURNING id"""
            )
            await connection.execute("DELETE FROM check_ins WHERE event_id = $1", big)
            await connection.execute("DELETE FROM interactions WHERE kind IN ('checkin', 'campaign')")
            await connection.execute("DELETE FROM campaigns")
            await connection.execute("DELETE FROM door_tokens WHERE event_id = $1", big)
            sold = "SELECT id FROM orders WHERE event_id = $1 AND created_by IS NOT NULL"
            await connection.execute(f"DELETE FROM order_lines WHERE order_id IN ({sold})", big)
            await connection.execute(f"DELETE FROM orders WHERE id IN ({sold})", big)
            await connection.execute(
                """UPDATE products p SET sold = (SELECT count(*) FROM attendees a WHERE a.product_id = p.id),
                                         capacity = CASE WHEN p.slug = 'ga' THEN 10000000 ELSE p.capacity END
                   WHERE p.event_id = $1""", big,
            )
            await connection.execute(
                "UPDATE events e SET sold = (SELECT count(*) FROM attendees a WHERE a.event_id = e.id) WHERE e.id = $1", big
            )
            await connection.execute(
                "INSERT INTO door_tokens (account_id, event_id, name, token_hash) VALUES ($1, $2, 'Bench door', $3)",
                account, big, hashlib.sha256(token.encode()).hexdigest(),
            )
            team = await connection.fetchrow("SELECT slack_team_id, name FROM accounts WHERE id = $1", account)
            owner = await connection.fetchval("SELECT slack_user_id FROM users WHERE role = 'owner' ORDER BY created_at LIMIT 1")
            codes = [r["code"] for r in await connection.fetch("SELECT code FROM tickets WHERE event_id = $1 ORDER BY id", big)]
        return Fixture(account, team["slack_team_id"], team["name"], owner, token, codes)
    finally:
        await connection.close()


async def admissions(url: str, account: uuid.UUID) -> tuple[int, int]:
    """bench-big's admitted check-ins, and how many tickets were admitted more than once (must be 0)."""
    connection = await asyncpg.connect(url)
    try:
        async with connection.transaction():
            await _as_tenant(connection, account)
            big = await connection.fetchval(f"SELECT id FROM events WHERE slug = '{BIG_EVENT}'")
            admitted = await connection.fetchval(
                "SELECT count(*) FROM check_ins WHERE event_id = $1 AND result = 'admitted'", big
            )
            doubled = await connection.fetchval(
                """SELECT count(*) FROM (SELECT ticket_id FROM check_ins WHERE event_id = $1 AND result = 'admitted'
                                         GROUP BY ticket_id HAVING count(*) > 1) twice""", big,
            )
        return admitted, doubled
    finally:
        await connection.close()


async def clear_checkins(url: str, account: uuid.UUID) -> None:
    """Forget bench-big's check-ins (and their timeline entries), so its tickets admit again."""
    connection = await asyncpg.connect(url)
    try:
        async with connection.transaction():
            await _as_tenant(connection, account)
            await connection.execute(
                f"DELETE FROM check_ins WHERE event_id = (SELECT id FROM events WHERE slug = '{BIG_EVENT}')"
            )
            await connection.execute("DELETE FROM interactions WHERE kind = 'checkin'")
    finally:
        await connection.close()


async def row_estimates(url: str) -> dict[str, int]:
    """Rows per table across the benchmark tenants (the planner's estimates, kept by ANALYZE)."""
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            """SELECT relname, reltuples::bigint AS n FROM pg_class
               WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace AND reltuples > 0 ORDER BY relname"""
        )
        return {row["relname"]: row["n"] for row in rows}
    finally:
        await connection.close()
