"""Promo codes on the public page over real HTTP: a link's ?code= and a typed code price the page and the hold,
Stripe charges the discounted amount, hidden ticket types appear only with their code, every refused code is one
sentence with nothing saved, and 200 buyers at once use a 50-use code exactly 50 times."""

import asyncio
import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.money.amounts import Money
from core.sales import promos
from core.services import Services
from core.time.clock import FrozenClock
from db.models import Order, OrderLine, Product, PromoCode
from tests.conftest import new_tenant
from tests.conftest import test_settings as settings_for
from tests.support.factories import make_event, make_product
from tests.support.harness import start_harness
from tests.support.storefront import WEBHOOK_SECRET, Buyer, deliver, event_path


@pytest.fixture
def clock():
    return FrozenClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
async def shop(store):
    """Summer Gala: GA €25 (100 seats), VIP €90, a hidden €0 guest pass; codes of every kind."""
    tenant = await store.tenant()
    services = store.services
    event = await make_event(services, tenant, name="Summer Gala")
    await make_product(services, tenant, event, capacity=100)
    await make_product(services, tenant, event, slug="vip", name="VIP", price_cents=9000, capacity=100)
    await make_product(services, tenant, event, slug="guest", name="Guest pass", price_cents=0, capacity=100)
    await promos.add_promo(services, tenant, event=event.slug, code="FRIENDS-20", percent=20)
    await promos.add_promo(services, tenant, event=event.slug, code="VIPONLY", amount="30", tickets="vip")
    await promos.add_promo(services, tenant, event=event.slug, code="GUESTS", tickets="guest", hidden=True, max=5)
    await promos.add_promo(services, tenant, event=event.slug, code="ONE", percent=10, max=1)
    await promos.add_promo(services, tenant, event=event.slug, code="SOON", percent=10,
                           until=(services.clock.now() + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M"))
    await promos.add_promo(services, tenant, event=event.slug, code="ENDED", percent=10)
    await promos.end_promo(services, tenant, code="ENDED")
    other = await make_event(services, tenant, name="Winter Ball")
    await make_product(services, tenant, other)
    await promos.add_promo(services, tenant, event=other.slug, code="WINTER", percent=50)
    stranger = await new_tenant(services)
    theirs = await make_event(services, stranger, name="Their Party")
    await make_product(services, stranger, theirs)
    await promos.add_promo(services, stranger, event=theirs.slug, code="THEIRS", percent=90)
    return tenant, event, await event_path(services, tenant, event)


async def _rows(store, tenant, model, *where):
    async with store.services.db.tenant(tenant.account_id) as session:
        return (await session.execute(select(model).where(*where))).scalars().all()


async def _used(store, tenant, code):
    [promo] = await _rows(store, tenant, PromoCode, PromoCode.code == code)
    return promo.used


def _offer_label(text: str, name: str) -> str:
    found = re.search(rf'<label for="ticket-[a-z]+">({re.escape(name)} · .*?)</label>', text)
    return re.sub(r"<[^>]+>", "", html.unescape(found[1])) if found else ""


async def test_a_code_link_shows_the_discount_and_stripe_charges_the_discounted_price(
    store, shop, buyer, stripe_standin
):
    tenant, event, path = shop

    page = await buyer.get(f"{path}?code=friends-20")

    assert page.status == 200
    assert "Promo code FRIENDS-20 applied: the prices below include it." in page.text
    assert _offer_label(page.text, "General admission") == "General admission · €20.00 instead of €25.00"
    assert _offer_label(page.text, "VIP") == "VIP · €72.00 instead of €90.00"
    assert "Guest pass" not in page.text
    answer = await buyer.post(path, {"token": page.token, "ticket": "ga", "qty-ga": "2", "name": "Bea Buyer",
                                     "email": "bea@example.com", "code": "FRIENDS-20"})

    assert answer.status == 303 and answer.url.startswith("https://checkout.stripe.com/")
    session_id = answer.url.rsplit("/", 1)[-1]
    assert stripe_standin.sessions[session_id]["amount_total"] == 4000
    [request] = stripe_standin.requests_to("/v1/checkout/sessions", "POST")
    [item] = request.params["line_items"]
    assert item["price_data"]["product_data"]["name"] == "General admission · Summer Gala · code FRIENDS-20"
    assert (item["price_data"]["unit_amount"], item["quantity"]) == ("2000", "2")
    [order] = await _rows(store, tenant, Order)
    [line] = await _rows(store, tenant, OrderLine)
    assert (order.total_cents, line.unit_price_cents, line.list_unit_price_cents) == (4000, 2000, 2500)
    [promo] = await _rows(store, tenant, PromoCode, PromoCode.code == "FRIENDS-20")
    assert (line.promo_code_id, promo.used) == (promo.id, 2)
    assert (await deliver(store.base_url, stripe_standin.complete(session_id)))[0] == 200
    shown = await store.run("/order", f"show {order.reference}")
    assert "`FRIENDS-20`" in str(shown["blocks"])
    report = await promos.show_promo(store.services, tenant, code="friends-20")
    assert (report.orders, report.tickets_paid, report.revenue, report.discount) == (1, 2, (Money(4000, "EUR"),), (Money(1000, "EUR"),))


async def test_a_code_typed_in_any_case_is_applied_at_checkout(store, shop, buyer, stripe_standin):
    tenant, _, path = shop

    applied = await buyer.get(f"{path}?code=%20viponly%20")
    answer = await buyer.buy(path, ticket="vip", code="viPonly")

    assert "Promo code VIPONLY applied" in applied.text
    assert _offer_label(applied.text, "General admission") == "General admission · €25.00"
    assert answer.status == 303
    assert stripe_standin.sessions[answer.url.rsplit("/", 1)[-1]]["amount_total"] == 6000
    assert await _used(store, tenant, "VIPONLY") == 1


async def test_a_code_for_one_ticket_type_leaves_another_at_its_price_and_unused(store, shop, buyer, stripe_standin):
    tenant, _, path = shop

    answer = await buyer.buy(path, ticket="ga", code="VIPONLY")

    assert answer.status == 303
    assert stripe_standin.sessions[answer.url.rsplit("/", 1)[-1]]["amount_total"] == 2500
    [line] = await _rows(store, tenant, OrderLine)
    assert (line.promo_code_id, line.list_unit_price_cents) == (None, None)
    assert await _used(store, tenant, "VIPONLY") == 0


async def test_hidden_ticket_types_show_and_sell_only_with_the_code_that_unlocks_them(store, shop, buyer):
    tenant, _, path = shop

    plain = await buyer.get(path)
    refused = await buyer.post(path, {"token": plain.token, "ticket": "guest", "qty-guest": "1", "name": "Gus",
                                      "email": "gus@example.com"})
    other_code = await buyer.get(f"{path}?code=FRIENDS-20")
    unlocked = await buyer.get(f"{path}?code=guests")
    placed = await buyer.post(path, {"token": unlocked.token, "ticket": "guest", "qty-guest": "2", "name": "Gus",
                                     "email": "gus@example.com", "code": "GUESTS"})

    assert "Guest pass" not in plain.text and "Guest pass" not in other_code.text
    assert (refused.status, refused.error) == (422, "Choose one of the ticket types listed on this page.")
    assert _offer_label(unlocked.text, "Guest pass") == "Guest pass · Free"
    assert placed.status == 303 and "/orders/" in placed.url  # free: confirmed at once, no Stripe
    [order] = await _rows(store, tenant, Order)
    assert (order.status, order.quantity, order.source) == ("paid", 2, "web")
    assert await _used(store, tenant, "GUESTS") == 2


REFUSED = [
    ("NOPE", "NOPE is not a promo code we know; check its spelling."),
    ("theirs", "THEIRS is not a promo code we know; check its spelling."),
    ("winter", "WINTER is a promo code for another event, not this one."),
    ("ENDED", "The promo code ENDED has expired."),
    ("bad code!", "A promo code has only letters, digits, - and _; check what you typed."),
    ("x" * 80, "A promo code has only letters, digits, - and _; check what you typed."),
]


@pytest.mark.parametrize(("code", "sentence"), REFUSED, ids=[c[:12] for c, _ in REFUSED])
async def test_a_refused_code_is_one_sentence_at_the_code_field_and_saves_nothing(store, shop, buyer, code, sentence):
    tenant, _, path = shop

    shown = await buyer.get(f"{path}?code={code}")
    answer = await buyer.buy(path, code=code, name="Bea Buyer")

    assert (shown.status, shown.error) == (200, sentence)
    assert (answer.status, answer.error) == (422, sentence)
    field = re.search(r'<input type="text" id="code"[^>]*>', answer.text)[0]
    assert 'aria-invalid="true"' in field and 'aria-describedby="error"' in field
    assert 'value="Bea Buyer"' in answer.text  # what was typed is kept
    assert await _rows(store, tenant, Order) == []
    assert {promo.used for promo in await _rows(store, tenant, PromoCode)} == {0}


async def test_an_expired_and_a_used_up_code_are_refused_at_checkout(store, shop, buyer, clock):
    tenant, _, path = shop
    first = await buyer.buy(path, code="ONE", email="first@example.com")
    used_up = await buyer.buy(path, code="one", email="second@example.com")
    page = await buyer.get(f"{path}?code=SOON")
    clock.advance(hours=3)
    expired = await buyer.post(path, {"token": page.token, "ticket": "ga", "qty-ga": "1", "name": "Bea",
                                      "email": "third@example.com", "code": "SOON"})
    too_many = await buyer.buy(path, code="GUESTS", ticket="guest", qty=6, email="fourth@example.com")

    assert first.status == 303
    assert (used_up.status, used_up.error) == (422, "The promo code ONE has been used up.")
    assert (expired.status, expired.error) == (422, "The promo code SOON has expired.")
    assert (too_many.status, too_many.error) == (
        422, "The promo code GUESTS has only 5 uses left; choose 5 or fewer tickets."
    )
    assert len(await _rows(store, tenant, Order)) == 1
    assert (await _used(store, tenant, "ONE"), await _used(store, tenant, "GUESTS")) == (1, 0)


async def test_a_form_sent_again_after_it_took_a_codes_last_use_goes_to_its_first_order(store, shop, buyer):
    tenant, _, path = shop
    page = await buyer.get(f"{path}?code=ONE")
    form = {"token": page.token, "ticket": "ga", "qty-ga": "1", "name": "Bea", "email": "bea@example.com", "code": "ONE"}

    first = await buyer.post(path, form)
    again = await buyer.post(path, form)
    hidden = await buyer.post(path, {**form, "ticket": "guest", "qty-guest": "1", "code": "GUESTS"})

    assert (first.status, again.status) == (303, 303) and again.url == first.url
    assert (hidden.status, hidden.error) == (422, "This form was already used for order "
                                             f"{(await _rows(store, tenant, Order))[0].reference}; reload the page "
                                             "to buy more tickets.")
    assert len(await _rows(store, tenant, Order)) == 1
    assert (await _used(store, tenant, "ONE"), await _used(store, tenant, "GUESTS")) == (1, 0)


async def test_an_abandoned_checkout_gives_its_code_use_back(store, shop, buyer, stripe_standin):
    tenant, _, path = shop
    answer = await buyer.buy(path, code="ONE")
    assert await _used(store, tenant, "ONE") == 1

    expired = stripe_standin.expire(answer.url.rsplit("/", 1)[-1])
    assert (await deliver(store.base_url, expired))[0] == 200
    later = Buyer(store.base_url)
    try:
        again = await later.buy(path, code="ONE", email="next@example.com")
    finally:
        await later.close()

    assert again.status == 303
    assert await _used(store, tenant, "ONE") == 1
    assert sorted(order.status for order in await _rows(store, tenant, Order)) == ["expired", "pending"]


async def test_200_simultaneous_public_checkouts_use_a_50_use_code_exactly_50_times(store, stripe_standin):
    tenant = await store.tenant()
    event = await make_event(store.services, tenant, name="Summer Gala")
    await make_product(store.services, tenant, event, capacity=500)
    await promos.add_promo(store.services, tenant, event=event.slug, code="RUSH", percent=50, max=50)
    path = await event_path(store.services, tenant, event)
    buyers = [Buyer(store.base_url) for _ in range(200)]
    try:
        forms = await asyncio.gather(*(buyer.get(f"{path}?code=rush") for buyer in buyers))
        answers = await asyncio.gather(*(
            buyer.post(path, {"token": form.token, "ticket": "ga", "qty-ga": "1", "name": f"Buyer {i}",
                              "email": f"buyer{i}@example.com", "code": "RUSH"})
            for i, (buyer, form) in enumerate(zip(buyers, forms, strict=True))
        ))
    finally:
        await asyncio.gather(*(buyer.close() for buyer in buyers))

    held = [a for a in answers if a.status == 303]
    refused = [a for a in answers if a.status == 422]
    assert (len(held), len(refused)) == (50, 150), {a.status for a in answers}
    assert {a.error for a in refused} == {"The promo code RUSH has been used up."}
    assert await _used(store, tenant, "RUSH") == 50
    async with store.services.db.tenant(tenant.account_id) as session:
        assert (await session.execute(select(Product.sold))).scalar_one() == 50
        assert (await session.execute(select(func.count()).select_from(Order))).scalar_one() == 50
        assert set((await session.execute(select(OrderLine.unit_price_cents))).scalars()) == {1250}
    sessions = stripe_standin.requests_to("/v1/checkout/sessions", "POST")
    assert len(sessions) == 50


async def test_guessing_codes_holds_the_client_back_but_not_its_plain_page(db, slack_standin, stripe_standin):
    settings = settings_for(
        slack_api_url=slack_standin.base_url, stripe_api_key="sk_test_eventos", stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_api_base=stripe_standin.base_url, eventos_rate_refusals_client="3/minute",
    )
    store = await start_harness(Services(db=db, settings=settings), slack_standin)
    buyer = Buyer(store.base_url)
    try:
        tenant = await store.tenant()
        event = await make_event(store.services, tenant, name="Summer Gala")
        await make_product(store.services, tenant, event)
        await promos.add_promo(store.services, tenant, event=event.slug, code="REAL", percent=10)
        path = await event_path(store.services, tenant, event)

        guesses = [await buyer.get(f"{path}?code=GUESS{n}") for n in range(3)]
        held_back = await buyer.get(f"{path}?code=REAL")
        checkout = await buyer.buy(path, code="REAL")
        plain = await buyer.get(path)
    finally:
        await buyer.close()
        await store.runner.cleanup()

    assert [g.status for g in guesses] == [200, 200, 200]
    assert held_back.status == 429 and "wait a few seconds" in held_back.text
    assert checkout.status == 429
    assert plain.status == 200
    assert await _rows(store, tenant, Order) == []
