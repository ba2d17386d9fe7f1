"""/sell and /order through signed Slack requests (no Stripe: orders wait for a manual payment)."""

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.sales import views as views
from core.errors import Conflict
from core.gateways.smtp_mailer import SmtpMailer
from core.sales import payments
from db.models import Contact, Order, Payment, Product, Ticket
from core.time.local_time import wall_clock
from tests.support.factories import make_event, make_product, set_account
from tests.support.orders import buttons, confirm_refund

REFERENCE = re.compile(r"EV-[A-Z0-9]{6}")


async def arrange(slack, **product):
    tenant = await slack.tenant()
    event = await make_event(slack.services, tenant, name="Summer Gala")
    await make_product(slack.services, tenant, event, **({"capacity": 10, "max_per_order": 4} | product))
    return tenant, event


async def count(slack, tenant, model, *where) -> int:
    async with slack.services.db.tenant(tenant.account_id) as session:
        return (await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


async def test_help_lists_the_grammar(slack):
    sell = await slack.run("/sell", "help")
    assert "/sell EVENT TICKET [qty=1] email=" in sell["text"]
    order = await slack.run("/order", "help")
    for word in ("show", "paid", "refund", "comp", "resend"):
        assert f"/order {word}" in order["text"]


async def test_sell_holds_seats_and_says_how_the_order_gets_paid(slack):
    tenant, event = await arrange(slack)
    message = await slack.run("/sell", f'{event.slug} ga qty=2 email=ann@example.com name="Ann <@U0ALL> Lee"')

    reference = REFERENCE.search(message["text"])[0]
    assert message["response_type"] == "ephemeral"
    blocks = str(message["blocks"])
    assert f"/order paid {reference} method=cash" in blocks
    # One mention rule: a mention typed inside a name is read as the text typed, never stored as markup.
    assert "Ann @U0ALL Lee" in blocks and "<@U0ALL>" not in blocks
    assert "50.00 EUR" in blocks
    order = await count(slack, tenant, Order, Order.reference == reference, Order.status == "pending")
    assert order == 1


async def test_the_order_lifecycle_paid_show_resend_refund(slack, smtp_sink):
    slack.services.mailer = SmtpMailer(smtp_sink.url, "Team <team@ex.test>", retry_delay=0.01)
    tenant, event = await arrange(slack)
    reference = REFERENCE.search((await slack.run("/sell", f"{event.slug} ga qty=2 email=ann@example.com"))["text"])[0]

    paid = await slack.run("/order", f"paid {reference} method=bank")
    assert paid["text"] == f"{reference} is paid."
    assert "2 tickets emailed to ann@example.com" in str(paid["blocks"])
    shown = await slack.run("/order", f"show {reference.lower()}")
    codes = re.findall(r"\|([A-Z2-7]{16}-[A-Z2-7]{10})>", str(shown["blocks"]))
    assert len(codes) == 2 and "bank transfer" in str(shown["blocks"])
    resent = await slack.run("/order", f"resend {reference}")
    assert "Ticket email sent 2 times" in str(resent["blocks"])
    refunded = await confirm_refund(slack, f"refund {reference}")
    assert "Refunded in full (50.00 EUR)" in str(refunded["blocks"])
    assert await count(slack, tenant, Ticket, Ticket.status == "void") == 2
    await slack.services.mailer.aclose()


async def test_comp_issues_tickets_at_once_and_says_they_stay_here_without_a_mail_server(slack):
    tenant, event = await arrange(slack)
    message = await slack.run("/order", f'comp {event.slug} ga email=guest@example.com name="Guest Speaker"')
    assert "Complimentary ticket issued and put in the local mailbox for guest@example.com" in str(message["blocks"])
    assert "emailed" not in str(message["blocks"]) and "`eventos mail`" in str(message["blocks"])
    assert await count(slack, tenant, Ticket, Ticket.status == "valid") == 1


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("nope ga email=ann@example.com", "There is no event `nope`"),
        ("{event} vip email=ann@example.com", "has no ticket type `vip`"),
        ("{event} ga qty=0 email=ann@example.com", "qty must be at least 1."),
        ("{event} ga qty=5 email=ann@example.com", "qty can be at most 4 per order"),
        ("{event} ga qty=two email=ann@example.com", "qty must be a whole number"),
        ("{event} ga email=ann@@example", "is not an email address"),
        ("{event} ga", "Add email=…, for example email=ann@example.com."),
    ],
)
async def test_bad_sell_input_is_answered_privately_and_nothing_is_saved(slack, text, sentence):
    tenant, event = await arrange(slack)
    message = await slack.run("/sell", text.format(event=event.slug))
    assert message["response_type"] == "ephemeral"
    assert sentence in message["text"]
    assert await count(slack, tenant, Order) == 0
    assert await count(slack, tenant, Contact) == 0


