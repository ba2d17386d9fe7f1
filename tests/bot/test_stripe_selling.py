"""Selling with Stripe over real HTTP: the Stripe stand-in, signed webhooks, a real SMTP server."""

import asyncio
import json
import re
import time
from datetime import timedelta

import aiohttp
import pytest
from sqlalchemy import func, select

from core.sales import orders, payments, tickets
from core.services import Services
from core.time.clock import FrozenClock
from db.models import (
    Event,
    Interaction,
    Order,
    OutboxMessage,
    Payment,
    ProcessedWebhook,
    Product,
    Ticket,
    TicketEmail,
)
from tests.conftest import test_settings as settings_for
from tests.support.factories import (
    connect_stripe_account,
    make_event,
    make_product,
    set_account,
)
from tests.support.harness import start_harness
from tests.support.orders import confirm_refund
from tests.support.stripe_standin import event as stripe_event
from tests.support.stripe_standin import sign_webhook

WEBHOOK_SECRET = "whsec_test_eventos"


@pytest.fixture
async def shop(db, slack_standin, stripe_standin, smtp_sink):
    """The app with Stripe pointed at the stand-in and mail going to the SMTP sink."""
    settings = settings_for(
        slack_api_url=slack_standin.base_url, stripe_api_key="sk_test_eventos", stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_api_base=stripe_standin.base_url, smtp_url=smtp_sink.url,
    )
    services = Services(db=db, settings=settings)
    harness = await start_harness(services, slack_standin)
    yield harness
    await harness.runner.cleanup()  # also closes the Stripe and SMTP connections (bot.app on_cleanup)


async def deliver(shop, envelope: dict, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None):
    payload = json.dumps(envelope).encode()
    headers = {"Stripe-Signature": sign_webhook(payload, secret, timestamp), "Content-Type": "application/json"}
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{shop.base_url}/stripe/webhook", data=payload, headers=headers) as response:
            return response.status, await response.json()


