"""Two `eventos serve` replicas on one database; one is SIGKILLed in the middle of everything, the other finishes.

Replica a is sending a campaign, posting digests (Slack answers slowly) and admitting tickets when
it is killed; replica b is admitting the same tickets at the same time. Everything is counted where
it arrives (the SMTP sink, the Slack stand-in, the scanner's answers) and held against the database:
every fan gets the campaign (a second copy only for the few messages the database holds in doubt,
those that were in the mail server's hands as the process died), each digest is posted once, each
ticket is admitted once, every outbox message is posted once, and b alone finishes all of it.
"""

import asyncio
import os
import signal
import time
from collections import Counter
from dataclasses import replace
from datetime import timedelta

import aiohttp
import pytest
from sqlalchemy import func, insert, select, update

from core.accounts import accounts
from core.campaigns import campaigns, sender
from core.digests import subscriptions
from core.door import tokens as door_tokens
from core.services import Services
from db.models import Campaign, CampaignRecipient, CheckIn, Contact, DigestRun, DigestSubscription, OutboxMessage
from db.session import Database
from devtools.slack_standin import SlackStandin
from tests.conftest import SECRET_KEY, _create_database, _drop_database, server_login
from tests.conftest import test_settings as make_settings
from tests.support import door_factories
from tests.support.server_process import ServerProcess, start_server
from tests.support.smtp_sink import SmtpSink

SIGNING_SECRET = "replicas-signing-secret"
BOT_TOKEN = "xoxb-replicas"
OWNER = "U0REPLICAS"
FANS = 240
DIGESTS = 24
TICKETS = 80

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
async def world(server_url, tmp_path):
    """A database of its own (the replicas' jobs see every account in it), Slack and a mail server."""
    url = await _create_database(server_url, "eventos_replicas")
    standin = SlackStandin(token=BOT_TOKEN)
    standin.register_token(BOT_TOKEN, standin.team_id)
    await standin.start()
    sink = SmtpSink()
    sink.start()
    services = Services(db=Database(server_login(url), pool_size=4, max_overflow=4), settings=make_settings())
    servers: list[ServerProcess] = []
    try:
        yield url, services, standin, sink, servers
    finally:
        for server in servers:
            server.kill()
        await services.db.dispose()
        await standin.stop()
        sink.stop()
        await _drop_database(server_url, url)