async def test_a_closed_sales_window_and_a_cancelled_event_refuse_to_sell(slack):
    tenant = await slack.tenant()
    closed = await make_event(slack.services, tenant, slug="closed")
    await make_product(slack.services, tenant, closed, sales_end=datetime.now(UTC) - timedelta(minutes=1))
    cancelled = await make_event(slack.services, tenant, slug="gone", status="cancelled", name="Gone Gala")
    await make_product(slack.services, tenant, cancelled)

    assert "Sales for “General admission” closed" in (await slack.run("/sell", "closed ga email=a@example.com"))["text"]
    assert (await slack.run("/sell", "gone ga email=a@example.com"))["text"] == "“Gone Gala” is cancelled; it sells nothing."
    assert await count(slack, tenant, Order) == 0


async def test_door_staff_cannot_sell_or_refund(slack):
    tenant, event = await arrange(slack)
    door = await slack.user("door")
    message = await slack.run("/sell", f"{event.slug} ga email=ann@example.com", user=door)
    assert message["text"].startswith("Only a sales user (or higher) can sell tickets")
    assert (await slack.run("/order", "refund EV-AAAAAA", user=await slack.user("sales")))["text"].startswith(
        "Only an organizer")


async def test_concurrent_sell_commands_never_oversell(slack):
    tenant, event = await arrange(slack, capacity=10)
    results = await asyncio.gather(
        *(slack.command("/sell", f"{event.slug} ga email=buyer{i}@example.com") for i in range(30))
    )
    answers = [(await slack.driver.wait_responses(result, 1, timeout=20))[0]["text"] for result in results]

    assert sum("held" in text for text in answers) == 10
    assert sum(text == "“General admission” at “Summer Gala” is sold out." for text in answers) == 20
    async with slack.services.db.tenant(tenant.account_id) as session:
        assert (await session.execute(select(Product.sold))).scalar_one() == 10
    assert await count(slack, tenant, Order) == 10


async def test_unknown_order_reference_says_what_references_look_like(slack):
    message = await slack.run("/order", "show EV-NOPE00")
    assert message["text"] == "There is no order `EV-NOPE00`; references look like EV-7K3F9Q."


async def test_refund_asks_first_and_changes_nothing_until_confirmed(slack):
    tenant, event = await arrange(slack)
    reference = REFERENCE.search((await slack.run("/sell", f"{event.slug} ga qty=2 email=ann@example.com"))["text"])[0]
    await slack.run("/order", f"paid {reference} method=cash")

    step = await slack.run("/order", f"refund {reference} amount=020")
    assert step["text"] == f"Refund 20.00 EUR of {reference}?"
    assert "It is a partial refund: the tickets stay valid." in str(step["blocks"])
    assert (await slack.run("/order", f"show {reference}"))["blocks"][1]["fields"][0]["text"].endswith("Paid")
    kept = await slack.driver.action(views.KEEP, user_id=slack.owner, value=reference)
    assert (await slack.driver.wait_responses(kept))[0]["text"] == f"Not refunded; {reference} stays as it was."
    async with slack.services.db.tenant(tenant.account_id) as session:
        assert (await session.execute(select(Payment.refunded_cents))).scalar_one() == 0

    button = buttons(step["blocks"])[views.REFUND]
    assert json.loads(button["value"]) == {"r": reference, "a": "20.00", "s": 0}
    clicked = await slack.driver.action(views.REFUND, user_id=slack.owner, value=button["value"])
    [answer] = await slack.driver.wait_responses(clicked)
    assert answer["replace_original"] is True and "Refunded 20.00 EUR so far" in str(answer["blocks"])
    again = await slack.driver.action(views.REFUND, user_id=slack.owner, value=button["value"])
    again_text = (await slack.driver.wait_responses(again))[0]["text"]
    async with slack.services.db.tenant(tenant.account_id) as session:
        payment = (await session.execute(select(Payment))).scalar_one()
    assert payment.refunded_cents == 2000
    # What the stored refund says: who (you), how much, and when in the event's zone.
    assert again_text == (
        f"You already refunded {reference} (20.00 EUR of 50.00 EUR) on {wall_clock(payment.refunded_at, 'Europe/Berlin')}; "
        f"nothing more was refunded. See `/order show {reference}`."
    )