async def count(shop, tenant, model, *where) -> int:
    async with shop.services.db.tenant(tenant.account_id) as session:
        return (await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


async def order_row(shop, tenant, reference) -> Order:
    async with shop.services.db.tenant(tenant.account_id) as session:
        return (await session.execute(select(Order).where(Order.reference == reference))).scalar_one()


async def seats(shop, tenant, event) -> tuple[int, int]:
    async with shop.services.db.tenant(tenant.account_id) as session:
        return (
            (await session.execute(select(Event.sold).where(Event.id == event.id))).scalar_one(),
            (await session.execute(select(func.sum(Product.sold)).where(Product.event_id == event.id))).scalar_one(),
        )


async def arrange(shop, *, capacity: int | None = 10, **account):
    tenant = await shop.tenant()
    if account:
        await set_account(shop.services, tenant, **account)
    event = await make_event(shop.services, tenant, name="Summer Gala")
    await make_product(shop.services, tenant, event, capacity=capacity, price_cents=2500, currency="EUR")
    return tenant, event


async def sell(shop, tenant, event, qty=2, email="ann@example.com", name="Ann Lee") -> payments.Sale:
    return await payments.sell(shop.services, tenant, event=event.slug, ticket="ga", qty=qty, email=email, name=name)


def session_id_of(url: str) -> str:
    return url.rsplit("/", 1)[-1]


async def test_sell_answers_with_a_checkout_link_made_with_amounts_metadata_and_an_idempotency_key(shop, stripe_standin):
    tenant, event = await arrange(shop)

    message = await shop.run("/sell", f'{event.slug} ga qty=2 email=ann@example.com name="Ann Lee"')

    [request] = stripe_standin.requests_to("/v1/checkout/sessions", "POST")
    order = await order_row(shop, tenant, re.search(r"EV-[A-Z0-9]{6}", message["text"])[0])
    assert order.checkout_url in str(message["blocks"]) and order.checkout_url.startswith("https://checkout.stripe.com/")
    assert order.checkout_session_id == session_id_of(order.checkout_url)
    params = request.params
    assert params["line_items"] == [{
        "price_data": {"currency": "eur", "unit_amount": "2500", "product_data": {"name": "General admission · Summer Gala"}},
        "quantity": "2",
    }]
    assert params["mode"] == "payment" and params["currency"] == "eur"
    assert params["metadata"] == {"account_id": str(tenant.account_id), "order_id": str(order.id), "reference": order.reference}
    assert params["payment_intent_data"]["metadata"] == params["metadata"]
    assert params["client_reference_id"] == str(order.id) and params["customer_email"] == "ann@example.com"
    assert int(params["expires_at"]) == int((order.expires_at + timedelta(minutes=2)).timestamp())
    assert request.headers["Idempotency-Key"] == f"order:{order.id}:checkout"
    assert "Stripe-Account" not in request.headers


async def test_a_connected_account_gets_the_session_and_its_events(shop, stripe_standin, owner_engine):
    tenant, event = await arrange(shop)
    await connect_stripe_account(owner_engine, tenant, "acct_1ORGANIZER")
    sale = await sell(shop, tenant, event)
    [request] = stripe_standin.requests_to("/v1/checkout/sessions", "POST")
    assert request.headers["Stripe-Account"] == "acct_1ORGANIZER"

    completed = stripe_standin.complete(session_id_of(sale.payment_url))
    assert completed["account"] == "acct_1ORGANIZER"
    assert await deliver(shop, completed) == (200, {"received": True, "outcome": "applied"})
    forged = stripe_event("checkout.session.completed", completed["data"]["object"], account="acct_1SOMEONEELSE")
    assert (await deliver(shop, forged))[1]["outcome"] == "ignored"
    assert (await order_row(shop, tenant, sale.order.reference)).status == "paid"


async def test_one_completion_delivered_five_times_at_once_settles_the_order_once(shop, stripe_standin, smtp_sink):
    tenant, event = await arrange(shop, sales_channel="C0SALES")
    sale = await sell(shop, tenant, event, qty=2)
    completed = stripe_standin.complete(session_id_of(sale.payment_url))

    answers = await asyncio.gather(*(deliver(shop, completed) for _ in range(5)))

    assert sorted(body["outcome"] for _, body in answers) == ["applied", "duplicate", "duplicate", "duplicate", "duplicate"]
    assert {status for status, _ in answers} == {200}
    order = await order_row(shop, tenant, sale.order.reference)
    assert (order.status, order.payment_method) == ("paid", "stripe")
    assert await count(shop, tenant, Payment) == 1
    assert await count(shop, tenant, Ticket) == 2
    assert await count(shop, tenant, ProcessedWebhook) == 1
    assert await count(shop, tenant, OutboxMessage, OutboxMessage.channel_id == "C0SALES") == 1
    assert await count(shop, tenant, Interaction, Interaction.kind == "purchase") == 1
    assert await count(shop, tenant, TicketEmail) == 1
    await tickets.send_due(shop.services, account_id=tenant.account_id)  # the ticker's job: the webhook only queued the email
    assert await count(shop, tenant, TicketEmail, TicketEmail.status == "sent") == 1
    await asyncio.sleep(0.2)
    assert [m["To"] for m in smtp_sink.messages] == ["ann@example.com"]
    async with shop.services.db.tenant(tenant.account_id) as session:
        payment = (await session.execute(select(Payment))).scalar_one()
    assert (payment.provider, payment.provider_ref, payment.amount_cents, payment.currency) == (
        "stripe", completed["data"]["object"]["payment_intent"], 5000, "EUR")


async def test_the_ticket_email_carries_each_qr_code_and_ticket_link(shop, stripe_standin, smtp_sink):
    tenant, event = await arrange(shop)
    sale = await sell(shop, tenant, event, qty=2, name="Zoë <b>O'Brien</b>")
    await deliver(shop, stripe_standin.complete(session_id_of(sale.payment_url)))
    await tickets.send_due(shop.services, account_id=tenant.account_id)

    [message] = await smtp_sink.wait_for(1)
    view = await orders.get_order(shop.services, tenant, reference=sale.order.reference)
    assert message["Subject"] == f"Your tickets for Summer Gala ({sale.order.reference})"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    images = [part for part in message.walk() if part.get_content_type() == "image/png"]
    assert len(images) == 2
    for ticket, image in zip(view.tickets, images, strict=True):
        url = f"http://eventos.test/t/{ticket.code}"
        assert url in text and f'href="{url}"' in html
        assert f'src="cid:{image["Content-ID"].strip("<>")}"' in html
        assert image.get_content().startswith(b"\x89PNG")
    assert "Zoë &lt;b&gt;O&#39;Brien&lt;/b&gt;" in html and "<b>O'Brien</b>" not in html


async def test_a_refund_arriving_before_the_completion_still_ends_refunded(shop, stripe_standin, smtp_sink):
    tenant, event = await arrange(shop)
    sale = await sell(shop, tenant, event, qty=2)
    completed = stripe_standin.complete(session_id_of(sale.payment_url))
    intent = completed["data"]["object"]["payment_intent"]
    # A charge without metadata: the webhook asks Stripe which order its PaymentIntent belongs to.
    refunded = stripe_event("charge.refunded", {
        "id": "ch_test_1", "object": "charge", "amount": 5000, "amount_refunded": 5000, "refunded": True,
        "currency": "eur", "payment_intent": intent, "metadata": {},
    })

    assert (await deliver(shop, refunded))[1]["outcome"] == "applied"
    assert (await order_row(shop, tenant, sale.order.reference)).status == "pending"
    assert (await deliver(shop, completed))[1]["outcome"] == "applied"

    order = await order_row(shop, tenant, sale.order.reference)
    assert order.status == "refunded"
    async with shop.services.db.tenant(tenant.account_id) as session:
        payment = (await session.execute(select(Payment))).scalar_one()
    assert (payment.status, payment.amount_cents, payment.refunded_cents) == ("refunded", 5000, 5000)
    assert await count(shop, tenant, Ticket, Ticket.status == "valid") == 0
    assert await seats(shop, tenant, event) == (0, 0)
    await asyncio.sleep(0.1)
    assert smtp_sink.messages == []


async def test_a_bad_or_stale_signature_is_refused_and_changes_nothing(shop, stripe_standin):
    tenant, event = await arrange(shop)
    sale = await sell(shop, tenant, event)
    completed = stripe_standin.complete(session_id_of(sale.payment_url))

    assert (await deliver(shop, completed, secret="whsec_forged"))[0] == 400
    assert (await deliver(shop, completed, timestamp=int(time.time()) - 3600))[0] == 400
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{shop.base_url}/stripe/webhook", data=json.dumps(completed)) as response:
            assert response.status == 400

    assert (await order_row(shop, tenant, sale.order.reference)).status == "pending"
    assert await count(shop, tenant, ProcessedWebhook) == 0
    assert await count(shop, tenant, Payment) == 0


async def test_an_expired_checkout_session_releases_the_seats(shop, stripe_standin):
    tenant, event = await arrange(shop)
    sale = await sell(shop, tenant, event, qty=3)
    session = dict(stripe_standin.sessions[session_id_of(sale.payment_url)], status="expired", url=None)
    session.pop("_payment_intent_metadata", None)

    assert (await deliver(shop, stripe_event("checkout.session.expired", session)))[1]["outcome"] == "applied"

    assert (await order_row(shop, tenant, sale.order.reference)).status == "expired"
    assert await seats(shop, tenant, event) == (0, 0)


async def test_hold_expiry_closes_the_checkout_at_stripe_but_keeps_a_paid_ones_seats(shop, stripe_standin):
    tenant, event = await arrange(shop)
    unpaid = await sell(shop, tenant, event, qty=1, email="late@example.com")
    paid = await sell(shop, tenant, event, qty=2)
    completed = stripe_standin.complete(session_id_of(paid.payment_url))
    later = Services(db=shop.services.db, settings=shop.services.settings, payments=shop.services.payments,
                     clock=FrozenClock(shop.services.clock.now() + timedelta(minutes=31)))

    assert await orders.release_expired_holds(later, tenant.account_id) == 1

    assert [r.path for r in stripe_standin.requests_to("/v1/checkout/sessions/", "POST")] == [
        f"/v1/checkout/sessions/{session_id_of(unpaid.payment_url)}/expire"]
    assert (await order_row(shop, tenant, unpaid.order.reference)).status == "expired"
    assert (await order_row(shop, tenant, paid.order.reference)).status == "pending"
    assert await seats(shop, tenant, event) == (2, 2)
    await deliver(shop, completed)
    assert (await order_row(shop, tenant, paid.order.reference)).status == "paid"


async def test_a_payment_after_the_hold_lapsed_takes_the_seats_again_when_free(shop, stripe_standin):
    tenant, event = await arrange(shop)
    sale = await sell(shop, tenant, event, qty=2)
    session = dict(stripe_standin.sessions[session_id_of(sale.payment_url)])
    session.pop("_payment_intent_metadata", None)
    await deliver(shop, stripe_event("checkout.session.expired", dict(session, status="expired")))
    intent = stripe_standin.create_payment_intent(5000, "eur")
    completed = stripe_event("checkout.session.completed",
                             dict(session, status="complete", payment_status="paid", payment_intent=intent["id"]))

    await deliver(shop, completed)

    assert (await order_row(shop, tenant, sale.order.reference)).status == "paid"
    assert await seats(shop, tenant, event) == (2, 2)
    assert await count(shop, tenant, Ticket) == 2


async def test_order_refund_goes_back_through_stripe_and_its_webhook_changes_nothing_more(shop, stripe_standin):
    tenant, event = await arrange(shop)
    sale = await sell(shop, tenant, event, qty=2)
    completed = stripe_standin.complete(session_id_of(sale.payment_url))
    await deliver(shop, completed)
    order = await order_row(shop, tenant, sale.order.reference)

    message = await confirm_refund(shop, f"refund {sale.order.reference} amount=20")
    assert "Refunded 20.00 EUR so far" in str(message["blocks"])
    message = await confirm_refund(shop, f"refund {sale.order.reference}")
    assert "Refunded in full" in str(message["blocks"])

    first, second = stripe_standin.requests_to("/v1/refunds", "POST")
    intent = completed["data"]["object"]["payment_intent"]
    assert (first.params, first.headers["Idempotency-Key"]) == (
        {"payment_intent": intent, "amount": "2000"}, f"order:{order.id}:refund:0:2000")
    assert (second.params, second.headers["Idempotency-Key"]) == (
        {"payment_intent": intent, "amount": "3000"}, f"order:{order.id}:refund:2000:3000")
    assert (await order_row(shop, tenant, sale.order.reference)).status == "refunded"
    assert await count(shop, tenant, Ticket, Ticket.status == "void") == 2

    for total in (2000, 5000):
        charge = {"id": "ch_1", "object": "charge", "amount": 5000, "amount_refunded": total, "currency": "eur",
                  "payment_intent": intent, "metadata": {"account_id": str(tenant.account_id), "order_id": str(order.id)}}
        assert (await deliver(shop, stripe_event("charge.refunded", charge)))[0] == 200
    async with shop.services.db.tenant(tenant.account_id) as session:
        payment = (await session.execute(select(Payment))).scalar_one()
    assert (payment.status, payment.refunded_cents) == ("refunded", 5000)
    assert await count(shop, tenant, Interaction, Interaction.kind == "refund") == 2


async def test_two_people_pressing_one_card_refund_at_once_refund_once_and_the_second_hears_who(shop, stripe_standin):
    tenant, event = await arrange(shop)
    sale = await sell(shop, tenant, event, qty=2)
    await deliver(shop, stripe_standin.complete(session_id_of(sale.payment_url)))
    owner, colleague = await shop.tenant(), await shop.tenant(await shop.user("organizer"))
    plan = await payments.plan_refund(shop.services, owner, reference=sale.order.reference)

    results = await asyncio.gather(
        *(payments.refund(shop.services, who, reference=sale.order.reference, seen_refunded=plan.refunded_cents)
          for who in (owner, colleague, owner, colleague)),
        return_exceptions=True,
    )

    # One key (order, refunded before, amount): Stripe refunds once however many clicks reach it.
    assert {r.headers["Idempotency-Key"] for r in stripe_standin.requests_to("/v1/refunds", "POST")} == {
        f"order:{(await order_row(shop, tenant, sale.order.reference)).id}:refund:0:5000"}
    assert len(stripe_standin.refunds) == 1
    done = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(done) == 1 and len(refused) == 3 and all(getattr(r, "code", None) == "refunded_since" for r in refused)
    async with shop.services.db.tenant(tenant.account_id) as session:
        payment = (await session.execute(select(Payment))).scalar_one()
    assert (payment.refunded_cents, payment.status) == (5000, "refunded")
    assert payment.refunded_by in (owner.user_id, colleague.user_id)
    assert all("(50.00 EUR, in full)" in r.message and "nothing more was refunded" in r.message for r in refused)
    assert await count(shop, tenant, Interaction, Interaction.kind == "refund") == 1


async def test_when_stripe_refuses_the_link_the_seats_go_back_and_the_seller_is_told(shop, stripe_standin):
    tenant, event = await arrange(shop)
    stripe_standin.fail_next("/v1/checkout/sessions", status=400)

    message = await shop.run("/sell", f"{event.slug} ga qty=2 email=ann@example.com")

    assert message["text"].startswith("Stripe could not create the payment link")
    assert "Nothing was sold" in message["text"]
    assert await count(shop, tenant, Order, Order.status == "cancelled") == 1
    assert await seats(shop, tenant, event) == (0, 0)


async def test_events_that_are_not_about_our_orders_are_acknowledged_and_ignored(shop):
    assert (await deliver(shop, stripe_event("customer.created", {"id": "cus_1"})))[1]["outcome"] == "ignored"
    stray = stripe_event("checkout.session.completed", {"id": "cs_x", "metadata": {"account_id": "nope"}})
    assert await deliver(shop, stray) == (200, {"received": True, "outcome": "ignored"})


async def test_a_ticket_email_the_mail_server_refused_is_sent_later_by_the_ticker_once(shop, stripe_standin, smtp_sink):
    tenant, event = await arrange(shop)
    sale = await sell(shop, tenant, event, email="refused-once@example.com")
    smtp_sink.refuse_after(0)
    await deliver(shop, stripe_standin.complete(session_id_of(sale.payment_url)))
    await tickets.send_due(shop.services, account_id=tenant.account_id)
    async with shop.services.db.tenant(tenant.account_id) as session:
        queued = (await session.execute(select(TicketEmail))).scalar_one()
    assert (queued.status, queued.attempts, smtp_sink.messages) == ("pending", 1, [])
    assert "mail server" in queued.last_error

    smtp_sink.accept_again()
    later = Services(db=shop.services.db, settings=shop.services.settings,
                     clock=FrozenClock(shop.services.clock.now() + timedelta(minutes=5)))
    try:
        await asyncio.gather(*(tickets.send_due(later) for _ in range(3)))
    finally:
        await later.aclose()

    await smtp_sink.wait_for(1)
    await asyncio.sleep(0.1)
    assert [m["To"] for m in smtp_sink.messages].count("refused-once@example.com") == 1
    assert await count(shop, tenant, TicketEmail, TicketEmail.status == "sent") == 1


async def test_paying_cash_closes_the_orders_card_link_first(shop, stripe_standin):
    tenant, event = await arrange(shop)
    cash = await sell(shop, tenant, event, email="cash@example.com")
    card = await sell(shop, tenant, event, email="card@example.com")
    stripe_standin.complete(session_id_of(card.payment_url))

    message = await shop.run("/order", f"paid {cash.order.reference} method=cash")
    assert message["text"] == f"{cash.order.reference} is paid."
    assert stripe_standin.sessions[session_id_of(cash.payment_url)]["status"] == "expired"

    refused = await shop.run("/order", f"paid {card.order.reference} method=cash")
    assert refused["text"] == f"{card.order.reference} was just paid by card; its tickets are on their way."
    assert (await order_row(shop, tenant, card.order.reference)).status == "pending"
