"""The waitlist against real PostgreSQL: offers made once per freed seat, in line order, whatever runs at once."""

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from core.campaigns import audiences
from core.digests import reports
from core.errors import SoldOut
from core.events import ticket_types
from core.jobs.policies import WAITLIST_OFFERS
from core.sales import orders, payments, waitlist
from core.services import Services
from core.storefront import handles, tokens
from core.time import local_time
from core.time.clock import FrozenClock
from db.models import Contact, Event, Order, Product, WaitlistEntry, WaitlistOffer
from db.session import Database
from tests.conftest import test_settings as make_settings
from tests.support.factories import make_event, make_product


@pytest.fixture
def clock() -> FrozenClock:
    # A minute ahead of the database, so rows queued with the database's clock are due at once.
    return FrozenClock(datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1))


@pytest.fixture
def timed(db, settings, clock) -> Services:
    return Services(db=db, settings=settings, clock=clock)


async def sold_out(services, tenant, *, seats: int, **product):
    """A published event whose one ticket type is sold out by `seats` pending holds (a@, b@, …)."""
    event = await make_event(services, tenant)
    made = await make_product(services, tenant, event, capacity=seats, **product)
    holds = [
        await orders.hold_seats(services, tenant, event=event.slug, ticket="ga", email=f"buyer{n}@example.com")
        for n in range(seats)
    ]
    return event, made, holds


async def join(services, tenant, event, product, *people: tuple[str, int]) -> None:
    for email, qty in people:
        await waitlist.join(services, tenant.account_id, event_id=event.id, product_id=product.id, email=email,
                            name=email.split("@")[0].title(), quantity=qty, consent=False, consent_source="test")


async def free(services, tenant, holds) -> None:
    async with services.db.tenant(tenant.account_id) as session:
        await orders.release(session, [h.order_id for h in holds], status="cancelled", now=services.clock.now())


async def entries(services, tenant) -> dict[str, WaitlistEntry]:
    async with services.db.tenant(tenant.account_id) as session:
        return {e.email: e for e in (await session.execute(select(WaitlistEntry))).scalars()}


async def seats(services, tenant, product) -> int:
    async with services.db.tenant(tenant.account_id) as session:
        return (await session.execute(select(Product.sold).where(Product.id == product.id))).scalar_one()


async def test_joining_again_keeps_the_place_and_updates_the_quantity(timed, make_tenant):
    tenant = await make_tenant()
    event, product, _ = await sold_out(timed, tenant, seats=1)
    await join(timed, tenant, event, product, ("ann@example.com", 1), ("bob@example.com", 2))

    again = await waitlist.join(timed, tenant.account_id, event_id=event.id, product_id=product.id,
                                email="ann@example.com", name="Ann", quantity=3, consent=False, consent_source="t")

    assert (again.position, again.quantity, again.again) == (1, 3, True)
    assert {e.email: e.quantity for e in (await entries(timed, tenant)).values()} == {
        "ann@example.com": 3, "bob@example.com": 2,
    }


async def test_several_seats_freed_at_once_go_to_the_line_in_order_once_each_with_two_replicas_running(
    db, settings, make_tenant, clock,
):
    base = Services(db=db, settings=settings, clock=clock)
    tenant = await make_tenant()
    event, product, holds = await sold_out(base, tenant, seats=4)
    line = [(f"w{n}@example.com", 1) for n in range(6)]
    await join(base, tenant, event, product, *line)
    await free(base, tenant, holds[:3])  # three seats come back at once
    replicas = [Services(db=Database(db.url, pool_size=4, max_overflow=2), settings=settings, clock=clock)
                for _ in range(2)]
    try:
        made = await asyncio.gather(*(waitlist.offer_seats(r, tenant.account_id) for r in replicas for _ in range(3)))
    finally:
        for replica in replicas:
            await replica.db.dispose()

    assert sum(made) == 3, "each freed seat is offered once"
    got = await entries(base, tenant)
    assert {e for e, entry in got.items() if entry.status == "offered"} == {"w0@example.com", "w1@example.com",
                                                                              "w2@example.com"}
    async with base.db.tenant(tenant.account_id) as session:
        offer_orders = (await session.execute(select(WaitlistOffer.order_id))).scalars().all()
        held = (await session.execute(select(Order.email, Order.status).where(Order.id.in_(offer_orders)))).all()
    assert Counter(email for email, _ in held) == Counter(["w0@example.com", "w1@example.com", "w2@example.com"])
    assert {status for _, status in held} == {"pending"}
    assert await seats(base, tenant, product) == 4, "the offers hold the seats like holds: none sold twice"


