"""The core flows through a real PgBouncer in transaction mode, on two server connections.

Every transaction may land on another server connection, so these tests break anything that leans on
the session: a named prepared statement (it exists on one server connection and not the next, or
twice), a role or tenant set for the session instead of the transaction, a role given at start-up.
The pool here has PgBouncer's defaults for transaction mode (no reset between clients): the app
alone must leave nothing behind.
"""

import asyncio
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from bot.notifier import SlackNotifier, fixed_token
from core.campaigns import campaigns, sender
from core.door import tokens as door_tokens
from core.gateways.smtp_mailer import SmtpMailer
from core.jobs import outbox
from core.sales import tickets
from core.services import Services
from db import logins
from db.models import CheckIn, Contact, Order, OutboxMessage, Payment, Ticket
from db.session import Database
from db.slack_store import build_slack_stores
from tests.conftest import SECRET_KEY, server_login
from tests.conftest import test_settings as settings_for
from tests.support.campaign_data import add_contact
from tests.support.factories import make_event, make_product
from tests.support.harness import start_harness
from tests.support.stripe_standin import sign_webhook

PGBOUNCER = shutil.which("pgbouncer") or next(
    (path for path in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if os.access(path, os.X_OK)), None
)
pytestmark = pytest.mark.skipif(
    PGBOUNCER is None, reason="pgbouncer is not installed (Debian: apt-get install pgbouncer; .ci/run installs it)"
)

SERVER_CONNECTIONS = 2  # PgBouncer's pool per login: far fewer than the app's client connections
CLIENT_CONNECTIONS = 12
WEBHOOK_SECRET = "whsec_test_pooler"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _upstream(database_url: str) -> tuple[str, int]:
    """Host (or Unix socket directory) and port of the test server, as PgBouncer's [databases] takes them."""
    url = make_url(database_url)
    host = url.host or url.query.get("host") or "/tmp"
    return host, url.port or 5432


def _run_as(host: str) -> list[str]:
    """PgBouncer refuses to run as root: then it runs as the owner of the server's socket directory, or nobody."""
    if os.geteuid() != 0:
        return []
    owner = pwd.getpwuid(os.stat(host).st_uid).pw_name if host.startswith("/") else "nobody"
    return ["-u", owner]


@pytest.fixture(scope="module")
def pgbouncer(database_url: str):
    """PgBouncer in transaction mode in front of the test database; yields the owner-style URL through it."""
    host, port = _upstream(database_url)
    listen = _free_port()
    users = {
        logins.login_name(database_url, login): logins.login_password(SECRET_KEY.encode(), logins.login_name(database_url, login))
        for login in logins.LOGINS
    }
    work = Path(tempfile.mkdtemp(prefix="eventos-pgbouncer-"))
    (work / "userlist.txt").write_text("".join(f'"{name}" "{password}"\n' for name, password in users.items()))
    (work / "pgbouncer.ini").write_text(f"""\
[databases]
* = host={host} port={port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen}
unix_socket_dir =
auth_type = scram-sha-256
auth_file = {work / "userlist.txt"}
pool_mode = transaction
default_pool_size = {SERVER_CONNECTIONS}
max_client_conn = 200
logfile = {work / "pgbouncer.log"}
pidfile =
""")
    command = [PGBOUNCER, *_run_as(host), str(work / "pgbouncer.ini")]
    if command[1:2] == ["-u"]:
        work.chmod(0o755)
        for path in work.iterdir():
            path.chmod(0o644)
        (work / "pgbouncer.log").touch(mode=0o666)
        shutil.chown(work / "pgbouncer.log", user=command[2])
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", listen), timeout=0.5).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log = (work / "pgbouncer.log").read_text() if (work / "pgbouncer.log").exists() else ""
                pytest.fail(f"pgbouncer did not start: {process.stderr.read().decode()} {log}")
            time.sleep(0.05)
    try:
        yield make_url(database_url).set(host="127.0.0.1", port=listen, query={}).render_as_string(hide_password=False)
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="module")
async def db(pgbouncer: str):
    """The server's login through PgBouncer: every unit of work of these tests goes through the pooler."""
    database = Database(server_login(pgbouncer), pooler=True, pool_size=CLIENT_CONNECTIONS, max_overflow=0)
    yield database
    await database.dispose()


