"""The order tallies (migration 0098) against every order summed the slow way, after histories that try to make them drift."""

import asyncio
import random
from datetime import UTC, datetime

from sqlalchemy import delete, func, select, update

from core.events import stats
from core.sales import orders, payments, tallies, totals
from core.sales.sources import SourceSales
from db.enums import OrderStatus
from db.models import Attendee, Order, OrderLine, Payment, Ticket, User
from tests.support.factories import make_event, make_product


async def _summed_from_orders(services, tenant, event_id):
    """What the tallies must say, from the orders and payments themselves (the rules of totals.py and sources.py)."""
    async with services.db.tenant(tenant.account_id) as session:
        money = tuple(await totals.order_totals(session, Order.event_id == event_id))
        by_status = dict(
            (await session.execute(
                select(Order.status, func.count())
                .where(Order.event_id == event_id, Order.status != OrderStatus.PENDING).group_by(Order.status)
            )).all()
        )
        sources = {
            SourceSales(channel, source, promoter, n, int(tickets), int(cents), currency)
            for channel, source, promoter, n, tickets, cents, currency in await session.execute(
                select(Order.source, Order.channel_source, User.name, func.count(), func.sum(Order.quantity),
                       func.sum(Order.total_cents), Order.currency)
                .outerjoin(User, User.id == Order.promoter_user_id)
                .where(Order.event_id == event_id, Order.status == OrderStatus.PAID, Order.kind == "sale")
                .group_by(Order.source, Order.channel_source, Order.promoter_user_id, User.name, Order.currency)
            )
        }
    return by_status, money, sources


async def _assert_tallies_agree(services, tenant, event_id) -> tallies.EventOrders:
    async with services.db.tenant(tenant.account_id) as session:
        tallied = await tallies.event_orders(session, event_id)
    by_status, money, sources = await _summed_from_orders(services, tenant, event_id)
    assert tallied.by_status == by_status
    assert tallied.money == money
    assert set(tallied.sources) == sources
    return tallied


async def _credit(services, tenant, reference: str, *, source: str | None, promoter: bool) -> None:
    """Credit an order to a tracked link's source and promoter, as a link's checkout does."""
    async with services.db.tenant(tenant.account_id) as session:
        await session.execute(
            update(Order).where(Order.reference == reference)
            .values(channel_source=source, promoter_user_id=tenant.user_id if promoter else None)
        )


async def test_a_history_of_sales_refunds_expiries_comps_and_credits_adds_up_to_what_the_orders_say(services, make_tenant):
    tenant = await make_tenant("owner", currency="USD")
    event = await make_event(services, tenant)
    await make_product(services, tenant, event, slug="ga", price_cents=2000, currency="USD", capacity=100)
    await make_product(services, tenant, event, slug="eu", name="Euro seats", price_cents=4000, currency="EUR")
    sold = [
        await payments.sell(services, tenant, event=event.slug, ticket="ga" if i % 3 else "eu", qty=1 + i % 2,
                            email=f"buyer{i}@example.com")
        for i in range(9)
    ]
    refs = [s.order.reference for s in sold]
    for ref in refs[:7]:
        await payments.mark_paid(services, tenant, reference=ref, method="cash")
    await _assert_tallies_agree(services, tenant, event.id)

    await _credit(services, tenant, refs[1], source="instagram", promoter=True)
    await _credit(services, tenant, refs[2], source="newsletter", promoter=False)
    await payments.refund(services, tenant, reference=refs[1], amount="5")  # partial, twice
    await payments.refund(services, tenant, reference=refs[1], amount="7.50")
    await payments.refund(services, tenant, reference=refs[2], amount="3")  # partial, then the rest
    await payments.refund(services, tenant, reference=refs[2])
    await payments.refund(services, tenant, reference=refs[4])  # in full at once
    await orders.comp(services, tenant, event=event.slug, ticket="ga", email="guest@example.com", qty=2)
    async with services.db.tenant(tenant.account_id) as session:
        held = (await session.execute(select(Order.id).where(Order.reference == refs[7]))).scalar_one()
        await orders.release(session, [held], status=OrderStatus.EXPIRED, now=datetime.now(UTC))
    await _credit(services, tenant, refs[1], source="tiktok", promoter=False)  # credited again, after its refunds

    tallied = await _assert_tallies_agree(services, tenant, event.id)
    assert tallied.by_status == {"paid": 6, "refunded": 2, "expired": 1}  # the comp is a paid order
    assert {m.currency for m in tallied.money} == {"USD", "EUR"}
    assert sum(m.refunded_cents for m in tallied.money) > 0

    # The card: holds counted live, every other state from the tallies.
    report = await stats.event_report(services, tenant, slug=event.slug)
    assert report.orders == {"pending": 1, "paid": 6, "refunded": 2, "expired": 1}
    assert report.money == tallied.money and report.sources == tallied.sources