async def test_a_head_that_wants_more_than_is_free_waits_and_nobody_jumps_it(timed, make_tenant):
    tenant = await make_tenant()
    event, product, holds = await sold_out(timed, tenant, seats=3)
    await join(timed, tenant, event, product, ("big@example.com", 2), ("small@example.com", 1))
    await free(timed, tenant, holds[:1])

    assert await waitlist.offer_seats(timed, tenant.account_id) == 0
    await free(timed, tenant, holds[1:2])
    assert await waitlist.offer_seats(timed, tenant.account_id) == 1
    got = await entries(timed, tenant)
    assert (got["big@example.com"].status, got["small@example.com"].status) == ("offered", "waiting")


async def test_freed_seats_are_the_lines_and_not_a_public_buyers(timed, make_tenant):
    tenant = await make_tenant()
    event, product, holds = await sold_out(timed, tenant, seats=2)
    await join(timed, tenant, event, product, ("ann@example.com", 1))
    await free(timed, tenant, holds)  # two seats back, one owed to the line

    with pytest.raises(SoldOut):
        await orders.hold_seats(timed, tenant, event=event.slug, ticket="ga", qty=2, email="fast@example.com")
    sold = await orders.hold_seats(timed, tenant, event=event.slug, ticket="ga", qty=1, email="fast@example.com")
    assert sold.status == "pending"
    assert await waitlist.offer_seats(timed, tenant.account_id) == 1
    assert await seats(timed, tenant, product) == 2


async def test_an_offer_not_taken_lapses_and_passes_to_the_next_person(timed, make_tenant, clock):
    tenant = await make_tenant()
    event, product, holds = await sold_out(timed, tenant, seats=1)
    await join(timed, tenant, event, product, ("ann@example.com", 1), ("bob@example.com", 1))
    await free(timed, tenant, holds)
    assert await waitlist.offer_seats(timed, tenant.account_id) == 1

    clock.advance(seconds=24 * 3600 - 60)
    await orders.release_expired_holds(timed, tenant.account_id)
    assert await waitlist.offer_seats(timed, tenant.account_id) == 0, "the offer still holds its seat"

    clock.advance(seconds=120)
    assert await orders.release_expired_holds(timed, tenant.account_id) == 1
    assert await waitlist.offer_seats(timed, tenant.account_id) == 1
    got = await entries(timed, tenant)
    assert (got["ann@example.com"].status, got["bob@example.com"].status) == ("lapsed", "offered")
    assert await seats(timed, tenant, product) == 1


async def test_an_offer_holds_for_the_events_offer_hours(timed, make_tenant, clock):
    tenant = await make_tenant()
    event, product, holds = await sold_out(timed, tenant, seats=1)
    listed = await waitlist.waitlist(timed, tenant, event=event.slug, offer_hours="6")
    await join(timed, tenant, event, product, ("ann@example.com", 1))
    await free(timed, tenant, holds)
    await waitlist.offer_seats(timed, tenant.account_id)

    async with timed.db.tenant(tenant.account_id) as session:
        expires = (await session.execute(select(Order.expires_at).where(Order.email == "ann@example.com"))).scalar_one()
    assert listed.offer_hours == 6
    assert expires == clock.now() + timedelta(hours=6)


async def test_raising_capacity_offers_the_new_seats(timed, make_tenant):
    tenant = await make_tenant()
    event, product, _ = await sold_out(timed, tenant, seats=1)
    await join(timed, tenant, event, product, ("ann@example.com", 2), ("bob@example.com", 1))

    await ticket_types.update_ticket_type(timed, tenant, event=event.slug, ticket="ga", capacity="4")

    assert await waitlist.offer_seats(timed, tenant.account_id) == 2
    assert {e.status for e in (await entries(timed, tenant)).values()} == {"offered"}


