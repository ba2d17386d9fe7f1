"""Faults on two real `eventos serve` processes sharing one database: SIGKILL, terminated connections, Slack errors.

Everything is counted where it arrives (the SMTP sink, the Slack stand-in) and held against what
the database recorded: each delivery arrives at least once, more than once only when the database
recorded it as in doubt, and those are no more than the processes killed; every sale alert appears
exactly once in its channel; every ticket is admitted once at the door; every answer during the
faults is a clean one (a Slack sentence, or the scanner API's JSON with Retry-After).
"""

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from bench.server import Server, start_server
from core.accounts import accounts
from core.campaigns import campaigns, sender
from core.door import tokens as door_tokens
from core.jobs import outbox
from core.sales import payments
from core.services import Services
from db.models import (
    Campaign,
    CampaignRecipient,
    CheckIn,
    Contact,
    Order,
    OutboxMessage,
    Ticket,
    TicketEmail,
)
from db.session import Database
from db.urls import async_url
from tests.conftest import _create_database, _drop_database
from tests.conftest import test_settings as make_settings
from tests.support.factories import make_event, make_product
from tests.support.slack_requests import SlackDriver
from devtools.slack_standin import SlackStandin
from tests.support.smtp_sink import SmtpSink

SECRET_KEY = "faults-secret-key-0123456789abcdef"
SIGNING_SECRET = "faults-signing-secret"
BOT_TOKEN = "xoxb-faults"
OWNER = "U0OWNER"
RECIPIENTS = 3000
ORDERS = 300

pytestmark = pytest.mark.timeout(300)


@dataclass
class Cluster:
    url: str
    services: Services
    standin: SlackStandin
    sink: SmtpSink
    workdir: Path
    servers: dict[str, Server]
    tenant: object = None
    kills: int = 0

    async def start(self, name: str) -> Server:
        home = self.workdir / name
        home.mkdir(exist_ok=True)
        self.servers[name] = await start_server(home, {
            "DATABASE_URL": self.url, "EVENTOS_SECRET_KEY": SECRET_KEY, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": self.standin.base_url, "SMTP_URL": self.sink.url,
            "EVENTOS_BASE_URL": "http://eventos.test",
        })
        return self.servers[name]

    async def kill(self, name: str) -> None:
        """SIGKILL: no shutdown, no goodbye; the process's claims and connections die with it."""
        process = self.servers[name].process
        process.kill()
        await process.wait()
        self.kills += 1

    async def terminate_backends(self) -> int:
        """pg_terminate_backend on every connection to the database but this one."""
        engine = create_async_engine(async_url(self.url))
        try:
            async with engine.connect() as connection:
                return len((await connection.execute(text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ))).all())
        finally:
            await engine.dispose()

    async def count(self, model, *where) -> int:
        async with self.services.db.tenant(self.tenant.account_id) as session:
            return await session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
async def cluster(server_url, tmp_path):
    url = await _create_database(server_url, "eventos_faults")
    standin = SlackStandin()
    await standin.start()
    sink = SmtpSink()
    sink.start()
    services = Services(db=Database(url, pool_size=4, max_overflow=4), settings=make_settings())
    cluster = Cluster(url, services, standin, sink, tmp_path, {})
    workspace = await accounts.install_workspace(
        services, team_id=standin.team_id, enterprise_id=None, name="Faults", installer=OWNER,
    )
    cluster.tenant = await accounts.acting_user(services, workspace, slack_user_id=OWNER, load_profile=_never)
    try:
        yield cluster
    finally:
        for server in cluster.servers.values():
            await server.stop()
        await services.db.dispose()
        await standin.stop()
        sink.stop()
        await _drop_database(server_url, url)


async def _never():
    raise AssertionError("the owner exists already")


async def wait_until(check, *, timeout: float, what: str) -> float:
    """Poll `check()` until true; returns the seconds it took."""
    started = time.monotonic()
    while not await check():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        await asyncio.sleep(0.25)
    return time.monotonic() - started


def arrivals(sink: SmtpSink, prefix: str) -> Counter:
    return Counter(to for d in sink.deliveries for to in d.rcpt_tos if to.startswith(prefix))


