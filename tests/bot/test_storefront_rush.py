"""The on-sale rush over real HTTP: many buyers at once never oversell, a form submitted again is one order,
and abandoned checkouts give their seats back exactly once (hold expiry, `checkout.session.expired`)."""

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from core.sales import orders
from core.time.clock import FrozenClock
from db.models import Event, Order, Product
from tests.support.factories import make_event, make_product
from tests.support.storefront import Buyer, deliver, event_path


@pytest.fixture
def clock():
    return FrozenClock(datetime.now(UTC).replace(microsecond=0))


async def arrange(store, *, capacity):
    tenant = await store.tenant()
    event = await make_event(store.services, tenant, name="Summer Gala")
    product = await make_product(store.services, tenant, event, capacity=capacity)
    return tenant, event, product, await event_path(store.services, tenant, event)


async def seats(store, tenant, event, product) -> tuple[int, int, int]:
    """(event seats taken, ticket type seats taken, pending orders)."""
    async with store.services.db.tenant(tenant.account_id) as session:
        return (
            (await session.execute(select(Event.sold).where(Event.id == event.id))).scalar_one(),
            (await session.execute(select(Product.sold).where(Product.id == product.id))).scalar_one(),
            (await session.execute(select(func.count()).where(Order.status == "pending"))).scalar_one(),
        )


async def test_500_simultaneous_checkouts_for_50_seats_hold_exactly_50(store, stripe_standin):
    tenant, event, product, path = await arrange(store, capacity=50)
    buyers = [Buyer(store.base_url) for _ in range(500)]
    try:
        forms = await asyncio.gather(*(buyer.get(path) for buyer in buyers))
        answers = await asyncio.gather(*(
            buyer.post(path, {"token": form.token, "ticket": "ga", "qty-ga": "1", "name": f"Buyer {i}",
                              "email": f"buyer{i}@example.com"})
            for i, (buyer, form) in enumerate(zip(buyers, forms, strict=True))
        ))
    finally:
        await asyncio.gather(*(buyer.close() for buyer in buyers))

    held = [a for a in answers if a.status == 303]
    refused = [a for a in answers if a.status == 422]
    assert (len(held), len(refused)) == (50, 450), {a.status for a in answers}
    assert all(a.url.startswith("https://checkout.stripe.com/") for a in held)
    assert {a.error for a in refused} == {"General admission just sold out; choose another ticket type."}
    assert await seats(store, tenant, event, product) == (50, 50, 50)
    assert len(stripe_standin.requests_to("/v1/checkout/sessions", "POST")) == 50


async def test_a_form_submitted_five_times_at_once_for_the_last_seats_makes_one_order(store, stripe_standin):
    tenant, event, product, path = await arrange(store, capacity=2)
    buyer = Buyer(store.base_url)
    try:
        form = await buyer.get(path)
        data = {"token": form.token, "ticket": "ga", "qty-ga": "2", "name": "Bea Buyer", "email": "bea@example.com"}
        answers = await asyncio.gather(*(buyer.post(path, data) for _ in range(5)))
        again = await buyer.post(path, data)
        other = await buyer.post(path, {**data, "email": "someone@example.com"})
    finally:
        await buyer.close()

    assert {a.status for a in answers} == {303} and len({a.url for a in answers}) == 1
    assert again.status == 303 and again.url == answers[0].url
    assert await seats(store, tenant, event, product) == (2, 2, 1)
    assert len({r.response["id"] for r in stripe_standin.requests_to("/v1/checkout/sessions", "POST")}) == 1
    [reference] = {o.reference for o in await _orders(store, tenant)}
    assert other.status == 422
    assert other.error == f"This form was already used for order {reference}; reload the page to buy more tickets."


async def _orders(store, tenant):
    async with store.services.db.tenant(tenant.account_id) as session:
        return (await session.execute(select(Order))).scalars().all()


async def _hold(store, path) -> str:
    """One buyer's checkout; returns its Checkout Session id."""
    buyer = Buyer(store.base_url)
    try:
        answer = await buyer.buy(path, qty=3)
    finally:
        await buyer.close()
    assert answer.status == 303
    return answer.url.rsplit("/", 1)[-1]


async def test_session_expired_delivered_twice_at_once_and_after_the_hold_expired_returns_the_seats_once(
    store, stripe_standin, clock
):
    tenant, event, product, path = await arrange(store, capacity=10)
    first, second = await _hold(store, path), await _hold(store, path)
    assert await seats(store, tenant, event, product) == (6, 6, 2)

    expired = stripe_standin.expire(first)
    answers = await asyncio.gather(deliver(store.base_url, expired), deliver(store.base_url, expired))
    assert sorted(a[1]["outcome"] for a in answers) == ["applied", "duplicate"]
    assert await seats(store, tenant, event, product) == (3, 3, 1)

    # The second hold lapses: the expiry job frees it (expiring its session at Stripe); Stripe's own
    # expired event for it arrives afterwards, twice, and changes nothing.
    clock.advance(minutes=31)
    assert await orders.release_expired_holds(store.services, tenant.account_id) == 1
    late = stripe_standin.expire(second)
    assert (await deliver(store.base_url, late))[1]["outcome"] == "applied"
    assert (await deliver(store.base_url, late))[1]["outcome"] == "duplicate"
    assert (await deliver(store.base_url, expired))[1]["outcome"] == "duplicate"
    assert await seats(store, tenant, event, product) == (0, 0, 0)
    assert sorted(o.status for o in await _orders(store, tenant)) == ["expired", "expired"]


async def test_the_expiry_job_and_session_expired_arriving_at_the_same_moment_return_the_seats_once(
    store, stripe_standin, clock
):
    tenant, event, product, path = await arrange(store, capacity=10)
    sessions = [await _hold(store, path) for _ in range(3)]
    clock.advance(minutes=31)

    expired = [stripe_standin.expire(session_id) for session_id in sessions]
    await asyncio.gather(
        orders.release_expired_holds(store.services, tenant.account_id),
        *(deliver(store.base_url, envelope) for envelope in expired),
        *(deliver(store.base_url, envelope) for envelope in reversed(expired)),
    )

    assert await seats(store, tenant, event, product) == (0, 0, 0)
    assert [o.status for o in await _orders(store, tenant)] == ["expired"] * 3