@pytest.fixture
async def shop(db, slack_standin, stripe_standin, smtp_sink):
    settings = settings_for(
        slack_api_url=slack_standin.base_url, stripe_api_key="sk_test_pooler", stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_api_base=stripe_standin.base_url, smtp_url=smtp_sink.url,
    )
    harness = await start_harness(Services(db=db, settings=settings), slack_standin)
    harness.services.notifier = SlackNotifier(harness.services.settings, fixed_token("xoxb-test-token"))
    yield harness
    await harness.runner.cleanup()


async def _post(http: aiohttp.ClientSession, url: str, **kw) -> tuple[int, dict]:
    async with http.post(url, **kw) as response:
        return response.status, await response.json()


async def _count(db: Database, account_id: uuid.UUID, model, *where) -> int:
    async with db.tenant(account_id) as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where))


async def test_the_logins_pass_their_audit_through_the_pooler(pgbouncer):
    await logins.verify_logins(pgbouncer, SECRET_KEY.encode(), pooler=True)


async def test_sell_pay_by_webhook_and_admit_at_the_door(shop, stripe_standin, smtp_sink):
    services = shop.services
    tenant = await shop.tenant()
    event = await make_event(services, tenant, name="Pooler Gala", sales_channel="C0SALES")
    await make_product(services, tenant, event, capacity=10)

    sold = await asyncio.gather(*(shop.run("/sell", f"{event.slug} ga qty=2 email=buyer{n}@example.com") for n in range(6)))

    # Ten seats, six buyers of two: five hold their seats, one is told it is sold out.
    assert sum("checkout.stripe.com" in str(answer.get("blocks", "")) for answer in sold) == 5
    assert await _count(services.db, tenant.account_id, Order, Order.status == "pending") == 5
    async with services.db.tenant(tenant.account_id) as session:
        sessions = list(await session.scalars(select(Order.checkout_session_id).where(Order.status == "pending")))
    async with aiohttp.ClientSession() as http:
        deliveries = []
        for session_id in sessions:
            payload = json.dumps(stripe_standin.complete(session_id)).encode()
            headers = {"Stripe-Signature": sign_webhook(payload, WEBHOOK_SECRET), "Content-Type": "application/json"}
            # Stripe delivers each event more than once: three copies of each, all at once.
            deliveries += [_post(http, f"{shop.base_url}/stripe/webhook", data=payload, headers=headers) for _ in range(3)]
        outcomes = Counter(body["outcome"] for _, body in await asyncio.gather(*deliveries))
    assert outcomes == Counter(applied=len(sessions), duplicate=2 * len(sessions))
    assert await _count(services.db, tenant.account_id, Payment) == len(sessions)
    assert await tickets.send_due(services, account_id=tenant.account_id) == len(sessions)
    assert len(smtp_sink.deliveries) == len(sessions)

    issued = await door_tokens.create_door_token(services, tenant, event_slug=event.slug, name="Main entrance")
    async with services.db.tenant(tenant.account_id) as session:
        codes = list(await session.scalars(select(Ticket.code)))
    assert len(codes) == 2 * len(sessions)
    async with aiohttp.ClientSession(base_url=shop.base_url, headers={"Authorization": f"Bearer {issued.secret}"}) as http:
        # Every ticket scanned four times at once: each admitted exactly once.
        answers = await asyncio.gather(*(_post(http, "/api/v1/checkins", json={"code": code}) for code in codes * 4))
    assert {status for status, _ in answers} == {200}
    assert Counter(body["result"] for _, body in answers) == Counter(admitted=len(codes), already_admitted=3 * len(codes))
    assert await _count(services.db, tenant.account_id, CheckIn, CheckIn.result == "admitted") == len(codes)


async def test_a_campaign_goes_out_once_per_recipient_and_a_digest_is_posted(shop, smtp_sink):
    services = shop.services
    services.mailer = SmtpMailer(smtp_sink.url, "Team <team@ex.test>", retry_delay=0.01)
    tenant = await shop.tenant()
    emails = [f"fan{n}@ex.org" for n in range(20)]
    await asyncio.gather(*(add_contact(services, tenant, email, tags=("vip",)) for email in emails))
    campaign = await campaigns.create_campaign(
        services, tenant, name="Pooler news", audience="tag:vip", template="announcement",
        subject="News", message="Tickets are on sale.",
    )
    await campaigns.send_campaign_now(services, tenant, slug=campaign.slug)

    # Two senders at once, as two replicas' tickers would be.
    sent = await asyncio.gather(*(sender.send_due(services, account_id=tenant.account_id) for _ in range(2)))

    assert sum(sent) == len(emails)
    assert Counter(to for delivery in smtp_sink.deliveries for to in delivery.rcpt_tos) == Counter(emails)

    answer = await shop.run("/digest", "now", channel_id="C0TEAM")
    assert "Posting the sales and check-in digest" in answer["text"]
    assert await outbox.drain(services, account_id=tenant.account_id) >= 1
    assert [call for call in shop.standin.calls_to("chat.postMessage") if call.params["channel"] == "C0TEAM"]
    assert await _count(services.db, tenant.account_id, OutboxMessage, OutboxMessage.sent_at.is_(None)) == 0