async def test_a_sender_killed_mid_campaign_leaves_at_most_one_in_doubt_and_the_survivor_finishes(cluster):
    tenant = cluster.tenant
    async with cluster.services.db.tenant(tenant.account_id) as session:
        await session.execute(insert(Contact).values([
            dict(account_id=tenant.account_id, email=f"fan{n}@ex.org", first_name=f"Fan{n}", tags=["fans"],
                 email_consent=True)
            for n in range(RECIPIENTS)
        ]))
    campaign = await campaigns.create_campaign(
        cluster.services, replace(tenant, channel_id="C0REPORTS"), name="Spring", audience="tag:fans",
        template="announcement", subject="Spring is here", message="Tickets are on sale.",
    )
    await cluster.start("a")
    await campaigns.send_campaign_now(cluster.services, tenant, slug=campaign.slug)
    await wait_until(lambda: _arrived(cluster.sink, 300), timeout=90, what="the campaign starts")
    await cluster.start("b")  # the campaign's claim is a's: b waits for it to lapse
    await wait_until(lambda: _arrived(cluster.sink, RECIPIENTS // 2), timeout=90, what="the campaign goes on")
    await cluster.kill("a")
    killed_at = time.monotonic()
    await cluster.start("a")

    async def finished() -> bool:
        return await cluster.count(Campaign, Campaign.id == campaign.id, Campaign.status == "sent") == 1

    await wait_until(finished, timeout=120, what="the survivor finishes the campaign")
    assert time.monotonic() - killed_at < 120
    received = arrivals(cluster.sink, "fan")
    in_doubt = await cluster.count(CampaignRecipient, CampaignRecipient.in_doubt)
    assert len(received) == RECIPIENTS, "every recipient got the campaign"
    twice = sum(n - 1 for n in received.values())
    assert twice <= in_doubt <= sender.LANES * cluster.kills, "only the messages in flight were in doubt"
    assert await cluster.count(CampaignRecipient, CampaignRecipient.status == "sent") == RECIPIENTS


async def _arrived(sink: SmtpSink, n: int) -> bool:
    return len(sink.deliveries) >= n


async def test_a_burst_of_paid_orders_then_the_door_through_kills_terminated_connections_and_slack_errors(cluster):
    tenant = cluster.tenant
    event = await make_event(cluster.services, tenant, sales_channel="C0SALES")
    await make_product(cluster.services, tenant, event, capacity=2 * ORDERS)  # not sold out: a sell-out adds its own announcement
    references = []
    for n in range(ORDERS):
        sale = await payments.sell(cluster.services, tenant, event=event.slug, ticket="ga", email=f"buyer{n}@ex.org")
        references.append(sale.order.reference)
    for name in ("a", "b"):
        await cluster.start(name)
    # Slack has a bad minute: errors, then rate limits.
    cluster.standin.fail_next("chat.postMessage", status=500, times=8)
    cluster.standin.fail_next("chat.postMessage", status=429, times=8, retry_after=1)

    answers: list[str] = []
    statuses: Counter = Counter()
    alive = {"a", "b"}
    drivers = {
        name: SlackDriver(f"{server.url}/slack/events", SIGNING_SECRET, cluster.standin)
        for name, server in cluster.servers.items()
    }

    slots = asyncio.Semaphore(8)

    async def pay(n: int, reference: str) -> None:
        async with slots:
            for turn in range(6):
                name = sorted(alive)[(n + turn) % len(alive)]
                try:
                    sent = await drivers[name].command("/order", f"paid {reference} method=cash", user_id=OWNER)
                except aiohttp.ClientError:
                    await asyncio.sleep(0.5)  # that server is down: the person tries the other one
                    continue
                statuses[sent.status] += 1
                try:
                    responses = await drivers[name].wait_responses(sent, timeout=15)
                except TimeoutError:
                    return  # acked, then the process died: no answer comes (checked below)
                answers.extend(response.get("text", "") for response in responses)
                return

    burst = asyncio.gather(*(pay(n, reference) for n, reference in enumerate(references)))
    await wait_until(lambda: _paid(cluster, 100), timeout=90, what="a third of the orders are paid")
    alive.discard("b")
    await cluster.kill("b")
    for _ in range(3):  # the database drops every connection, three times, under load
        assert await cluster.terminate_backends() >= 1
        await asyncio.sleep(1.5)
    await cluster.start("b")
    drivers["b"] = SlackDriver(f"{cluster.servers['b'].url}/slack/events", SIGNING_SECRET, cluster.standin)
    alive.add("b")
    await burst

    # Anything the killed server acked but never did, the person pays again (it answers "already paid" if done).
    unpaid = await _unpaid(cluster)
    for reference in unpaid:
        await pay(0, reference)
    assert await _unpaid(cluster) == []

    async def delivered() -> bool:
        emails = await cluster.count(TicketEmail, TicketEmail.status != "sent")
        alerts = await cluster.count(OutboxMessage, OutboxMessage.channel_id == "C0SALES", OutboxMessage.status != "sent")
        return emails == 0 and alerts == 0

    await wait_until(delivered, timeout=120, what="every ticket email and sale alert is sent")

    received = arrivals(cluster.sink, "buyer")
    assert len(received) == ORDERS, "every order's ticket email arrived"
    emails_in_doubt = await cluster.count(TicketEmail, TicketEmail.in_doubt)
    assert sum(n - 1 for n in received.values()) <= emails_in_doubt

    async with cluster.services.db.tenant(tenant.account_id) as session:
        alert_ids = set(map(str, (await session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.channel_id == "C0SALES")
        )).all()))
    posted = Counter(
        c.params["metadata"]["event_payload"]["key"] for c in cluster.standin.calls_to("chat.postMessage")
        if c.params.get("channel") == "C0SALES"
    )
    assert len(alert_ids) == ORDERS and set(posted) == alert_ids and set(posted.values()) == {1}, (
        "every sale alert appears exactly once in its channel"
    )
    in_doubt = emails_in_doubt + await cluster.count(OutboxMessage, OutboxMessage.in_doubt)
    # A killed process leaves in doubt at most what it had in flight: an alert per account it was
    # sending for, and one ticket email; only those emails may arrive twice.
    assert sum(n - 1 for n in received.values()) <= cluster.kills
    assert in_doubt <= (outbox.ACCOUNTS_AT_ONCE + 1) * cluster.kills
    assert set(statuses) <= {200}
    assert all(answer and "Traceback" not in answer for answer in answers)

    await _scan_every_ticket_through_faults(cluster, event.slug)


