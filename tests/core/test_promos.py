"""Promo codes: discounts, limits the database enforces, uses given back with the seats."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.errors import Conflict, Forbidden, Invalid, NotFound
from core.money.amounts import Money
from core.sales import orders, payments, promos
from core.services import Services
from core.time.clock import FrozenClock
from db.models import Event, OrderLine, Product, PromoCode
from tests.conftest import new_tenant
from tests.support.factories import make_event, make_product


@pytest.fixture
def clock():
    return FrozenClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def timed(db, settings, clock) -> Services:
    return Services(db=db, settings=settings, clock=clock)


async def _used(services, tenant, code: str) -> int:
    async with services.db.tenant(tenant.account_id) as session:
        return (await session.execute(select(PromoCode.used).where(PromoCode.code == code))).scalar_one()


async def _arrange(services, tenant, **product):
    event = await make_event(services, tenant)
    await make_product(services, tenant, event, **({"price_cents": 2500} | product))
    return event


@pytest.mark.parametrize(
    ("price", "percent", "amount", "expected"),
    [(2500, 20, None, 2000), (999, 15, None, 849), (2500, None, 500, 2000), (400, None, 500, 0), (2500, 100, None, 0),
     (2500, None, None, 2500)],
)
def test_a_discount_never_goes_below_zero_and_rounds_to_the_minor_unit(price, percent, amount, expected):
    assert promos.discounted(price, percent_off=percent, amount_off_cents=amount) == expected


async def test_a_percentage_code_prices_the_hold_and_keeps_the_price_before_it(services, make_tenant):
    tenant = await make_tenant()
    event = await _arrange(services, tenant)
    await promos.add_promo(services, tenant, event=event.slug, code="friends-20", percent="20")

    held = await orders.hold_seats(services, tenant, event=event.slug, ticket="ga", qty=2, email="a@example.com",
                                   code="Friends-20")

    assert (held.unit_price_cents, held.total_cents, held.promo_code, held.list_unit_price_cents) == (2000, 4000, "FRIENDS-20", 2500)
    async with services.db.tenant(tenant.account_id) as session:
        line = (await session.execute(select(OrderLine))).scalar_one()
    assert (line.unit_price_cents, line.list_unit_price_cents, line.promo_code_id is not None) == (2000, 2500, True)
    assert await _used(services, tenant, "FRIENDS-20") == 2


async def test_a_full_discount_confirms_the_order_at_once(services, make_tenant):
    tenant = await make_tenant()
    event = await _arrange(services, tenant)
    await promos.add_promo(services, tenant, event=event.slug, code="SPONSOR", amount="30")

    held = await orders.hold_seats(services, tenant, event=event.slug, ticket="ga", email="s@example.com", code="sponsor")

    assert (held.status, held.total_cents) == ("paid", 0)


async def test_200_simultaneous_holds_with_a_50_use_code_use_it_exactly_50_times(services, make_tenant):
    tenant = await make_tenant()
    event = await make_event(services, tenant)
    await make_product(services, tenant, event, capacity=500)
    await promos.add_promo(services, tenant, event=event.slug, code="RUSH", percent=50, max=50)

    results = await asyncio.gather(
        *(orders.hold_seats(services, tenant, event=event.slug, ticket="ga", email=f"b{i}@example.com", code="rush")
          for i in range(200)),
        return_exceptions=True,
    )

    held = [r for r in results if isinstance(r, orders.Held)]
    refused = [r for r in results if isinstance(r, Conflict) and r.code == "promo_used_up"]
    assert (len(held), len(refused)) == (50, 150), [r for r in results if not isinstance(r, orders.Held | Conflict)][:3]
    assert all(r.message == "The promo code RUSH has been used up." for r in refused)
    assert await _used(services, tenant, "RUSH") == 50
    async with services.db.tenant(tenant.account_id) as session:
        assert (await session.execute(select(Product.sold))).scalar_one() == 50
        assert (await session.execute(select(func.sum(OrderLine.quantity)))).scalar_one() == 50


async def test_a_code_with_too_few_uses_left_says_how_many_and_takes_nothing(services, make_tenant):
    tenant = await make_tenant()
    event = await _arrange(services, tenant, capacity=100)
    await promos.add_promo(services, tenant, event=event.slug, code="FEW", percent=10, max=3)
    await orders.hold_seats(services, tenant, event=event.slug, ticket="ga", qty=2, email="a@example.com", code="FEW")

    with pytest.raises(Conflict) as refused:
        await orders.hold_seats(services, tenant, event=event.slug, ticket="ga", qty=2, email="b@example.com", code="FEW")

    assert refused.value.message == "The promo code FEW has 1 use(s) left; buy qty=1 or fewer with it."
    assert await _used(services, tenant, "FEW") == 2
    async with services.db.tenant(tenant.account_id) as session:
        assert (await session.execute(select(Product.sold))).scalar_one() == 2


async def test_an_expired_hold_gives_its_uses_back_once_however_many_release_it(own_database, settings, clock):
    timed = Services(db=own_database, settings=settings, clock=clock)
    tenant = await new_tenant(timed)
    event = await _arrange(timed, tenant, capacity=10)
    await promos.add_promo(timed, tenant, event=event.slug, code="ONCE", percent=10, max=2)
    await orders.hold_seats(timed, tenant, event=event.slug, ticket="ga", qty=2, email="a@example.com", code="ONCE")
    with pytest.raises(Conflict):
        await orders.hold_seats(timed, tenant, event=event.slug, ticket="ga", email="b@example.com", code="ONCE")

    clock.advance(minutes=31)
    released = await asyncio.gather(*(orders.expire_holds(timed) for _ in range(4)))

    assert sum(released) == 1
    assert await _used(timed, tenant, "ONCE") == 0
    await orders.hold_seats(timed, tenant, event=event.slug, ticket="ga", qty=2, email="b@example.com", code="ONCE")
    assert await _used(timed, tenant, "ONCE") == 2


async def test_a_refund_gives_the_uses_back_and_refunds_what_was_paid(services, make_tenant):
    tenant = await make_tenant()
    event = await _arrange(services, tenant)
    await promos.add_promo(services, tenant, event=event.slug, code="HALF", percent=50, max=5)
    sale = await payments.sell(services, tenant, event=event.slug, ticket="ga", qty=2, email="a@example.com", code="HALF")
    await payments.mark_paid(services, tenant, reference=sale.order.reference, method="cash")

    refunded = await payments.refund(services, tenant, reference=sale.order.reference)

    assert (refunded.status, refunded.refunded_cents) == ("refunded", 2500)
    assert await _used(services, tenant, "HALF") == 0


async def test_codes_are_checked_for_event_ticket_type_end_and_time(timed, make_tenant, clock):
    tenant = await make_tenant()
    event = await _arrange(timed, tenant)
    await make_product(timed, tenant, event, slug="vip", name="VIP", price_cents=9000)
    other = await _arrange(timed, tenant)
    await promos.add_promo(timed, tenant, event=event.slug, code="VIPONLY", percent=10, tickets="vip")
    await promos.add_promo(timed, tenant, event=event.slug, code="SOON", percent=10,
                           until=(clock.now() + timedelta(days=1)).astimezone(UTC).strftime("%Y-%m-%d %H:%M"))
    await promos.add_promo(timed, tenant, event=other.slug, code="OTHER", percent=10)
    await promos.add_promo(timed, tenant, event=event.slug, code="GONE", percent=10)
    await promos.end_promo(timed, tenant, code="gone")

    async def refused(code: str, ticket: str = "ga") -> str:
        with pytest.raises(Invalid) as error:
            await orders.hold_seats(timed, tenant, event=event.slug, ticket=ticket, email="x@example.com", code=code)
        return error.value.message

    assert await refused("VIPONLY") == "The promo code VIPONLY is not valid for “General admission”."
    assert await refused("OTHER") == "OTHER is not a promo code for “Summer Gala”; check its spelling."
    assert await refused("NOPE") == "NOPE is not a promo code for “Summer Gala”; check its spelling."
    assert await refused("GONE") == "The promo code GONE has expired."
    clock.advance(days=2)
    assert await refused("soon") == "The promo code SOON has expired."
    assert await refused("bad code!") == "A promo code is 1–40 letters, digits, - or _ (for example SPRING-20)."
    held = await orders.hold_seats(timed, tenant, event=event.slug, ticket="vip", email="v@example.com", code="viponly")
    assert held.total_cents == 8100
    async with timed.db.tenant(tenant.account_id) as session:
        assert (await session.execute(select(func.count()).select_from(OrderLine))).scalar_one() == 1


async def test_another_accounts_code_is_unknown_here(services, make_tenant):
    mine, theirs = await make_tenant(), await make_tenant()
    event = await _arrange(services, mine)
    their_event = await _arrange(services, theirs)
    await promos.add_promo(services, theirs, event=their_event.slug, code="THEIRS", percent=90)

    with pytest.raises(Invalid):
        await orders.hold_seats(services, mine, event=event.slug, ticket="ga", email="x@example.com", code="THEIRS")
    with pytest.raises(NotFound):
        await promos.show_promo(services, mine, code="THEIRS")
    assert await _used(services, theirs, "THEIRS") == 0


async def test_hidden_ticket_types_are_unlocked_only_by_their_code(services, make_tenant):
    tenant = await make_tenant()
    event = await _arrange(services, tenant)
    await make_product(services, tenant, event, slug="guest", name="Guest pass", price_cents=0)

    promo = await promos.add_promo(services, tenant, event=event.slug, code="GUESTS", tickets="guest", hidden=True, max=20)

    assert promo.unlocks == ("Guest pass",)
    async with services.db.tenant(tenant.account_id) as session:
        guest_id = (await session.execute(select(Product.id).where(Product.slug == "guest"))).scalar_one()
        assert (await session.execute(select(Product.hidden).where(Product.id == guest_id))).scalar_one() is True
        row = (await session.execute(select(Event).where(Event.id == event.id))).scalar_one()
        shown = await promos.for_page(session, event=row, code="guests", now=services.clock.now())
    assert (shown.code, shown.unlocks, shown.products) == ("GUESTS", {guest_id}, {guest_id})


async def test_adding_codes_refuses_bad_input_and_saves_nothing(services, make_tenant):
    tenant = await make_tenant()
    event = await _arrange(services, tenant)
    await promos.add_promo(services, tenant, event=event.slug, code="TAKEN")
    bad = [
        ({"code": "TAKEN"}, Conflict, "The code TAKEN exists already"),
        ({"code": "OK", "percent": "0"}, Invalid, "percent must be a whole number from 1 to 100"),
        ({"code": "OK", "percent": "150"}, Invalid, "percent must be a whole number from 1 to 100"),
        ({"code": "OK", "percent": "10", "amount": "5"}, Invalid, "Give either percent= or amount="),
        ({"code": "OK", "amount": "-5"}, Invalid, "amount"),
        ({"code": "OK", "amount": "0"}, Invalid, "amount must be more than zero"),
        ({"code": "OK", "max": "0"}, Invalid, "max must be a whole number of tickets"),
        ({"code": "OK", "tickets": "nope"}, NotFound, "has no ticket type `nope`"),
        ({"code": "OK", "hidden": True}, Invalid, "hidden=yes hides the ticket types the code names"),
        ({"code": "OK", "until": "2020-01-01 10:00"}, Invalid, "until"),
        ({"code": "x" * 41}, Invalid, "A promo code is 1–40 letters"),
    ]
    for given, error, sentence in bad:
        with pytest.raises(error) as raised:
            await promos.add_promo(services, tenant, event=event.slug, **given)
        assert sentence in raised.value.message, (given, raised.value.message)
    _, codes = await promos.list_promos(services, tenant, event=event.slug)
    assert [promo.code for promo in codes] == ["TAKEN"]


async def test_only_organizers_create_and_end_codes(services, make_tenant):
    owner = await make_tenant()
    event = await _arrange(services, owner)
    await promos.add_promo(services, owner, event=event.slug, code="KEEP")
    seller = await make_tenant("sales")

    with pytest.raises(Forbidden):
        await promos.add_promo(services, seller, event=event.slug, code="MINE")
    with pytest.raises(Forbidden):
        await promos.end_promo(services, seller, code="KEEP")


async def test_show_counts_paid_uses_revenue_and_discount(services, make_tenant):
    tenant = await make_tenant()
    event = await _arrange(services, tenant)
    await promos.add_promo(services, tenant, event=event.slug, code="TEN", amount="10")
    paid = await payments.sell(services, tenant, event=event.slug, ticket="ga", qty=3, email="a@example.com", code="TEN")
    await payments.mark_paid(services, tenant, reference=paid.order.reference, method="bank")
    await payments.sell(services, tenant, event=event.slug, ticket="ga", email="b@example.com", code="TEN")

    report = await promos.show_promo(services, tenant, code="ten")

    assert (report.orders, report.tickets_paid, report.revenue, report.discount) == (1, 3, (Money(4500, "EUR"),), (Money(3000, "EUR"),))
    assert report.promo.used == 4


async def test_a_codes_sales_in_two_currencies_are_reported_per_currency(services, make_tenant):
    tenant = await make_tenant()
    event = await _arrange(services, tenant, price_cents=2000, currency="EUR")
    await make_product(services, tenant, event, slug="late", name="Late entry", price_cents=1000, currency="GBP")
    await promos.add_promo(services, tenant, event=event.slug, code="QUARTER", percent=25)
    for ticket, qty in (("ga", 2), ("late", 4)):
        sale = await payments.sell(services, tenant, event=event.slug, ticket=ticket, qty=qty, email="a@example.com",
                                   code="QUARTER")
        await payments.mark_paid(services, tenant, reference=sale.order.reference, method="bank")

    report = await promos.show_promo(services, tenant, code="QUARTER")

    assert (report.orders, report.tickets_paid) == (2, 6)
    assert report.revenue == (Money(3000, "EUR"), Money(3000, "GBP"))
    assert report.discount == (Money(1000, "EUR"), Money(1000, "GBP"))
