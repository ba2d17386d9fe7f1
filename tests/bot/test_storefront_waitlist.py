"""The waitlist on the public pages over real HTTP: joining a sold-out ticket type, and the offer's checkout link."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from core.events import ticket_types
from core.sales import orders, tickets, waitlist
from core.storefront import tokens
from core.time.clock import FrozenClock
from db.models import ConsentChange, Contact, Order, WaitlistEntry
from tests.support.factories import make_event, make_product
from tests.support.storefront import Buyer, deliver, event_path

_OFFER_LINK = re.compile(r"http://eventos\.test(/e/[^\s]+/offers/[^\s]+)")


@pytest.fixture
def clock():
    return FrozenClock(datetime.now(UTC))


@pytest.fixture
def store_settings(smtp_sink):
    return {"smtp_url": smtp_sink.url}


async def sold_out(store, *, price_cents=2500):
    """A published event whose one ticket type (2 seats) is held by a pending order."""
    tenant = await store.tenant()
    event = await make_event(store.services, tenant, name="Summer Gala")
    await make_product(store.services, tenant, event, capacity=2, price_cents=price_cents, max_per_order=4)
    hold = await orders.hold_seats(store.services, tenant, event=event.slug, ticket="ga", qty=2,
                                   email="early@example.com")
    return tenant, event, await event_path(store.services, tenant, event), hold


async def rows(store, tenant, model, *where):
    async with store.services.db.tenant(tenant.account_id) as session:
        return (await session.execute(select(model).where(*where))).scalars().all()


async def join(buyer, path, **fields):
    page = await buyer.get(path)
    data = {"token": page.token, "ticket": "ga", "qty": "1", "name": "Wanda Waiter", "email": "wanda@example.com",
            **fields}
    return await buyer.post(f"{path}/waitlist", {k: v for k, v in data.items() if v is not None})


async def offer_made(store, tenant, event, hold) -> None:
    """Seats come back (the early hold is cancelled, or free tickets get more capacity); the jobs offer and email."""
    if hold.status == "pending":
        async with store.services.db.tenant(tenant.account_id) as session:
            await orders.release(session, [hold.order_id], status="cancelled", now=store.services.clock.now())
    else:
        await ticket_types.update_ticket_type(store.services, tenant, event=event.slug, ticket="ga", capacity="4")
    assert await waitlist.offer_seats(store.services, tenant.account_id) == 1
    assert await waitlist.send_offers(store.services, account_id=tenant.account_id) == 1


async def test_a_sold_out_page_offers_the_waitlist_and_joining_records_contact_and_consent(store, buyer):
    tenant, event, path, _ = await sold_out(store)

    page = await buyer.get(path)
    assert "Join the waitlist" in page.text and "holds them for 24 hours" in page.text
    joined = await join(buyer, path, qty="2", email="Wanda@Example.com", consent="yes")

    assert joined.status == 200 and "you are number 1" in joined.text
    [entry] = await rows(store, tenant, WaitlistEntry)
    assert (entry.email, entry.name, entry.quantity, entry.status) == ("wanda@example.com", "Wanda Waiter", 2, "waiting")
    [contact] = await rows(store, tenant, Contact, Contact.email == "wanda@example.com")
    assert contact.email_consent is True
    [change] = await rows(store, tenant, ConsentChange, ConsentChange.contact_id == contact.id)
    assert change.source == "event page waitlist"
    second = await join(Buyer(store.base_url), path, email="xavier@example.com")
    assert "you are number 2" in second.text


async def test_a_page_with_seats_left_has_no_waitlist(store, buyer):
    tenant = await store.tenant()
    event = await make_event(store.services, tenant)
    await make_product(store.services, tenant, event, capacity=5)
    path = await event_path(store.services, tenant, event)

    assert "Join the waitlist" not in (await buyer.get(path)).text
    refused = await join(buyer, path)
    assert refused.status == 422
    assert refused.error == "General admission is not sold out; buy it with the ticket form instead."
    assert await rows(store, tenant, WaitlistEntry) == []


@pytest.mark.parametrize(("fields", "sentence"), [
    ({"name": ""}, "Enter your name, as it should appear on the tickets."),
    ({"email": "not-an-email"}, "Enter a valid email address, like ann@example.com."),
    ({"qty": "0"}, "Enter how many tickets you want as a whole number, 1 or more."),
    ({"qty": "lots"}, "Enter how many tickets you want as a whole number, 1 or more."),
    ({"qty": "5"}, "You can wait for at most 4 General admission tickets; choose 4 or fewer."),
    ({"ticket": "vip"}, "Choose one of the ticket types listed on this page."),
    ({"token": "forged.1.x"}, "This page was open too long or came from another browser; reload it and fill in the "
                              "form again."),
    ({"name": "n" * 121}, "Shorten your name to at most 120 characters."),
])
async def test_bad_waitlist_input_gets_one_sentence_and_saves_nothing(store, buyer, fields, sentence):
    tenant, _, path, _ = await sold_out(store)

    answer = await join(buyer, path, **fields)

    assert (answer.status, answer.error) == (422, sentence)
    assert answer.text.count('role="alert"') == 1
    assert await rows(store, tenant, WaitlistEntry) == []
    assert await rows(store, tenant, Contact, Contact.email == "wanda@example.com") == []


async def test_the_offer_link_buys_exactly_that_offer_and_then_says_it_was_used(store, buyer, stripe_standin,
                                                                                  smtp_sink):
    tenant, event, path, hold = await sold_out(store)
    await join(buyer, path, qty="2")
    await offer_made(store, tenant, event, hold)
    [mail] = [m for m in smtp_sink.messages if m["To"] == "wanda@example.com"]
    link = _OFFER_LINK.search(mail.get_body(preferencelist=("plain",)).get_content())[1]

    shown = await buyer.get(link)
    assert shown.status == 200 and "2 × General admission" in shown.text and "held for you until" in shown.text
    paying = await buyer.post(link, {})
    assert paying.status == 303 and paying.url.startswith("https://checkout.stripe.com/")
    [request] = stripe_standin.requests_to("/v1/checkout/sessions", "POST")
    [offer_order] = await rows(store, tenant, Order, Order.email == "wanda@example.com")
    assert request.params["metadata"]["order_id"] == str(offer_order.id)
    assert (request.params["line_items"][0]["quantity"], request.params["line_items"][0]["price_data"]["unit_amount"]) \
        == ("2", "2500")
    session_id = paying.url.rsplit("/", 1)[-1]
    assert (await deliver(store.base_url, stripe_standin.complete(session_id)))[0] == 200
    await tickets.send_due(store.services, account_id=tenant.account_id)

    used = await buyer.post(link, {})
    assert used.status == 409 and used.error.startswith(f"This offer was already used for order {offer_order.reference}")
    again = await buyer.get(link)
    assert "You already took this offer" in again.text
    listed = await waitlist.waitlist(store.services, tenant, event=event.slug)
    assert [(e.email, e.state) for e in listed.entries] == [("wanda@example.com", "bought")]


async def test_a_lapsed_offer_link_gets_a_clear_page_and_a_forged_one_is_not_found(store, buyer):
    tenant, event, path, hold = await sold_out(store)
    await join(buyer, path)
    await offer_made(store, tenant, event, hold)
    [offer_order] = await rows(store, tenant, Order, Order.email == "wanda@example.com")
    key = tokens.offer_key(store.services.settings.secret_key, account_id=tenant.account_id,
                           reference=offer_order.reference)
    link = f"{path}/offers/{key}"
    store.services.clock.advance(seconds=25 * 3600)
    await orders.release_expired_holds(store.services, tenant.account_id)

    lapsed = await buyer.get(link)
    assert lapsed.status == 410 and "This offer has lapsed" in lapsed.text
    tried = await buyer.post(link, {})
    assert tried.status == 409 and tried.error.startswith("This offer has lapsed")
    receipt = tokens.receipt_key(store.services.settings.secret_key, account_id=tenant.account_id,
                                 reference=offer_order.reference)
    assert (await buyer.get(f"{path}/offers/{receipt}")).status == 404, "an order page's key is not an offer's"
    assert (await buyer.get(f"{path}/offers/{key[:-1]}x")).status == 404


async def test_a_free_offer_is_confirmed_at_once(store, buyer):
    tenant, event, path, hold = await sold_out(store, price_cents=0)
    await join(buyer, path)
    await offer_made(store, tenant, event, hold)
    [offer_order] = await rows(store, tenant, Order, Order.email == "wanda@example.com")
    key = tokens.offer_key(store.services.settings.secret_key, account_id=tenant.account_id,
                           reference=offer_order.reference)

    taken = await buyer.post(f"{path}/offers/{key}", {})

    assert taken.status == 303 and f"{path}/orders/{offer_order.reference}." in taken.url
    [paid] = await rows(store, tenant, Order, Order.email == "wanda@example.com")
    assert (paid.status, paid.payment_method) == ("paid", "free")
