"""One rule for the channel that hears an event's news, and the door status message's one override."""

import itertools

import pytest
from sqlalchemy import select

from core.door import checkins
from core.door import status as door_status
from core.events import channels
from core.sales import payments
from db.models import Event, OutboxMessage
from tests.support.door_factories import make_event as make_door_event
from tests.support.door_factories import make_ticket
from tests.support.factories import make_event, set_account


@pytest.mark.parametrize(
    ("event_channel", "account_channel", "created_channel"),
    list(itertools.product(("C0EVENT", None), ("C0ACCOUNT", None), ("C0CREATED", None))),
)
async def test_the_events_channel_beats_the_accounts_which_beats_where_it_was_created(
    services, make_tenant, event_channel, account_channel, created_channel
):
    tenant = await make_tenant()
    await set_account(services, tenant, sales_channel=account_channel)
    event = await make_event(services, tenant, sales_channel=event_channel, created_channel=created_channel)
    async with services.db.tenant(tenant.account_id) as session:
        heard_by = await channels.news_channel(session, event.id)
        door, _ = await checkins.door_channel(session, event.id)
    assert heard_by == (event_channel or account_channel or created_channel)
    assert door == heard_by  # before a door status message exists, door news goes where all news goes


async def test_another_accounts_sales_channel_is_never_used(services, make_tenant):
    tenant, other = await make_tenant(), await make_tenant()
    await set_account(services, other, sales_channel="C0OTHER")
    event = await make_event(services, tenant)
    async with services.db.tenant(tenant.account_id) as session:
        assert await channels.news_channel(session, event.id) is None


async def outbox_channels(services, tenant, prefix: str) -> list[str]:
    async with services.db.tenant(tenant.account_id) as session:
        query = select(OutboxMessage.channel_id).where(OutboxMessage.dedupe_key.startswith(prefix))
        return list((await session.execute(query)).scalars())


async def test_sales_and_the_door_both_tell_the_accounts_channel_rather_than_where_the_event_was_made(
    services, make_tenant
):
    tenant = await make_tenant()
    await set_account(services, tenant, sales_channel="C0ACCOUNT")
    event = await make_door_event(services, tenant, created_channel="C0CREATED")
    sale = await payments.sell(services, tenant, event=event.slug, ticket="ga", email="ann@example.com")
    await payments.mark_paid(services, tenant, reference=sale.order.reference)
    ticket = await make_ticket(services, tenant, event)
    await checkins.admit_code(services, tenant, code=ticket.code)

    assert await door_status.refresh_door_statuses(services, account_id=tenant.account_id) == 1
    assert await outbox_channels(services, tenant, "sale:") == ["C0ACCOUNT"]
    assert await outbox_channels(services, tenant, "door-status:") == ["C0ACCOUNT"]


async def test_door_news_stays_with_the_posted_door_status_when_the_sales_channel_moves(services, make_tenant):
    tenant = await make_tenant()
    await set_account(services, tenant, sales_channel="C0FIRST")
    event = await make_door_event(services, tenant)
    ticket = await make_ticket(services, tenant, event)
    await checkins.admit_code(services, tenant, code=ticket.code)
    assert await door_status.refresh_door_statuses(services, account_id=tenant.account_id) == 1

    await set_account(services, tenant, sales_channel="C0SECOND")
    async with services.db.tenant(tenant.account_id) as session:
        pinned = (await session.execute(select(Event.door_status_channel).where(Event.id == event.id))).scalar_one()
        door, _ = await checkins.door_channel(session, event.id)
        news = await channels.news_channel(session, event.id)
    assert (pinned, door, news) == ("C0FIRST", "C0FIRST", "C0SECOND")
