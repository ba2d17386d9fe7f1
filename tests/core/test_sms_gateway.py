"""SMS through a Twilio-style REST API (the stand-in on loopback), alone and as a campaign channel."""

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select

from core.campaigns import campaigns
from core.campaigns import sender as campaign_sender
from core.errors import NotReady
from core.gateways.sms import RestSms
from core.ports import SendError
from core.services import Services
from core.time.clock import FrozenClock
from db.models import Campaign, Contact, Interaction
from tests.conftest import test_settings as make_settings
from tests.support.sms_standin import SmsStandin


@pytest.fixture
async def sms_standin():
    standin = SmsStandin()
    await standin.start()
    yield standin
    await standin.stop()


async def test_an_sms_is_one_authenticated_form_post(sms_standin):
    sms = RestSms(sms_standin.url, sms_standin.token)
    try:
        sid = await sms.send("+14155552671", "Doors open at 7")
    finally:
        await sms.aclose()
    [sent] = sms_standin.messages
    assert (sent.to, sent.body, sent.sender, sent.sid) == ("+14155552671", "Doors open at 7", "+15550001111", sid)


async def test_provider_answers_say_whether_to_retry(sms_standin):
    sms = RestSms(sms_standin.url, sms_standin.token)
    try:
        sms_standin.fail_next(503)
        with pytest.raises(SendError) as busy:
            await sms.send("+14155552671", "hi")
        sms_standin.fail_next(400)
        with pytest.raises(SendError) as refused:
            await sms.send("+14155552671", "hi")
    finally:
        await sms.aclose()
    assert (busy.value.retry, busy.value.maybe_sent) == (True, False)
    assert (refused.value.retry, refused.value.maybe_sent) == (False, False) and "answered 400: Refused with 400" in refused.value.reason
    down = RestSms("http://127.0.0.1:9/Messages.json", "token")
    try:
        with pytest.raises(SendError) as unreachable:
            await down.send("+14155552671", "hi")
    finally:
        await down.aclose()
    assert unreachable.value.retry is True
    assert sms_standin.messages == []


async def test_an_sms_campaign_reaches_consenting_phones_once(db, make_tenant, sms_standin):
    clock = FrozenClock(datetime.now(UTC))
    settings = make_settings(sms_api_url=sms_standin.url, sms_api_token=sms_standin.token)
    services = Services(db=db, settings=settings, clock=clock)
    tenant = await make_tenant()
    phones = [f"+1415555{i:04d}" for i in range(6)]
    async with services.db.tenant(tenant.account_id) as session:
        await session.execute(insert(Contact).values([
            dict(account_id=tenant.account_id, email=f"s{i}@ex.org", first_name=f"S{i}", phone=p, tags=["vip"],
                 sms_consent=i < 5, email_consent=True)
            for i, p in enumerate(phones)
        ]))
    campaign = await campaigns.create_campaign(
        services, tenant, name="Text blast", channel="sms", audience="tag:vip", template="announcement",
        message="Early-bird tickets end Friday.",
    )
    assert campaign.subject is None
    await campaigns.send_campaign_now(services, tenant, slug=campaign.slug)
    sms_standin.fail_next(429)
    try:
        assert await campaign_sender.send_due(services, account_id=tenant.account_id) == 4
        clock.advance(minutes=1)
        assert await campaign_sender.send_due(services, account_id=tenant.account_id) == 1
    finally:
        await services.sms.aclose()
    assert Counter(m.to for m in sms_standin.messages) == Counter(phones[:5])
    first = sms_standin.to(phones[0])[0].body
    assert first.startswith(f"Team T{tenant.slack_user_id[1:]}: ") and "Hi S0! Early-bird tickets end Friday. Reply STOP to opt out." in first
    async with services.db.tenant(tenant.account_id) as session:
        row = (await session.scalars(select(Campaign).where(Campaign.id == campaign.id))).one()
        assert (row.status, row.sent_count, row.skipped_count) == ("sent", 5, 1)
        bodies = (await session.scalars(select(Interaction.body).where(Interaction.kind == "campaign"))).all()
        assert bodies == ["Campaign “Text blast” sent by SMS"] * 5


async def test_sms_campaigns_need_the_gateway(services, make_tenant):
    tenant = await make_tenant()
    campaign = await campaigns.create_campaign(
        services, tenant, name="Text", channel="sms", audience="all", template="announcement", message="Hi",
    )
    with pytest.raises(NotReady, match="SMS is not set up"):
        await campaigns.send_campaign_now(services, tenant, slug=campaign.slug)
