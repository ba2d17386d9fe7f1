"""Sending campaigns: on time after a restart, once per recipient with two schedulers, through a crash and a refusing server."""

import asyncio
import functools
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, insert, select

from core.campaigns import campaigns
from core.campaigns import sender as campaign_sender
from core.crm import contacts
from core.gateways.smtp_mailer import SmtpMailer
from core.jobs.ticker import Ticker, build_ticker
from core.services import Services
from core.time.clock import FrozenClock
from db.models import (
    Campaign,
    CampaignRecipient,
    Company,
    Contact,
    Interaction,
    OutboxMessage,
)
from db.session import Database
from tests.conftest import test_settings as make_settings
from tests.support.campaign_data import add_contact
from tests.support.notices import shown
from tests.support.picky_smtp import picky_server  # noqa: F401 - fixture

SENDER = "Gala Team <team@gala.test>"


def mailer_for(sink, **kw) -> SmtpMailer:
    return SmtpMailer(sink.url, SENDER, retry_delay=0.01, **kw)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
async def mail_services(db, smtp_sink, clock):
    services = Services(db=db, settings=make_settings(smtp_url=smtp_sink.url), clock=clock, mailer=mailer_for(smtp_sink))
    yield services
    await services.mailer.aclose()


async def add_people(services, tenant, n: int, *, tag: str = "fans") -> list[str]:
    """n consenting contacts with `tag` (arranged in one statement)."""
    emails = [f"p{i:03d}.{tenant.account_id.hex[:6]}@ex.org" for i in range(n)]
    async with services.db.tenant(tenant.account_id) as session:
        await session.execute(insert(Contact).values([
            dict(account_id=tenant.account_id, email=e, first_name=f"P{i}", tags=[tag], email_consent=True)
            for i, e in enumerate(emails)
        ]))
    return emails


async def new_campaign(services, tenant, *, audience="tag:fans", channel_id=None, **kw) -> campaigns.CampaignInfo:
    return await campaigns.create_campaign(
        services, replace(tenant, channel_id=channel_id), name=kw.pop("name", "Spring news"), audience=audience,
        template=kw.pop("template", "announcement"), subject=kw.pop("subject", "Spring is here"),
        message=kw.pop("message", "Tickets for the spring season are on sale."), **kw,
    )


async def rows(services, tenant, model, *where):
    async with services.db.tenant(tenant.account_id) as session:
        return (await session.scalars(select(model).where(*where))).all()


async def statuses(services, tenant, campaign_id) -> Counter:
    return Counter(r.status for r in await rows(services, tenant, CampaignRecipient, CampaignRecipient.campaign_id == campaign_id))


def delivered_to(sink) -> Counter:
    return Counter(to for d in sink.deliveries for to in d.rcpt_tos)


def campaign_ticker(services, tenant, **kw) -> Ticker:
    """A ticker with the real campaigns job, scoped to this test's account (every test shares the database)."""
    ticker = Ticker(services)
    ticker.register_job("campaigns", functools.partial(campaign_sender.send_due, account_id=tenant.account_id, **kw), seconds=5)
    return ticker


async def test_a_scheduled_campaign_fires_at_its_time_after_a_restart(mail_services, make_tenant, smtp_sink, clock, server_database_url):
    tenant = await make_tenant(timezone="Europe/Berlin")
    people = await add_people(mail_services, tenant, 5)
    campaign = await new_campaign(mail_services, tenant)
    local = (clock.now() + timedelta(days=2)).astimezone(ZoneInfo("Europe/Berlin")).replace(second=0)
    scheduled = await campaigns.schedule_campaign(mail_services, tenant, slug=campaign.slug, at=f"{local:%Y-%m-%d %H:%M}")
    assert scheduled.status == "scheduled" and scheduled.scheduled_at == local.astimezone(UTC)
    assert "campaigns" in {job.name for job in build_ticker(mail_services).jobs}

    # A new process: its own pool, services and ticker; only the table remembers the schedule.
    restarted_db = Database(server_database_url, pool_size=2, max_overflow=2)
    restarted = Services(db=restarted_db, settings=mail_services.settings, clock=clock, mailer=mailer_for(smtp_sink))
    try:
        ticker = campaign_ticker(restarted, tenant)
        assert await ticker.run_once() == {"campaigns": 0}
        clock.set(scheduled.scheduled_at - timedelta(seconds=1))
        assert await ticker.run_once() == {"campaigns": 0} and smtp_sink.deliveries == []
        clock.advance(hours=3)  # the process was down at the time: caught up at the next tick
        assert await ticker.run_once() == {"campaigns": 5}
    finally:
        await restarted.mailer.aclose()
        await restarted_db.dispose()
    assert delivered_to(smtp_sink) == Counter({p: 1 for p in people})
    [row] = await rows(mail_services, tenant, Campaign, Campaign.id == campaign.id)
    assert (row.status, row.sent_count, row.failed_count, row.skipped_count, row.sent_at) == ("sent", 5, 0, 0, clock.now())
    assert await campaign_ticker(mail_services, tenant).run_once() == {"campaigns": 0}
    assert len(smtp_sink.deliveries) == 5


