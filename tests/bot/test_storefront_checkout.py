"""Public checkout over real HTTP: the event page, its form, the hold, Stripe Checkout and the order page."""

import re

import aiohttp
import pytest
from sqlalchemy import select

from core.campaigns import audiences
from core.door import tokens
from core.sales import tickets
from core.services import Services
from db.models import ConsentChange, Contact, Interaction, Order, Ticket
from tests.conftest import test_settings as settings_for
from tests.support.factories import make_event, make_product
from tests.support.harness import start_harness
from tests.support.storefront import Buyer, deliver, event_path


@pytest.fixture
def store_settings(smtp_sink):
    return {"smtp_url": smtp_sink.url}


async def arrange(store, *, capacity=10, price_cents=2500, **product):
    tenant = await store.tenant()
    event = await make_event(store.services, tenant, name="Summer Gala")
    await make_product(store.services, tenant, event, capacity=capacity, price_cents=price_cents, **product)
    return tenant, event, await event_path(store.services, tenant, event)


async def rows(store, tenant, model, *where):
    async with store.services.db.tenant(tenant.account_id) as session:
        return (await session.execute(select(model).where(*where))).scalars().all()


async def test_a_buyer_pays_through_stripe_and_the_order_page_shows_the_tickets(
    store, buyer, stripe_standin, smtp_sink
):
    tenant, event, path = await arrange(store)

    page = await buyer.get(path)
    assert page.status == 200 and "Summer Gala" in page.text and "€25.00" in page.text
    answer = await buyer.buy(path, qty=2, name="Bea Buyer", email="Bea@Example.com", consent=True)

    assert answer.status == 303 and answer.url.startswith("https://checkout.stripe.com/")
    [order] = await rows(store, tenant, Order)
    assert (order.status, order.source, order.quantity, order.email) == ("pending", "web", 2, "bea@example.com")
    [request] = stripe_standin.requests_to("/v1/checkout/sessions", "POST")
    receipt = request.params["success_url"]
    assert receipt.startswith(f"http://eventos.test{path}/orders/{order.reference}.")

    session_id = answer.url.rsplit("/", 1)[-1]
    assert (await deliver(store.base_url, stripe_standin.complete(session_id)))[0] == 200
    await tickets.send_due(store.services, account_id=tenant.account_id)  # the ticker's job: the webhook only queued it
    shown = await buyer.get(receipt.removeprefix("http://eventos.test"))
    assert shown.status == 200 and "Confirmed" in shown.text
    assert len(re.findall(r'href="http://eventos.test/t/', shown.text)) == 2
    [contact] = await rows(store, tenant, Contact)
    assert contact.email_consent is True
    [change] = await rows(store, tenant, ConsentChange)
    assert change.source == "event page checkout"
    [purchase] = await rows(store, tenant, Interaction, Interaction.kind == "purchase")
    assert purchase.author == "web"
    [mail] = await smtp_sink.wait_for(1)
    assert mail["To"] == "bea@example.com" and "Summer Gala" in mail["Subject"]


async def test_a_free_ticket_is_confirmed_at_once(store, buyer):
    tenant, event, path = await arrange(store, price_cents=0)

    answer = await buyer.buy(path)

    assert answer.status == 303 and "/orders/EV-" in answer.url
    shown = await buyer.get(answer.url.removeprefix("http://eventos.test"))
    assert "Confirmed" in shown.text and "we emailed them to" in shown.text
    assert len(await rows(store, tenant, Ticket)) == 1


async def test_without_a_mail_server_the_order_page_says_no_email_was_sent(db, slack_standin):
    settings = settings_for(slack_api_url=slack_standin.base_url)
    store = await start_harness(Services(db=db, settings=settings), slack_standin)
    buyer = Buyer(store.base_url)
    try:
        assert store.services.mailer.delivers is False
        _, _, path = await arrange(store, price_cents=0)
        answer = await buyer.buy(path)
        shown = await buyer.get(answer.url.removeprefix("http://eventos.test"))
        assert "Confirmed" in shown.text and "No email was sent" in shown.text
        assert "emailed" not in shown.text
        thanks = await buyer.get("/checkout/paid?order=EV-ABC123")
        assert "No email was sent" in thanks.text and "by email" not in thanks.text
    finally:
        await buyer.close()
        await store.runner.cleanup()


async def test_a_public_order_shows_in_order_show_and_on_the_contacts_timeline_as_web(store, buyer):
    tenant, event, path = await arrange(store, price_cents=0)
    await buyer.buy(path, name="Bea Buyer", email="bea@example.com")
    [order] = await rows(store, tenant, Order)

    shown = await store.run("/order", f"show {order.reference}")
    contact = await store.run("/contact", "show bea@example.com")

    assert "on the public event page" in str(shown["blocks"]) and "Bea Buyer" in str(shown["blocks"])
    timeline = str(contact["blocks"])
    assert "*Purchase*" in timeline and "web" in timeline
    assert f"Bought 1 × General admission for Summer Gala on the event page (order {order.reference}" in timeline


async def test_a_public_buyer_with_consent_is_in_the_events_audience_and_their_ticket_admits_at_the_door(store, buyer):
    tenant, event, path = await arrange(store, price_cents=0)
    await buyer.buy(path, name="Bea Buyer", email="bea@example.com", consent=True)
    [ticket] = await rows(store, tenant, Ticket)
    door = await tokens.create_door_token(store.services, tenant, event_slug=event.slug, name="Front")

    async with store.services.db.tenant(tenant.account_id) as session:
        bound = await audiences.bind(session, audiences.parse(f"event:{event.slug}:bought"))
        reached = await audiences.size(session, bound, "email")
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{store.base_url}/api/v1/checkins", json={"code": ticket.code},
                             headers={"Authorization": f"Bearer {door.secret}"}) as response:
            scanned = await response.json()

    assert (reached.reachable, reached.skipped) == (1, 0)
    assert scanned["result"] == "admitted" and scanned["attendee"]["name"] == "Bea Buyer"