async def _scan_every_ticket_through_faults(cluster: Cluster, event_slug: str) -> None:
    """Each ticket scanned at the door while a server is killed and connections are cut: admitted once, none lost."""
    issued = await door_tokens.create_door_token(cluster.services, cluster.tenant, event_slug=event_slug)
    async with cluster.services.db.tenant(cluster.tenant.account_id) as session:
        codes = list((await session.scalars(select(Ticket.code))).all())
    alive = {"a", "b"}
    answers: Counter = Counter()
    first: dict[str, str] = {}
    slots = asyncio.Semaphore(8)

    async def scan(n: int, code: str) -> None:
        nonce = f"scan-{n}"
        async with slots, aiohttp.ClientSession() as http:
            for turn in range(20):
                name = sorted(alive)[(n + turn) % len(alive)]
                try:
                    async with http.post(
                        f"{cluster.servers[name].url}/api/v1/checkins", json={"code": code, "nonce": nonce},
                        headers={"Authorization": f"Bearer {issued.secret}"},
                    ) as response:
                        body = await response.json()  # every answer is JSON, faults included
                        answers[(response.status, body.get("result") or body.get("error"))] += 1
                except aiohttp.ClientError:
                    await asyncio.sleep(0.3)
                    continue
                if response.status == 200:
                    first[code] = body["result"]
                    return
                assert response.status == 503 and response.headers["Retry-After"]
                await asyncio.sleep(0.3)

    scanning = asyncio.gather(*(scan(n, code) for n, code in enumerate(codes)))
    await wait_until(lambda: _admitted(cluster, 100), timeout=60, what="a third of the tickets are admitted")
    alive.discard("a")
    await cluster.kill("a")
    for _ in range(2):
        assert await cluster.terminate_backends() >= 1
        await asyncio.sleep(1)
    await cluster.start("a")
    alive.add("a")
    await scanning

    assert set(first.values()) == {"admitted"} and len(first) == len(codes), "each ticket admitted, at its first answer"
    assert await _admitted(cluster, len(codes)) and await cluster.count(CheckIn, CheckIn.result == "admitted") == len(codes)
    assert {status for status, _ in answers} <= {200, 503}


async def _admitted(cluster: Cluster, n: int) -> bool:
    return await cluster.count(CheckIn, CheckIn.result == "admitted") >= n


async def _paid(cluster: Cluster, n: int) -> bool:
    return await cluster.count(Order, Order.status == "paid") >= n


async def _unpaid(cluster: Cluster) -> list[str]:
    async with cluster.services.db.tenant(cluster.tenant.account_id) as session:
        return list((await session.scalars(select(Order.reference).where(Order.status != "paid"))).all())