async def test_a_cancelled_event_offers_nothing(timed, make_tenant):
    tenant = await make_tenant()
    event, product, holds = await sold_out(timed, tenant, seats=1)
    await join(timed, tenant, event, product, ("ann@example.com", 1))
    await free(timed, tenant, holds)
    async with timed.db.tenant(tenant.account_id) as session:
        await session.execute(update(Event).where(Event.id == event.id).values(status="cancelled"))

    assert await waitlist.offer_seats(timed, tenant.account_id) == 0


async def test_the_offer_email_links_to_a_checkout_of_exactly_that_offer(db, make_tenant, smtp_sink, clock):
    services = Services(db=db, settings=make_settings(smtp_url=smtp_sink.url), clock=clock)
    tenant = await make_tenant()
    try:
        event, product, holds = await sold_out(services, tenant, seats=1)
        handle = await handles.public_handle(services, tenant)
        await join(services, tenant, event, product, ("ann@example.com", 1))
        await free(services, tenant, holds)
        await waitlist.offer_seats(services, tenant.account_id)
        assert await waitlist.send_offers(services, account_id=tenant.account_id) == 1
        assert await waitlist.send_offers(services, account_id=tenant.account_id) == 0
    finally:
        await services.aclose()

    [mail] = [m for m in smtp_sink.messages if m["To"] == "ann@example.com"]
    body = mail.get_body(preferencelist=("plain",)).get_content()
    async with services.db.tenant(tenant.account_id) as session:
        reference = (await session.execute(select(Order.reference).where(Order.email == "ann@example.com"))).scalar_one()
    key = tokens.offer_key(services.settings.secret_key, account_id=tenant.account_id, reference=reference)
    assert f"http://eventos.test/e/{handle}/{event.slug}/offers/{key}" in body
    assert "Seats for Summer Gala are yours until" in mail["Subject"]


async def test_a_worker_killed_mid_offer_email_lets_the_lease_lapse_and_the_offer_is_made_once(
    db, make_tenant, smtp_sink, clock,
):
    services = Services(db=db, settings=make_settings(smtp_url=smtp_sink.url), clock=clock)
    tenant = await make_tenant()

    class Hanging:
        """A mail server that takes the message and never answers: the worker dies waiting."""

        started = asyncio.Event()

        async def send(self, email):
            self.started.set()
            await asyncio.Event().wait()

    dying = Services(db=db, settings=services.settings, clock=clock, mailer=Hanging())
    try:
        event, product, holds = await sold_out(services, tenant, seats=1)
        await handles.public_handle(services, tenant)
        await join(services, tenant, event, product, ("ann@example.com", 1), ("bob@example.com", 1))
        await free(services, tenant, holds)
        assert await waitlist.offer_seats(services, tenant.account_id) == 1
        killed = asyncio.create_task(waitlist.send_offers(dying, account_id=tenant.account_id))
        await dying.mailer.started.wait()
        killed.cancel()
        with pytest.raises(asyncio.CancelledError):
            await killed

        assert await waitlist.offer_seats(services, tenant.account_id) == 0, "the seat stays Ann's"
        assert await waitlist.send_offers(services, account_id=tenant.account_id) == 0, "the lease is still live"
        clock.advance(seconds=WAITLIST_OFFERS.policy.lease.total_seconds() + 1)
        assert await waitlist.send_offers(services, account_id=tenant.account_id) == 1
        assert await waitlist.send_offers(services, account_id=tenant.account_id) == 0
    finally:
        await services.aclose()

    assert [m["To"] for m in smtp_sink.messages] == ["ann@example.com"]
    async with services.db.tenant(tenant.account_id) as session:
        offer = (await session.execute(select(WaitlistOffer))).scalar_one()
    assert (offer.status, offer.attempts, offer.in_doubt) == ("sent", 2, True)
    got = await entries(services, tenant)
    assert (got["ann@example.com"].status, got["bob@example.com"].status) == ("offered", "waiting")