async def test_concurrent_payments_refunds_and_expiries_of_one_event_never_drift(services, make_tenant):
    tenant = await make_tenant("owner")
    event = await make_event(services, tenant)
    await make_product(services, tenant, event, capacity=500, price_cents=1500)
    sold = [
        await payments.sell(services, tenant, event=event.slug, ticket="ga", qty=1 + i % 3, email=f"b{i}@example.com")
        for i in range(40)
    ]
    refs = [s.order.reference for s in sold]
    await asyncio.gather(*(payments.mark_paid(services, tenant, reference=ref) for ref in refs[:30]))

    async def expire(ref: str) -> None:
        async with services.db.tenant(tenant.account_id) as session:
            held = (await session.execute(select(Order.id).where(Order.reference == ref))).scalar_one()
            await orders.release(session, [held], status=OrderStatus.EXPIRED, now=datetime.now(UTC))

    work = [
        *(payments.refund(services, tenant, reference=ref) for ref in refs[:10]),
        *(payments.refund(services, tenant, reference=ref, amount="4") for ref in refs[10:20]),
        *(_credit(services, tenant, ref, source="radio", promoter=True) for ref in refs[15:25]),
        *(expire(ref) for ref in refs[30:]),
    ]
    random.Random(7).shuffle(work)
    await asyncio.gather(*work)

    tallied = await _assert_tallies_agree(services, tenant, event.id)
    assert tallied.by_status == {"paid": 20, "refunded": 10, "expired": 10}
    [money] = tallied.money
    assert money.refunded_cents == sum((1 + i % 3) * 1500 for i in range(10)) + 10 * 400


async def test_deleting_orders_takes_them_off_their_tallies(services, make_tenant):
    tenant = await make_tenant("owner")
    event = await make_event(services, tenant)
    await make_product(services, tenant, event, price_cents=1000)
    refs = [
        (await payments.sell(services, tenant, event=event.slug, ticket="ga", email=f"d{i}@example.com")).order.reference
        for i in range(3)
    ]
    for ref in refs:
        await payments.mark_paid(services, tenant, reference=ref)
    await payments.refund(services, tenant, reference=refs[0], amount="2")
    async with services.db.tenant(tenant.account_id) as session:
        gone = select(Order.id).where(Order.reference.in_(refs[:2])).scalar_subquery()
        attendees = select(Attendee.id).where(Attendee.order_id.in_(gone)).scalar_subquery()
        await session.execute(delete(Ticket).where(Ticket.attendee_id.in_(attendees)))
        await session.execute(delete(Attendee).where(Attendee.order_id.in_(gone)))
        await session.execute(delete(Payment).where(Payment.order_id.in_(gone)))
        await session.execute(delete(OrderLine).where(OrderLine.order_id.in_(gone)))
        await session.execute(delete(Order).where(Order.id.in_(gone)))

    tallied = await _assert_tallies_agree(services, tenant, event.id)
    assert tallied.by_status == {"paid": 1}
    assert [(m.gross_cents, m.refunded_cents) for m in tallied.money] == [(1000, 0)]