async def test_a_confirmation_pressed_after_someone_else_refunded_names_them_how_much_and_when(slack):
    tenant = await slack.tenant()
    await set_account(slack.services, tenant, timezone="Asia/Tokyo")
    event = await make_event(slack.services, tenant, name="Jazz Night", timezone="America/New_York")
    await make_product(slack.services, tenant, event, capacity=10, max_per_order=4)
    reference = REFERENCE.search((await slack.run("/sell", f"{event.slug} ga qty=2 email=ann@example.com"))["text"])[0]
    await slack.run("/order", f"paid {reference} method=bank")
    step = await slack.run("/order", f"refund {reference}")
    colleague = await slack.user("organizer")
    await confirm_refund(slack, f"refund {reference}", user=colleague)

    clicked = await slack.driver.action(views.REFUND, user_id=slack.owner, value=buttons(step["blocks"])[views.REFUND]["value"])
    text = (await slack.driver.wait_responses(clicked))[0]["text"]

    async with slack.services.db.tenant(tenant.account_id) as session:
        payment = (await session.execute(select(Payment))).scalar_one()
    when = wall_clock(payment.refunded_at, "America/New_York")
    assert when.endswith(("EST", "EDT"))
    assert text == (
        f"User {colleague} refunded {reference} (50.00 EUR, in full) on {when}, since this confirmation was shown; "
        f"nothing more was refunded. See `/order show {reference}`."
    )
    assert payment.refunded_cents == 5000


async def test_two_clicks_on_one_refund_confirmation_refund_once(slack):
    tenant, event = await arrange(slack)
    reference = REFERENCE.search((await slack.run("/sell", f"{event.slug} ga qty=2 email=ann@example.com"))["text"])[0]
    await slack.run("/order", f"paid {reference} method=cash")
    organizer = await slack.tenant()

    results = await asyncio.gather(
        *(payments.refund(slack.services, organizer, reference=reference, amount="10", seen_refunded=0) for _ in range(5)),
        return_exceptions=True,
    )

    assert sum(not isinstance(r, Exception) for r in results) == 1
    assert all(isinstance(r, Conflict) for r in results if isinstance(r, Exception))
    async with slack.services.db.tenant(tenant.account_id) as session:
        assert (await session.execute(select(Payment.refunded_cents))).scalar_one() == 1000


async def test_a_negative_refund_amount_says_so_without_pointing_at_zero(slack):
    tenant, event = await arrange(slack)
    reference = REFERENCE.search((await slack.run("/sell", f"{event.slug} ga qty=2 email=ann@example.com"))["text"])[0]
    await slack.run("/order", f"paid {reference} method=bank")
    negative = (await slack.run("/order", f"refund {reference} amount=-5"))["text"]
    zero = (await slack.run("/order", f"refund {reference} amount=0"))["text"]
    assert negative == "amount cannot be negative." and "use 0" not in negative
    assert zero == "amount must be more than 0."


async def test_a_partial_refund_shows_the_same_gross_refunds_and_net_on_every_card(slack):
    tenant, event = await arrange(slack)
    reference = REFERENCE.search((await slack.run("/sell", f"{event.slug} ga qty=2 email=ann@example.com"))["text"])[0]
    await slack.run("/order", f"paid {reference} method=bank")
    await confirm_refund(slack, f"refund {reference} amount=10")
    money = "*40.00 EUR net* (50.00 EUR gross − 10.00 EUR refunded)"
    assert money in str((await slack.run("/event", f"show {event.slug}"))["blocks"])
    assert money in str((await slack.run("/event", f"stats {event.slug}"))["blocks"])
    assert money in str((await slack.run("/contact", "show ann@example.com"))["blocks"])