async def test_two_schedulers_on_one_database_send_each_recipient_once(db, settings, make_tenant, smtp_sink, clock):
    tenant = await make_tenant()
    checking = Services(db=db, settings=settings)
    people = await add_people(checking, tenant, 60)
    replicas = [
        Services(db=Database(db.url, pool_size=3, max_overflow=2), settings=settings, clock=clock, mailer=mailer_for(smtp_sink))
        for _ in range(2)
    ]
    try:
        first = await new_campaign(replicas[0], tenant, name="One")
        second = await new_campaign(replicas[0], tenant, name="Two")
        for campaign in (first, second):
            await campaigns.send_campaign_now(replicas[0], tenant, slug=campaign.slug)
        tickers = [campaign_ticker(services, tenant, batch=7) for services in replicas]
        ran = await asyncio.gather(*(t.run_once() for t in tickers))
        assert sum(r["campaigns"] for r in ran) == 120
        # Beyond the campaign lease, two workers on one campaign still claim each recipient once.
        third = await new_campaign(replicas[0], tenant, name="Three")
        await campaigns.send_campaign_now(replicas[0], tenant, slug=third.slug)
        sent = await asyncio.gather(*(
            campaign_sender.send_campaign(services, tenant.account_id, third.id, batch=5) for services in replicas
        ))
        assert sum(sent) == 60 and all(sent)
    finally:
        for services in replicas:
            await services.mailer.aclose()
            await services.db.dispose()
    assert delivered_to(smtp_sink) == Counter({p: 3 for p in people})
    for campaign in (first, second, third):
        assert await statuses(checking, tenant, campaign.id) == Counter(sent=60)
    interactions = await rows(checking, tenant, Interaction, Interaction.kind == "campaign")
    assert len(interactions) == 180 and len({(i.contact_id, i.source_key) for i in interactions}) == 180


async def test_a_server_stopping_mid_way_then_resuming_reaches_everyone_exactly_once(mail_services, make_tenant, smtp_sink, clock):
    tenant = await make_tenant()
    people = await add_people(mail_services, tenant, 30)
    campaign = await new_campaign(mail_services, tenant)
    await campaigns.send_campaign_now(mail_services, tenant, slug=campaign.slug)
    smtp_sink.refuse_after(15)  # one lane, so the message the refusal stops at is exact
    assert await campaign_sender.send_due(mail_services, account_id=tenant.account_id, batch=10, lanes=1) == 15
    assert smtp_sink.refused > 0 and len(smtp_sink.deliveries) == 15
    assert await statuses(mail_services, tenant, campaign.id) == Counter(sent=15, pending=15)
    [row] = await rows(mail_services, tenant, Campaign, Campaign.id == campaign.id)
    assert row.status == "sending"

    smtp_sink.accept_again()
    # Recipients are attempted one at a time: only the one the server refused waits for its backoff.
    assert await campaign_sender.send_due(mail_services, account_id=tenant.account_id, batch=10, lanes=1) == 14
    assert await statuses(mail_services, tenant, campaign.id) == Counter(sent=29, pending=1)
    clock.advance(minutes=1)
    assert await campaign_sender.send_due(mail_services, account_id=tenant.account_id, batch=10, lanes=1) == 1
    assert delivered_to(smtp_sink) == Counter({p: 1 for p in people})
    assert await statuses(mail_services, tenant, campaign.id) == Counter(sent=30)
    [row] = await rows(mail_services, tenant, Campaign, Campaign.id == campaign.id)
    assert (row.status, row.sent_count, row.failed_count) == ("sent", 30, 0)


