"""Holding seats, expiry, manual payment, comps and refunds against the real database."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.errors import slack_sentence
from core.errors import Conflict, Forbidden, Invalid, NotFound, NotReady, SoldOut
from core.sales import orders, payments, tickets
from core.services import Services
from core.time.clock import FrozenClock
from db.models import (
    Attendee,
    Contact,
    Event,
    Interaction,
    Order,
    OrderLine,
    OutboxMessage,
    Payment,
    Product,
    Ticket,
    TicketEmail,
)
from tests.conftest import new_tenant
from tests.support.factories import make_event, make_product, set_account
from tests.support.notices import shown


async def _count(services, tenant, model, *where) -> int:
    async with services.db.tenant(tenant.account_id) as session:
        return (await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


async def _sold(services, tenant, event, product) -> tuple[int, int]:
    async with services.db.tenant(tenant.account_id) as session:
        event_sold = (await session.execute(select(Event.sold).where(Event.id == event.id))).scalar_one()
        product_sold = (await session.execute(select(Product.sold).where(Product.id == product.id))).scalar_one()
    return event_sold, product_sold


@pytest.fixture
def clock():
    return FrozenClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def timed(db, settings, clock) -> Services:
    return Services(db=db, settings=settings, clock=clock)


async def test_200_concurrent_sales_of_50_seats_hold_exactly_50(services, make_tenant):
    tenant = await make_tenant("sales")
    event = await make_event(services, tenant)
    product = await make_product(services, tenant, event, capacity=50)

    results = await asyncio.gather(
        *(payments.sell(services, tenant, event=event.slug, ticket="ga", email=f"buyer{i}@example.com") for i in range(200)),
        return_exceptions=True,
    )

    held = [r for r in results if isinstance(r, payments.Sale)]
    refused = [r for r in results if isinstance(r, SoldOut)]
    assert (len(held), len(refused)) == (50, 150), [r for r in results if not isinstance(r, payments.Sale | SoldOut)][:3]
    assert all(r.message == "“General admission” at “Summer Gala” is sold out." for r in refused)
    assert await _sold(services, tenant, event, product) == (50, 50)
    assert await _count(services, tenant, Order, Order.status == "pending") == 50
    async with services.db.tenant(tenant.account_id) as session:
        assert (await session.execute(select(func.sum(OrderLine.quantity)))).scalar_one() == 50
    assert len({sale.order.reference for sale in held}) == 50


async def test_event_capacity_caps_all_its_ticket_types_together(services, make_tenant):
    tenant = await make_tenant()
    event = await make_event(services, tenant, capacity=5)
    await make_product(services, tenant, event, slug="ga", capacity=10)
    await make_product(services, tenant, event, slug="vip", capacity=10)

    results = await asyncio.gather(
        *(orders.hold_seats(services, tenant, event=event.slug, ticket=("ga", "vip")[i % 2], email=f"p{i}@example.com")
          for i in range(20)),
        return_exceptions=True,
    )
    assert sum(isinstance(r, orders.Held) for r in results) == 5
    assert all(isinstance(r, orders.Held | SoldOut) for r in results)
    async with services.db.tenant(tenant.account_id) as session:
        assert (await session.execute(select(Event.sold).where(Event.id == event.id))).scalar_one() == 5
        assert (await session.execute(select(func.sum(Product.sold)))).scalar_one() == 5


async def test_sold_out_says_how_many_seats_are_left(services, make_tenant):
    tenant = await make_tenant()
    event = await make_event(services, tenant)
    await make_product(services, tenant, event, capacity=3)
    await orders.hold_seats(services, tenant, event=event.slug, ticket="ga", qty=2, email="a@example.com")

    with pytest.raises(SoldOut) as refused:
        await orders.hold_seats(services, tenant, event=event.slug, ticket="ga", qty=2, email="b@example.com")
    assert refused.value.message == "Only 1 seat is left for “General admission” at “Summer Gala”; sell qty=1 or fewer."
    assert refused.value.details["remaining"] == 1


async def test_a_hold_reserves_seats_for_30_minutes_with_a_reference(timed, make_tenant, clock):
    tenant = await make_tenant()
    event = await make_event(timed, tenant)
    await make_product(timed, tenant, event, capacity=10, price_cents=1500)
    held = await orders.hold_seats(timed, tenant, event=event.slug, ticket="ga", qty=3, email=" Ann@Example.com ",
                                   name="Ann Lee")
    assert held.reference.startswith("EV-") and len(held.reference) == 9
    assert (held.status, held.total_cents, held.currency, held.email) == ("pending", 4500, "EUR", "ann@example.com")
    assert held.expires_at == clock.now() + timedelta(minutes=30)
    async with timed.db.tenant(tenant.account_id) as session:
        contact = (await session.execute(select(Contact).where(Contact.email == "ann@example.com"))).scalar_one()
        order = (await session.execute(select(Order))).scalar_one()
    assert (contact.first_name, contact.last_name) == ("Ann", "Lee")
    assert order.contact_id == contact.id and order.created_by == tenant.user_id


async def test_an_expired_hold_frees_its_seats_for_the_next_buyer(timed, make_tenant, clock):
    tenant = await make_tenant()
    event = await make_event(timed, tenant)
    product = await make_product(timed, tenant, event, capacity=2)
    first = await orders.hold_seats(timed, tenant, event=event.slug, ticket="ga", qty=2, email="first@example.com")
    with pytest.raises(SoldOut):
        await orders.hold_seats(timed, tenant, event=event.slug, ticket="ga", email="second@example.com")

    clock.advance(minutes=31)
    second = await orders.hold_seats(timed, tenant, event=event.slug, ticket="ga", email="second@example.com")

    async with timed.db.tenant(tenant.account_id) as session:
        statuses = dict((await session.execute(select(Order.reference, Order.status))).all())
    assert statuses == {first.reference: "expired", second.reference: "pending"}
    assert await _sold(timed, tenant, event, product) == (1, 1)


async def test_the_expiry_job_releases_lapsed_holds_once_however_many_run_it(own_database, settings, clock):
    # The job expires every account's holds: in the shared database it would count other tests' holds too.
    timed = Services(db=own_database, settings=settings, clock=clock)
    tenant = await new_tenant(timed)
    event = await make_event(timed, tenant)
    product = await make_product(timed, tenant, event, capacity=10)
    for i in range(4):
        await orders.hold_seats(timed, tenant, event=event.slug, ticket="ga", qty=2, email=f"h{i}@example.com")
    clock.advance(minutes=29)
    assert await orders.expire_holds(timed) == 0
    await orders.hold_seats(timed, tenant, event=event.slug, ticket="ga", email="late@example.com")
    clock.advance(minutes=2)

    released = await asyncio.gather(*(orders.expire_holds(timed) for _ in range(5)))

    assert sum(released) == 4
    assert await _sold(timed, tenant, event, product) == (1, 1)
    assert await _count(timed, tenant, Order, Order.status == "expired") == 4


@pytest.mark.parametrize(
    ("text", "error", "sentence"),
    [
        ({"event": "nope"}, NotFound, "There is no event `nope`"),
        ({"ticket": "nope"}, NotFound, "has no ticket type `nope`"),
        ({"qty": 0}, Invalid, "qty must be at least 1."),
        ({"qty": 5}, Invalid, "qty can be at most 4 per order for “General admission”"),
        ({"email": "not-an-email"}, Invalid, "`not-an-email` is not an email address"),
    ],
)
async def test_bad_input_is_refused_and_nothing_is_saved(services, make_tenant, text, error, sentence):
    tenant = await make_tenant()
    event = await make_event(services, tenant)
    product = await make_product(services, tenant, event, capacity=10, max_per_order=4)
    args = {"event": event.slug, "ticket": "ga", "qty": 1, "email": "ann@example.com"} | text

    with pytest.raises(error) as refused:
        await payments.sell(services, tenant, **args)

    assert sentence in refused.value.message
    assert await _count(services, tenant, Order) == 0
    assert await _count(services, tenant, Contact) == 0
    assert await _sold(services, tenant, event, product) == (0, 0)


async def test_sales_window_closed_cancelled_and_draft_events_sell_nothing(services, make_tenant):
    tenant = await make_tenant()
    now = datetime.now(UTC)
    closed = await make_event(services, tenant, slug="closed")
    await make_product(services, tenant, closed, sales_end=now - timedelta(hours=1))
    early = await make_event(services, tenant, slug="early")
    await make_product(services, tenant, early, sales_start=now + timedelta(days=1))
    cancelled = await make_event(services, tenant, slug="cancelled", status="cancelled")
    await make_product(services, tenant, cancelled)
    draft = await make_event(services, tenant, slug="draft", status="draft")
    await make_product(services, tenant, draft)

    expected = {
        "closed": (Invalid, "Sales for “General admission” closed"),
        "early": (NotReady, "Sales for “General admission” open"),
        "cancelled": (Conflict, "is cancelled; it sells nothing."),
        "draft": (NotReady, "is a draft; publish it with `/event publish draft`"),
    }
    for slug, (error, sentence) in expected.items():
        with pytest.raises(error) as refused:
            await payments.sell(services, tenant, event=slug, ticket="ga", email="ann@example.com")
        assert sentence in slack_sentence(refused.value), slug
    assert await _count(services, tenant, Order) == 0
    assert await _count(services, tenant, Contact) == 0


async def test_door_staff_cannot_sell(services, make_tenant):
    tenant = await make_tenant("door")
    with pytest.raises(Forbidden):
        await payments.sell(services, tenant, event="any", ticket="ga", email="ann@example.com")


async def test_paying_cash_issues_one_ticket_per_seat_records_the_purchase_and_alerts_the_sales_channel(
    services, make_tenant
):
    tenant = await make_tenant("sales")
    await set_account(services, tenant, sales_channel="C0SALES")
    event = await make_event(services, tenant, name="Gala <!channel>")
    await make_product(services, tenant, event, capacity=10)
    sale = await payments.sell(services, tenant, event=event.slug, ticket="ga", qty=3, email="ann@example.com",
                               name="Ann Lee")
    assert sale.payment_url is None

    paid = await payments.mark_paid(services, tenant, reference=sale.order.reference.lower(), method="cash")

    assert (paid.status, paid.payment_method, paid.paid_cents) == ("paid", "cash", 7500)
    assert len(paid.tickets) == 3 and len({t.code for t in paid.tickets}) == 3
    assert all(t.url == f"http://eventos.test/t/{t.code}" and t.attendee == "Ann Lee" for t in paid.tickets)
    assert await _count(services, tenant, Attendee) == 3
    assert await _count(services, tenant, TicketEmail, TicketEmail.status == "pending") == 1
    assert await tickets.send_due(services, account_id=tenant.account_id) == 1  # the ticker sends it; paying only queued it
    assert await _count(services, tenant, TicketEmail, TicketEmail.status == "sent") == 1
    async with services.db.tenant(tenant.account_id) as session:
        purchase = (await session.execute(select(Interaction))).scalar_one()
        alert = (await session.execute(select(OutboxMessage))).scalar_one()
    assert purchase.kind == "purchase" and sale.order.reference in purchase.body and purchase.user_id == tenant.user_id
    assert alert.channel_id == "C0SALES" and alert.dedupe_key == f"sale:{paid.id}"
    assert "&lt;!channel&gt;" in shown(alert)["text"] and "<!channel>" not in shown(alert)["text"]
    assert "3 × General admission" in shown(alert)["text"] and "75.00 EUR" in shown(alert)["text"]

    with pytest.raises(Conflict, match="is already paid"):
        await payments.mark_paid(services, tenant, reference=sale.order.reference, method="bank")
    with pytest.raises(Invalid, match="method must be cash or bank"):
        await payments.mark_paid(services, tenant, reference=sale.order.reference, method="cheque")


async def test_the_sale_alert_goes_to_the_events_channel_before_the_accounts(services, make_tenant):
    tenant = await make_tenant()
    await set_account(services, tenant, sales_channel="C0ACCOUNT")
    event = await make_event(services, tenant, sales_channel="C0EVENT", created_channel="C0CREATED")
    await make_product(services, tenant, event)
    other = await make_event(services, tenant, created_channel="C0CREATED")
    await make_product(services, tenant, other)
    for slug in (event.slug, other.slug):
        sale = await payments.sell(services, tenant, event=slug, ticket="ga", email="ann@example.com")
        await payments.mark_paid(services, tenant, reference=sale.order.reference)
    async with services.db.tenant(tenant.account_id) as session:
        channels = sorted((await session.execute(select(OutboxMessage.channel_id))).scalars())
    assert channels == ["C0ACCOUNT", "C0EVENT"]


async def test_concurrent_payments_of_one_order_settle_it_once(services, make_tenant):
    tenant = await make_tenant()
    event = await make_event(services, tenant)
    await make_product(services, tenant, event)
    sale = await payments.sell(services, tenant, event=event.slug, ticket="ga", qty=2, email="ann@example.com")

    results = await asyncio.gather(
        *(payments.mark_paid(services, tenant, reference=sale.order.reference) for _ in range(5)), return_exceptions=True
    )
    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(isinstance(r, Conflict) for r in results if isinstance(r, Exception))
    assert await _count(services, tenant, Payment) == 1
    assert await _count(services, tenant, Ticket) == 2
    assert await _count(services, tenant, TicketEmail) == 1


async def test_comp_issues_free_tickets_at_once_even_for_a_draft(services, make_tenant):
    tenant = await make_tenant("organizer")
    event = await make_event(services, tenant, status="draft")
    product = await make_product(services, tenant, event, capacity=1)

    held = await orders.comp(services, tenant, event=event.slug, ticket="ga", email="guest@example.com", name="Guest")
    order = await orders.get_order(services, tenant, reference=held.reference)

    assert (order.status, order.kind, order.total_cents, order.payment_method) == ("paid", "comp", 0, "comp")
    assert len(order.tickets) == 1 and order.emails_sent == 1
    assert await _sold(services, tenant, event, product) == (1, 1)
    assert await _count(services, tenant, OutboxMessage) == 0
    with pytest.raises(SoldOut):
        await orders.comp(services, tenant, event=event.slug, ticket="ga", email="other@example.com")
    with pytest.raises(Invalid, match="there is no payment to refund"):
        await payments.refund(services, tenant, reference=held.reference)


async def test_sales_staff_cannot_comp(services, make_tenant):
    tenant = await make_tenant("sales")
    with pytest.raises(Forbidden, match="Only an organizer"):
        await orders.comp(services, tenant, event="any", ticket="ga", email="guest@example.com")


async def test_a_free_ticket_sold_is_issued_at_once(services, make_tenant):
    tenant = await make_tenant()
    event = await make_event(services, tenant)
    await make_product(services, tenant, event, price_cents=0)
    sale = await payments.sell(services, tenant, event=event.slug, ticket="ga", email="ann@example.com")
    assert sale.order.status == "paid" and sale.payment_url is None
    assert await _count(services, tenant, Ticket) == 1


async def test_a_partial_then_full_cash_refund_voids_tickets_and_frees_seats(services, make_tenant):
    tenant = await make_tenant("organizer")
    event = await make_event(services, tenant)
    product = await make_product(services, tenant, event, capacity=10, price_cents=2000)
    sale = await payments.sell(services, tenant, event=event.slug, ticket="ga", qty=2, email="ann@example.com")
    await payments.mark_paid(services, tenant, reference=sale.order.reference, method="bank")

    part = await payments.refund(services, tenant, reference=sale.order.reference, amount="15")
    assert (part.status, part.refunded_cents) == ("paid", 1500)
    assert all(t.status == "valid" for t in part.tickets)
    with pytest.raises(Invalid, match="amount can be at most 25.00 EUR"):
        await payments.refund(services, tenant, reference=sale.order.reference, amount="30")

    full = await payments.refund(services, tenant, reference=sale.order.reference)
    assert (full.status, full.refunded_cents) == ("refunded", 4000)
    assert all(t.status == "void" for t in full.tickets)
    assert await _sold(services, tenant, event, product) == (0, 0)
    async with services.db.tenant(tenant.account_id) as session:
        payment = (await session.execute(select(Payment))).scalar_one()
        kinds = sorted((await session.execute(select(Interaction.kind))).scalars())
    assert (payment.status, payment.refunded_cents) == ("refunded", 4000)
    assert kinds == ["purchase", "refund", "refund"]
    with pytest.raises(Conflict, match="already refunded in full"):
        await payments.refund(services, tenant, reference=sale.order.reference)


async def test_refunding_a_pending_order_or_an_unknown_reference_says_why(services, make_tenant):
    tenant = await make_tenant()
    event = await make_event(services, tenant)
    await make_product(services, tenant, event)
    sale = await payments.sell(services, tenant, event=event.slug, ticket="ga", email="ann@example.com")
    with pytest.raises(Conflict, match="is pending and has no payment to refund"):
        await payments.refund(services, tenant, reference=sale.order.reference)
    with pytest.raises(NotFound, match="There is no order `EV-ZZZZZZ`"):
        await orders.get_order(services, tenant, reference="zzzzzz")


async def test_resend_queues_and_sends_the_email_again(services, make_tenant):
    tenant = await make_tenant()
    event = await make_event(services, tenant)
    await make_product(services, tenant, event)
    sale = await payments.sell(services, tenant, event=event.slug, ticket="ga", email="ann@example.com")
    with pytest.raises(Conflict, match="has no valid tickets to send"):
        await orders.resend(services, tenant, reference=sale.order.reference)
    await payments.mark_paid(services, tenant, reference=sale.order.reference)
    again = await orders.resend(services, tenant, reference=sale.order.reference)
    assert again.emails_sent == 2

