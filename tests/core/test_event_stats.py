"""The numbers on an event's card, read from the trigger-kept sales rows, against the real database."""

import asyncio

from sqlalchemy import func, select

from bot.events import views
from core.events import stats
from core.money.amounts import Money
from core.sales import orders, payments, promos
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
    [money] = after.money
    assert (after.paid_seats, money.gross_cents, money.refunded_cents, money.net_cents) == (4, 10000, 7500, 2500)
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


async def test_an_event_selling_in_two_currencies_shows_each_and_never_adds_them(services, make_tenant):
    """An event whose ticket types were priced before and after the account changed currency (older data)."""
    tenant = await make_tenant("organizer", currency="USD")
    event = await make_event(services, tenant)
    await make_product(services, tenant, event, slug="ga", price_cents=4000, currency="EUR")
    await make_product(services, tenant, event, slug="late", name="Late entry", price_cents=1500, currency="USD")
    await promos.add_promo(services, tenant, event=event.slug, code="HALF", percent=50)
    for ticket, qty in (("ga", 3), ("late", 2), ("ga", 1)):
        sale = await payments.sell(services, tenant, event=event.slug, ticket=ticket, qty=qty, email="a@example.com",
                                   code="HALF" if qty == 1 else None)
        await payments.mark_paid(services, tenant, reference=sale.order.reference, method="bank")
    await payments.refund(services, tenant, reference=sale.order.reference, amount="5")

    report = await stats.event_report(services, tenant, slug=event.slug)

    # 3 × 40.00 + 20.00 (half off) EUR, 5.00 EUR back; 2 × 15.00 USD.
    assert [(t.currency, t.gross_cents, t.refunded_cents) for t in report.money] == [("EUR", 14000, 500), ("USD", 3000, 0)]
    [code] = report.codes
    assert (code.revenue, code.discount) == ((Money(2000, "EUR"),), (Money(2000, "EUR"),))
    shown = str(views.stats_card(report)) + str(views.event_card(report, can_edit=False))
    assert "*135.00 EUR net* (140.00 EUR gross − 5.00 EUR refunded); *30.00 USD net* (30.00 USD gross − 0.00 USD refunded)" in shown
    for added in ("170.00", "165.00", "140.00 USD", "30.00 EUR"):
        assert added not in shown