async def test_a_sender_dying_mid_send_leaves_only_its_message_in_flight_in_doubt(db, settings, make_tenant, smtp_sink, clock):
    """The sender dies with a message in each lane at the mail server: those are in doubt and resent once, the rest go once."""
    tenant = await make_tenant()
    people = await add_people(Services(db=db, settings=settings), tenant, 12)

    held: list[asyncio.StreamWriter] = []

    async def silent(reader, writer):
        held.append(writer)
        await reader.read()  # never greets; returns once either side closes the connection

    black_hole = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = black_hole.sockets[0].getsockname()[1]
    dying = Services(db=db, settings=settings, clock=clock, mailer=SmtpMailer(f"smtp://127.0.0.1:{port}", SENDER, timeout=60))
    campaign = await new_campaign(dying, tenant, channel_id="C0REPORTS")
    await campaigns.send_campaign_now(dying, tenant, slug=campaign.slug)
    crashing = asyncio.create_task(campaign_sender.send_due(dying, account_id=tenant.account_id, batch=5))
    for _ in range(200):
        in_flight = await rows(dying, tenant, CampaignRecipient, CampaignRecipient.attempt_started_at.is_not(None))
        if len(in_flight) == campaign_sender.LANES:
            break
        await asyncio.sleep(0.02)
    crashing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await crashing
    black_hole.close()
    for writer in held:
        writer.close()
    await black_hole.wait_closed()
    await dying.mailer.aclose()

    survivor = Services(db=db, settings=settings, clock=clock, mailer=mailer_for(smtp_sink))
    try:
        assert await campaign_sender.send_due(survivor, account_id=tenant.account_id, batch=5) == 0  # the dead claim holds
        clock.advance(seconds=16)  # ... for its short lease only
        assert await campaign_sender.send_due(survivor, account_id=tenant.account_id, batch=5) == 12
    finally:
        await survivor.mailer.aclose()
    received = delivered_to(smtp_sink)
    assert len(received) == 12 and set(received.values()) == {1} and set(received) == set(people)
    assert await statuses(survivor, tenant, campaign.id) == Counter(sent=12)
    doubtful = await rows(survivor, tenant, CampaignRecipient, CampaignRecipient.in_doubt)
    assert len(doubtful) == campaign_sender.LANES and {r.attempts for r in doubtful} == {2}
    resent = {m["Message-ID"].strip() for m in smtp_sink.messages}
    assert {f"<campaign.{r.id}@gala.test>" for r in doubtful} <= resent
    [report] = await rows(survivor, tenant, OutboxMessage, OutboxMessage.dedupe_key == f"campaign:{campaign.id}:report")
    assert report.channel_id == "C0REPORTS"
    assert "*8* sent by email, 0 failed, 0 skipped" in shown(report)["text"]
    assert "4 in doubt: interrupted mid-send and sent once more, so they may have arrived twice." in shown(report)["text"]
    async with survivor.db.tenant(tenant.account_id) as session:
        await session.execute(OutboxMessage.__table__.delete().where(OutboxMessage.id == report.id))


async def test_consent_withdrawn_before_its_turn_is_skipped_and_counted(mail_services, make_tenant, smtp_sink, clock):
    tenant = await make_tenant()
    people = await add_people(mail_services, tenant, 4)
    await add_contact(mail_services, tenant, "mute@ex.org", tags=("fans",), email_consent=False)
    campaign = await new_campaign(mail_services, tenant)
    await campaigns.send_campaign_now(mail_services, tenant, slug=campaign.slug)
    smtp_sink.refuse_after(0)
    assert await campaign_sender.send_due(mail_services, account_id=tenant.account_id) == 0
    await contacts.set_consent(mail_services, tenant, email=people[0], email_consent=False)
    smtp_sink.accept_again()
    clock.advance(minutes=1)
    assert await campaign_sender.send_due(mail_services, account_id=tenant.account_id) == 3
    assert delivered_to(smtp_sink) == Counter({p: 1 for p in people[1:]})
    [row] = await rows(mail_services, tenant, Campaign, Campaign.id == campaign.id)
    assert (row.status, row.sent_count, row.skipped_count) == ("sent", 3, 2)


async def test_a_permanent_refusal_fails_that_recipient_only(services, make_tenant, clock, picky_server):
    tenant = await make_tenant()
    people = await add_people(services, tenant, 3)
    await add_contact(services, tenant, "bounce@ex.org", tags=("fans",))
    sending = replace(services, clock=clock, mailer=SmtpMailer(picky_server.url, SENDER, retry_delay=0.01))
    campaign = await new_campaign(sending, tenant)
    await campaigns.send_campaign_now(sending, tenant, slug=campaign.slug)
    try:
        assert await campaign_sender.send_due(sending, account_id=tenant.account_id) == 3
    finally:
        await sending.mailer.aclose()
    assert sorted(picky_server.accepted) == sorted(people) and picky_server.refused == ["bounce@ex.org"]
    assert await statuses(sending, tenant, campaign.id) == Counter(sent=3, failed=1)
    [bounced] = await rows(sending, tenant, CampaignRecipient, CampaignRecipient.status == "failed")
    assert bounced.error == "The mail server refused the message: 550 5.1.1 No such user here"


