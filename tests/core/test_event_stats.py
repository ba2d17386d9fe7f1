"""The numbers on an event's card, read from the trigger-kept sales rows, against the real database."""

import asyncio

from sqlalchemy import func, select

from core.events import stats
from core.sales import orders, payments
from db.models import Order, OrderLine
from tests.support.factories import make_event, make_product


def _by_slug(report: stats.EventReport) -> dict[str, tuple[int, int, int]]:
    return {t.ticket.slug: (t.paid, t.held, t.revenue_cents) for t in report.tickets}


async def _recount(services, tenant, event) -> dict[str, tuple[int, int]]:
    """Paid seats and revenue per ticket type summed from every paid order line, the slow way."""
    async with services.db.tenant(tenant.account_id) as session:
        rows = await session.execute(
            select(OrderLine.product_id, func.sum(OrderLine.quantity), func.sum(OrderLine.quantity * OrderLine.unit_price_cents))
            .join(Order, Order.id == OrderLine.order_id)
            .where(Order.event_id == event.id, Order.status == "paid").group_by(OrderLine.product_id)
        )
        return {product_id: (int(seats), int(revenue)) for product_id, seats, revenue in rows}


async def test_the_card_counts_paid_held_and_revenue_and_a_full_refund_takes_the_order_off(services, make_tenant):
    tenant = await make_tenant("organizer")
    event = await make_event(services, tenant)
    await make_product(services, tenant, event, slug="ga", capacity=10, price_cents=2000)
    await make_product(services, tenant, event, slug="vip", name="VIP", capacity=5, price_cents=9000)
    paid = await payments.sell(services, tenant, event=event.slug, ticket="ga", qty=2, email="ann@example.com")
    await payments.mark_paid(services, tenant, reference=paid.order.reference, method="cash")
    refunded = await payments.sell(services, tenant, event=event.slug, ticket="ga", qty=3, email="bob@example.com")
    await payments.mark_paid(services, tenant, reference=refunded.order.reference, method="bank")
    await payments.sell(services, tenant, event=event.slug, ticket="ga", qty=1, email="cy@example.com")
    await orders.comp(services, tenant, event=event.slug, ticket="vip", email="dee@example.com", qty=2)

    before = await stats.event_report(services, tenant, slug=event.slug)
    assert _by_slug(before) == {"ga": (5, 1, 10000), "vip": (2, 0, 0)}

    await payments.refund(services, tenant, reference=paid.order.reference, amount="15")
    await payments.refund(services, tenant, reference=refunded.order.reference)

    after = await stats.event_report(services, tenant, slug=event.slug)
    # A partial refund leaves the order paid (its revenue stays); a full one frees its seats too.
    assert _by_slug(after) == {"ga": (2, 1, 4000), "vip": (2, 0, 0)}
    # Money is every paid order's take: 40.00 + 60.00 gross, 15.00 + 60.00 refunded, 25.00 net.
    assert (after.paid_seats, after.money.gross_cents, after.money.refunded_cents, after.money.net_cents) == (4, 10000, 7500, 2500)
    assert {t.ticket.id: (t.paid, t.revenue_cents) for t in after.tickets if t.paid} == await _recount(services, tenant, event)


async def test_concurrent_payments_and_refunds_of_one_ticket_type_add_up_exactly(services, make_tenant):
    tenant = await make_tenant("organizer")
    event = await make_event(services, tenant)
    await make_product(services, tenant, event, capacity=100, price_cents=1500)
    sales = [
        await payments.sell(services, tenant, event=event.slug, ticket="ga", qty=1 + i % 3, email=f"b{i}@example.com")
        for i in range(30)
    ]
    await asyncio.gather(*(payments.mark_paid(services, tenant, reference=s.order.reference) for s in sales))
    await asyncio.gather(*(payments.refund(services, tenant, reference=s.order.reference) for s in sales[:10]))

    report = await stats.event_report(services, tenant, slug=event.slug)
    seats = sum(1 + i % 3 for i in range(10, 30))
    assert _by_slug(report) == {"ga": (seats, 0, seats * 1500)}
    assert {t.ticket.id: (t.paid, t.revenue_cents) for t in report.tickets} == await _recount(services, tenant, event)