async def test_an_offer_that_lapsed_before_its_email_went_is_not_sent(db, make_tenant, smtp_sink, clock):
    services = Services(db=db, settings=make_settings(smtp_url=smtp_sink.url), clock=clock)
    tenant = await make_tenant()
    try:
        event, product, holds = await sold_out(services, tenant, seats=1)
        await join(services, tenant, event, product, ("ann@example.com", 1))
        await free(services, tenant, holds)
        await waitlist.offer_seats(services, tenant.account_id)
        clock.advance(seconds=25 * 3600)
        await orders.release_expired_holds(services, tenant.account_id)
        assert await waitlist.send_offers(services, account_id=tenant.account_id) == 0
    finally:
        await services.aclose()
    assert smtp_sink.messages == []
    async with services.db.tenant(tenant.account_id) as session:
        offer = (await session.execute(select(WaitlistOffer))).scalar_one()
    assert (offer.status, offer.last_error) == ("ended", waitlist.OFFER_ENDED)


async def test_the_list_shows_positions_offers_purchases_and_lapses(timed, make_tenant, clock):
    tenant = await make_tenant()
    event, product, holds = await sold_out(timed, tenant, seats=2)
    await join(timed, tenant, event, product, *[(f"p{n}@example.com", 1) for n in range(4)])
    await free(timed, tenant, holds)
    await waitlist.offer_seats(timed, tenant.account_id)
    async with timed.db.tenant(tenant.account_id) as session:
        first = (await session.execute(select(Order.reference).where(Order.email == "p0@example.com"))).scalar_one()
    await payments.mark_paid(timed, tenant, reference=first)
    clock.advance(seconds=25 * 3600)
    await orders.release_expired_holds(timed, tenant.account_id)

    listed = await waitlist.waitlist(timed, tenant, event=event.slug)

    assert [(e.email, e.state, e.position) for e in listed.entries] == [
        ("p0@example.com", "bought", None), ("p1@example.com", "lapsed", None),
        ("p2@example.com", "waiting", 1), ("p3@example.com", "waiting", 2),
    ]
    async with timed.db.tenant(tenant.account_id) as session:
        assert await waitlist.conversions(session, since=clock.now() - timedelta(days=2), until=clock.now()) == (1, 1)


async def test_the_audience_event_slug_waitlist_reaches_those_who_waited_and_did_not_buy(timed, make_tenant, clock):
    tenant = await make_tenant()
    event, product, holds = await sold_out(timed, tenant, seats=1)
    for email in ("ann@example.com", "bob@example.com", "cem@example.com"):
        await waitlist.join(timed, tenant.account_id, event_id=event.id, product_id=product.id, email=email,
                            name="X", quantity=1, consent=email != "cem@example.com", consent_source="test")
    await free(timed, tenant, holds)
    await waitlist.offer_seats(timed, tenant.account_id)
    async with timed.db.tenant(tenant.account_id) as session:
        ann = (await session.execute(select(Order.reference).where(Order.email == "ann@example.com"))).scalar_one()
    await payments.mark_paid(timed, tenant, reference=ann)
    await waitlist.offer_seats(timed, tenant.account_id)  # settles Ann's offer as bought

    async with timed.db.tenant(tenant.account_id) as session:
        bound = await audiences.bind(session, audiences.parse(f"event:{event.slug}:waitlist"))
        reached = (await session.execute(select(Contact.email).where(Contact.id.in_(bound.recipients("email"))))).scalars()
        assert set(reached) == {"bob@example.com"}, "Ann bought; Cem gave no email consent"


async def test_the_sales_digest_counts_waitlist_conversions(timed, make_tenant, clock):
    tenant = await make_tenant()
    event, product, holds = await sold_out(timed, tenant, seats=3)
    await join(timed, tenant, event, product, ("ann@example.com", 2), ("bob@example.com", 1))
    await free(timed, tenant, holds)
    await waitlist.offer_seats(timed, tenant.account_id)
    async with timed.db.tenant(tenant.account_id) as session:
        ann = (await session.execute(select(Order.reference).where(Order.email == "ann@example.com"))).scalar_one()
    await payments.mark_paid(timed, tenant, reference=ann)

    day = local_time.local(clock.now(), event.timezone).date()
    async with timed.db.tenant(tenant.account_id) as session:
        digest = await reports.sales_digest(session, day=day, currency="EUR", now=clock.now())
    assert (digest.waitlist_orders, digest.waitlist_tickets) == (1, 2)