async def test_html_in_a_contact_name_is_escaped_and_every_email_can_unsubscribe(mail_services, make_tenant, smtp_sink):
    tenant = await make_tenant()
    await add_contact(mail_services, tenant, "x@ex.org", name="<script>alert(1)</script> Smith", tags=("fans",))
    campaign = await new_campaign(mail_services, tenant, message="Doors <b>open</b> at 7 & bring a friend.\n\nSee you!")
    await campaigns.send_campaign_now(mail_services, tenant, slug=campaign.slug)
    assert await campaign_sender.send_due(mail_services, account_id=tenant.account_id) == 1
    [message] = smtp_sink.messages
    html = message.get_body(("html",)).get_content()
    text = message.get_body(("plain",)).get_content()
    assert "<script>" not in html and "Hi &lt;script&gt;alert(1)&lt;/script&gt;," in html
    assert "Doors &lt;b&gt;open&lt;/b&gt; at 7 &amp; bring a friend." in html
    assert "Hi <script>alert(1)</script>," in text and "Doors <b>open</b> at 7 & bring a friend." in text
    url = message["List-Unsubscribe"].strip("<>")
    assert url.startswith("http://eventos.test/u/") and message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f'href="{url}"' in html and url in text
    [entry] = await rows(mail_services, tenant, Interaction, Interaction.kind == "campaign")
    assert entry.body == "Campaign “Spring news” sent by email: Spring is here" and entry.source_key == f"campaign:{campaign.id}"


async def test_a_cancelled_campaign_stops_at_the_next_batch(mail_services, make_tenant, smtp_sink, clock):
    tenant = await make_tenant()
    await add_people(mail_services, tenant, 10)
    campaign = await new_campaign(mail_services, tenant)
    await campaigns.send_campaign_now(mail_services, tenant, slug=campaign.slug)
    smtp_sink.refuse_after(4)
    assert await campaign_sender.send_due(mail_services, account_id=tenant.account_id, batch=4) == 4
    cancelled = await campaigns.cancel_campaign(mail_services, tenant, slug=campaign.slug)
    assert cancelled.changed and cancelled.campaign.status == "cancelled" and cancelled.campaign.sent == 4
    smtp_sink.accept_again()
    clock.advance(hours=1)
    assert await campaign_sender.send_due(mail_services, account_id=tenant.account_id, batch=4) == 0
    assert len(smtp_sink.deliveries) == 4
    async with mail_services.db.tenant(tenant.account_id) as session:
        assert await session.scalar(select(func.count()).select_from(CampaignRecipient).where(
            CampaignRecipient.campaign_id == campaign.id, CampaignRecipient.status == "sent")) == 4


async def test_a_campaign_whose_audience_broke_meanwhile_fails_with_a_report(mail_services, make_tenant, smtp_sink):
    tenant = await make_tenant()
    await add_contact(mail_services, tenant, "ann@acme.io", company="Acme")
    campaign = await new_campaign(mail_services, tenant, audience="company:acme", channel_id="C0REPORTS")
    await campaigns.send_campaign_now(mail_services, tenant, slug=campaign.slug)
    async with mail_services.db.tenant(tenant.account_id) as session:
        await session.execute(Company.__table__.update().values(name="Acme Events"))
    assert await campaign_sender.send_due(mail_services, account_id=tenant.account_id) == 0
    [row] = await rows(mail_services, tenant, Campaign, Campaign.id == campaign.id)
    assert row.status == "failed" and smtp_sink.deliveries == []
    [report] = await rows(mail_services, tenant, OutboxMessage, OutboxMessage.dedupe_key == f"campaign:{campaign.id}:report")
    assert shown(report)["text"] == (
        ":warning: Campaign *Spring news* (`spring-news`) could not be sent: "
        "No company is named “acme”; check the name with `/company show acme`."
    )
    async with mail_services.db.tenant(tenant.account_id) as session:
        await session.execute(OutboxMessage.__table__.delete().where(OutboxMessage.id == report.id))
