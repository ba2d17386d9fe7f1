"""Sale alerts of public orders: a rush is one Slack message updated in place, and sold-out is said once."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.notifier import SlackNotifier, fixed_token
from core.jobs import outbox
from core.services import Services
from core.storefront import checkout, handles, pages
from core.storefront.checkout import CheckoutForm
from core.time.clock import FrozenClock
from db.models import OutboxMessage
from tests.support.factories import make_event, make_product
from tests.support.notices import shown

CLIENT = "browser-id-0123456789"


@pytest.fixture
def clock() -> FrozenClock:
    # Ahead of the database, so rows enqueued with the database's clock are due at once.
    return FrozenClock(datetime.now(UTC) + timedelta(minutes=1))


@pytest.fixture
def services(db, slack_settings, clock) -> Services:
    return Services(db=db, settings=slack_settings, clock=clock,
                    notifier=SlackNotifier(slack_settings, fixed_token("xoxb-test-token")))


async def buy(services, handle, slug, i: int, qty: int = 1):
    page = await pages.read_event_page(services, handle, slug)
    form = CheckoutForm(ticket="ga", qty=str(qty), name=f"Buyer Number{i}", email=f"buyer{i}@example.com", phone="",
                        consent=False, token=checkout.new_form_token(services, page, CLIENT))
    return await checkout.check_out(services, handle, slug, form, client=CLIENT)


async def messages(services, tenant) -> list[OutboxMessage]:
    async with services.db.tenant(tenant.account_id) as session:
        return list((await session.execute(select(OutboxMessage).order_by(OutboxMessage.created_at))).scalars())


async def test_a_rush_of_public_orders_is_one_alert_updated_in_place_and_sold_out_is_said_once(
    services, make_tenant, clock, slack_standin
):
    tenant = await make_tenant()
    event = await make_event(services, tenant, name="Summer Gala", capacity=30, sales_channel="C0SALES")
    await make_product(services, tenant, event, price_cents=0, capacity=30)
    handle = await handles.public_handle(services, tenant)

    await asyncio.gather(*(buy(services, handle, event.slug, i) for i in range(20)))

    [alert] = await messages(services, tenant)
    assert alert.kind == "post" and alert.status == "pending"
    assert "*Summer Gala is selling fast on the event page*: 20 orders, 20 tickets in this rush · 20/30 sold" \
        in shown(alert)["text"]
    assert await outbox.drain(services, account_id=tenant.account_id) == 1
    [posted] = slack_standin.calls_to("chat.postMessage")

    clock.advance(seconds=5)
    await asyncio.gather(*(buy(services, handle, event.slug, i) for i in range(20, 29)))
    await buy(services, handle, event.slug, 29)

    alerts = await messages(services, tenant)
    updates = [m for m in alerts if m.kind == "update"]
    sold_out = [m for m in alerts if m.dedupe_key.startswith("soldout:")]
    assert len(alerts) == 3 and len(updates) == 1 and len(sold_out) == 1
    assert updates[0].payload["update_ts"] == posted.response["ts"]
    assert "30 orders, 30 tickets in this rush · 30/30 sold" in shown(updates[0])["text"]
    assert "Latest: 1 × General admission — Buyer N. — free" in shown(updates[0])["text"]
    assert shown(sold_out[0])["text"] == ":tada: *Summer Gala is sold out*: all 30 tickets are sold."
    assert await outbox.drain(services, account_id=tenant.account_id) == 2
    assert len(slack_standin.calls_to("chat.postMessage")) == 2 and len(slack_standin.calls_to("chat.update")) == 1


async def test_a_public_sale_after_a_quiet_spell_starts_a_new_alert(services, make_tenant, clock):
    tenant = await make_tenant()
    event = await make_event(services, tenant, name="Summer Gala", sales_channel="C0SALES")
    await make_product(services, tenant, event, price_cents=0, capacity=100)
    handle = await handles.public_handle(services, tenant)

    await buy(services, handle, event.slug, 1, qty=2)
    clock.advance(minutes=1)
    await buy(services, handle, event.slug, 2)

    first, second = await messages(services, tenant)
    assert (first.kind, second.kind) == ("post", "post") and first.dedupe_key != second.dedupe_key
    assert shown(first)["text"].startswith(
        ":admission_tickets: *New sale for Summer Gala* on the event page: 2 × General admission — Buyer N. — free"
    )