async def wait_until(check, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        await asyncio.sleep(0.2)


async def test_a_replica_killed_mid_campaign_digests_and_door_leaves_nothing_lost_or_doubled(world, tmp_path):
    url, services, standin, sink, servers = world
    workspace = await accounts.install_workspace(services, team_id=standin.team_id, enterprise_id=None, name="Replicas", installer=OWNER)
    tenant = await accounts.acting_user(services, workspace, slack_user_id=OWNER, load_profile=_never)

    async def count(model, *where) -> int:
        async with services.db.tenant(tenant.account_id) as session:
            return await session.scalar(select(func.count()).select_from(model).where(*where))

    # The campaign's audience, the digest subscriptions (all due), and tickets for the door.
    async with services.db.tenant(tenant.account_id) as session:
        await session.execute(insert(Contact).values([
            dict(account_id=tenant.account_id, email=f"fan{n}@ex.org", first_name=f"Fan{n}", tags=["fans"], email_consent=True)
            for n in range(FANS)
        ]))
    campaign = await campaigns.create_campaign(
        services, replace(tenant, channel_id="C0REPORTS"), name="Autumn", audience="tag:fans",
        template="announcement", subject="Autumn is here", message="Tickets are on sale.",
    )
    channels = [f"C0DIGEST{n:03d}" for n in range(DIGESTS)]
    for channel in channels:
        await subscriptions.subscribe(services, tenant, channel_id=channel, kind="both", at="09:00")
    async with services.db.tenant(tenant.account_id) as session:
        await session.execute(update(DigestSubscription).values(next_run_at=func.now() - timedelta(minutes=1)))
    event = await door_factories.make_event(services, tenant)
    codes = [(await door_factories.make_ticket(services, tenant, event, name=f"Guest {n}")).code for n in range(TICKETS)]
    door = await door_tokens.create_door_token(services, tenant, event_slug=event.slug)
    # Slack answers slowly, so replica a is still posting digests when it dies.
    standin.delay("chat.postMessage", 0.6)

    env = {
        "DATABASE_URL": url, "EVENTOS_SECRET_KEY": SECRET_KEY, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": standin.base_url, "SMTP_URL": sink.url,
        "EVENTOS_BASE_URL": "http://eventos.test", "EVENTOS_DB_CONNECTIONS": "10",
        "EVENTOS_RATE_SCANNER_CLIENT": "100000/second", "EVENTOS_RATE_SCANNER_TOKEN": "100000/second",
    }
    # The mail server takes 40 fans' messages, then keeps the rest waiting: a dies mid-campaign, with messages in its hands.
    sink.hold_after(40, to="fan")
    a = start_server(tmp_path / "a", env, "--workers", "1")
    servers.append(a)
    await a.wait_serving()
    await campaigns.send_campaign_now(services, tenant, slug=campaign.slug)
    await wait_until(lambda: _arrived(sink, 40), timeout=30, what="replica a starts the campaign")
    await wait_until(lambda: _posted(standin, channels, 2), timeout=30, what="replica a starts posting digests")
    b = start_server(tmp_path / "b", env, "--workers", "1")
    servers.append(b)
    await b.wait_serving()

    # Every ticket is scanned at both replicas at once: two door scanners racing for one admission.
    alive = {"a": a, "b": b}
    final: dict[tuple[str, str], str] = {}

    async def scan(code: str, scanner: str, first: str) -> None:
        nonce = f"{scanner}-{code}"
        async with aiohttp.ClientSession() as http:
            for turn in range(60):
                name = first if first in alive else next(iter(alive))
                try:
                    async with http.post(
                        f"{alive[name].url}/api/v1/checkins", json={"code": code, "nonce": nonce},
                        headers={"Authorization": f"Bearer {door.secret}"},
                    ) as response:
                        body = await response.json()
                except aiohttp.ClientError:
                    await asyncio.sleep(0.2)  # that replica is gone: the scanner tries again, same scan
                    continue
                if response.status == 200:
                    final[(code, scanner)] = body["result"]
                    return
                assert response.status == 503, body
                await asyncio.sleep(0.2)

    slots = asyncio.Semaphore(8)

    async def both(code: str) -> None:
        async with slots:
            await asyncio.gather(scan(code, "north", "a"), scan(code, "south", "b"))

    door_burst = asyncio.gather(*(both(code) for code in codes))
    await wait_until(lambda: count(CheckIn), timeout=30, what="the door is admitting")
    posted_before = len(_digest_posts(standin, channels))
    sending_before = await count(Campaign, Campaign.id == campaign.id, Campaign.status == "sending")
    os.kill(a.process.pid, signal.SIGKILL)
    a.process.wait(timeout=10)
    del alive["a"]
    killed_at = time.monotonic()
    sink.release()
    assert sending_before == 1 and posted_before < DIGESTS, "a died in the middle of the campaign and the digests"

    await door_burst

    async def finished() -> bool:
        return (
            await count(Campaign, Campaign.id == campaign.id, Campaign.status == "sent") == 1
            and await count(OutboxMessage, OutboxMessage.status != "sent") == 0
            and await count(DigestRun) == DIGESTS
            and await count(OutboxMessage) >= DIGESTS + 1  # the digests and the campaign's report
        )

    await wait_until(finished, timeout=60, what="replica b finishes what a left")
    survivor_took = time.monotonic() - killed_at

    # The campaign: every fan got it; a second copy only where the database holds it in doubt (same Message-ID).
    received = Counter(to for d in sink.deliveries for to in d.rcpt_tos if to.startswith("fan"))
    assert len(received) == FANS
    in_doubt = await count(CampaignRecipient, CampaignRecipient.in_doubt)
    doubled = {to for to, n in received.items() if n > 1}
    assert all(n <= 2 for n in received.values())
    assert len(doubled) <= in_doubt <= sender.LANES, (doubled, in_doubt)
    for to in doubled:
        ids = {d.message["Message-ID"] for d in sink.deliveries if to in d.rcpt_tos}
        assert len(ids) == 1, f"{to}'s second copy is the same message"
    assert await count(CampaignRecipient, CampaignRecipient.status == "sent") == FANS

    # Each digest once, each outbox message once (by the delivery key each post carries).
    assert Counter(call.params["channel"] for call in _digest_posts(standin, channels)) == Counter(channels)
    async with services.db.tenant(tenant.account_id) as session:
        keys = {str(key) for key in (await session.scalars(select(OutboxMessage.id))).all()}
    posted = Counter(
        call.params["metadata"]["event_payload"]["key"] for call in standin.calls_to("chat.postMessage")
        if call.params.get("metadata")
    )
    assert set(posted) == keys and set(posted.values()) == {1}

    # The door: each ticket admitted once, whichever replica and scanner got there first.
    admitted = Counter(code for (code, _), result in final.items() if result == "admitted")
    assert len(final) == 2 * TICKETS
    assert admitted == Counter(codes), "each ticket was admitted by exactly one of its two scanners"
    assert await count(CheckIn, CheckIn.result == "admitted") == TICKETS

    assert b.process.poll() is None, b.log()
    assert survivor_took < 60


async def _posted(standin: SlackStandin, channels: list[str], n: int) -> bool:
    return len(_digest_posts(standin, channels)) >= n


async def _arrived(sink: SmtpSink, n: int) -> bool:
    return sum(1 for d in sink.deliveries for to in d.rcpt_tos if to.startswith("fan")) >= n


def _digest_posts(standin: SlackStandin, channels: list[str]) -> list:
    wanted = set(channels)
    return [call for call in standin.calls_to("chat.postMessage") if call.params.get("channel") in wanted]


async def _never():
    raise AssertionError("the owner exists already")