async def test_two_accounts_interleaved_on_two_server_connections_never_see_each_other(db, make_tenant):
    first, second = await make_tenant(), await make_tenant()
    backends: set[int] = set()

    async def unit(tenant, n: int) -> None:
        async with db.tenant(tenant.account_id) as session:
            backends.add(await session.scalar(text("SELECT pg_backend_pid()")))
            session.add(Contact(account_id=tenant.account_id, email=f"n{n}@{tenant.account_id.hex[:8]}.test", first_name=f"N{n}"))
            await session.flush()
            await asyncio.sleep(0)  # let the other account's units run on the other server connection
            seen = set(await session.scalars(select(Contact.account_id)))
            assert seen == {tenant.account_id}, f"{tenant.account_id} saw {seen}"
            assert await session.scalar(text("SELECT current_setting('app.account_id')")) == str(tenant.account_id)
            assert await session.scalar(text("SELECT current_user")) == "eventos_app"

    async def system_unit() -> None:
        async with db.system() as session:
            assert await session.scalar(text("SELECT current_user")) == "eventos_system"
            assert await session.scalar(text("SELECT current_setting('app.account_id', true)")) == ""

    work = [unit(first if n % 2 else second, n) for n in range(120)] + [system_unit() for _ in range(20)]
    await asyncio.gather(*work)

    assert len(backends) <= SERVER_CONNECTIONS  # twelve client connections really shared two server ones
    assert await _count(db, first.account_id, Contact) == 60 == await _count(db, second.account_id, Contact)
    # Between transactions, a server connection is the login itself again: no role, no tenant left over.
    async with db.engine.connect() as connection:
        leftover = (await connection.execute(text(
            "SELECT current_user, current_setting('app.account_id', true)"
        ))).one()
    assert leftover == (logins.login_name(db.url, logins.SERVER), "")


async def test_a_session_level_setting_does_not_reach_the_next_unit_of_work_as_a_role_or_tenant(db, make_tenant):
    """Even a session-wide set_config (what injected SQL could do) is overridden by every unit of work's first statement."""
    victim, attacker = await make_tenant(), await make_tenant()
    async with db.tenant(attacker.account_id) as session:
        await session.execute(text("SELECT set_config('app.account_id', :other, false)"), {"other": str(victim.account_id)})

    async def look(tenant) -> set[uuid.UUID]:
        async with db.tenant(tenant.account_id) as session:
            await session.execute(text("SELECT pg_sleep(0.01)"))
            return set(await session.scalars(select(Contact.account_id)))

    await add_contact_rows(db, victim, 3)
    seen = await asyncio.gather(*(look(attacker) for _ in range(20)))
    assert all(rows <= {attacker.account_id} for rows in seen)


async def add_contact_rows(db: Database, tenant, count: int) -> None:
    async with db.tenant(tenant.account_id) as session:
        session.add_all(
            Contact(account_id=tenant.account_id, email=f"v{n}@{tenant.account_id.hex[:8]}.test", first_name=f"V{n}") for n in range(count)
        )


async def test_the_slack_installation_store_works_through_the_pooler(pgbouncer):
    from slack_sdk.oauth.installation_store import Installation

    stores = build_slack_stores(pgbouncer, client_id="C123", secret_key=SECRET_KEY.encode(), pooler=True)
    try:
        team = "T" + uuid.uuid4().hex[:10].upper()
        installation = Installation(
            app_id="A1", team_id=team, user_id="U1", bot_token="xoxb-pooled", bot_id="B1", bot_user_id="UB1",
        )
        await asyncio.gather(*(stores.installations.async_save(installation) for _ in range(4)))
        found = await asyncio.gather(*(stores.installations.async_find_bot(enterprise_id=None, team_id=team) for _ in range(8)))
        assert {bot.bot_token for bot in found} == {"xoxb-pooled"}
    finally:
        await stores.close()
