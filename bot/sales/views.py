"""Orders and sales: core results → Block Kit."""

import json
from datetime import datetime
from decimal import Decimal

from bot import mail_words
from bot.text import context, escape, fields, header, local_time, money, section, sums
from core.events.events import EventInfo
from core.money.amounts import exponent
from core.sales.orders import METHOD_LABELS, Held, OrderView
from core.sales.payments import RefundPlan, Sale
from core.sales.promos import CodeSales, Promo, PromoReport
from core.sales.sources import PromoterSales, SourceSales
from db.enums import OrderSource, OrderStatus, TicketStatus

PAY_LINK = "order.pay_link"
REFUND = "order.refund"
KEEP = "order.keep"
TICKETS_SHOWN = 20

STATUS = {
    OrderStatus.PENDING: "⏳ Waiting for payment",
    OrderStatus.PAID: "✅ Paid",
    OrderStatus.REFUNDED: "↩️ Refunded",
    OrderStatus.EXPIRED: "⌛ Expired",
    OrderStatus.CANCELLED: "❌ Cancelled",
}


def _buyer(email: str, name: str | None) -> str:
    return f"{escape(name)} ({escape(email)})" if name else escape(email)


def _held_fields(held: Held) -> dict:
    total = money(held.total_cents, held.currency)
    if held.promo_code and held.list_unit_price_cents is not None:
        before = money(held.list_unit_price_cents * held.quantity, held.currency)
        total = f"{total} with {escape(held.promo_code)} (~{before}~)"
    return fields([
        ("Event", escape(held.event_name)),
        ("Tickets", f"{held.quantity} × {escape(held.product_name)}"),
        ("Total", total),
        ("Buyer", _buyer(held.email, held.name)),
    ])


def sale_card(sale: Sale, *, delivers: bool = True) -> list[dict]:
    """The answer to /sell: the held order and how it gets paid."""
    held = sale.order
    if held.status == OrderStatus.PAID:
        return [
            header(f"Order {held.reference}: tickets issued"),
            _held_fields(held),
            section(f"The tickets are free, so they were issued at once and {mail_words.emailed_to(held.email, delivers=delivers)}."),
        ]
    until = local_time(held.expires_at, held.event_timezone)
    blocks = [header(f"Order {held.reference} is holding {held.quantity} seat{'s' if held.quantity != 1 else ''}"),
              _held_fields(held)]
    if sale.payment_url:
        blocks.append({
            "type": "section",
            "text": {"type": "mrkdwn", "text": f"Send the buyer this payment link: <{sale.payment_url}|Pay {money(held.total_cents, held.currency)}>"},
            "accessory": {"type": "button", "action_id": PAY_LINK, "text": {"type": "plain_text", "text": "Open payment link"},
                          "url": sale.payment_url},
        })
        blocks.append(context(f"The seats are held until {until}; {mail_words.when_paid(delivers=delivers)}"))
    else:
        blocks.append(section(
            f"No card payments are set up, so the order waits for payment: once the money is in, run "
            f"`/order paid {held.reference} method=cash` (or `method=bank`)."
        ))
        blocks.append(context(f"The seats are held until {until}."))
    return blocks


def sale_text(sale: Sale) -> str:
    held = sale.order
    if held.status == OrderStatus.PAID:
        return f"Order {held.reference}: tickets issued."
    if sale.payment_url:
        return f"Order {held.reference} held; payment link: {sale.payment_url}"
    return f"Order {held.reference} held; it waits for /order paid {held.reference} method=cash|bank."


def order_card(order: OrderView, *, note: str | None = None, delivers: bool = True) -> list[dict]:
    """`/order show`: status, money, buyer and tickets."""
    pairs = [
        ("Status", STATUS.get(order.status, order.status)),
        ("Event", escape(order.event_name)),
        ("Tickets", f"{order.quantity} × {escape(order.products)}"),
        ("Total", money(order.total_cents, order.currency)),
        ("Buyer", _buyer(order.email, order.name)),
    ]
    if order.source == OrderSource.WEB:
        via = [f"source {order.channel_source}"] if order.channel_source else []
        via += [f"promoter {escape(order.promoter)}"] if order.promoter else []
        pairs.append(("Placed", "on the public event page" + (f" (link: {', '.join(via)})" if via else "")))
    if order.promo_code:
        pairs.append(("Promo code", f"`{order.promo_code}`"))
    if order.payment_method:
        pairs.append(("Paid by" if order.paid_at else "Payment", METHOD_LABELS.get(order.payment_method, escape(order.payment_method))))
    if order.refunded_cents:
        pairs.append(("Refunded", money(order.refunded_cents, order.currency)))
    if order.paid_at:
        pairs.append(("Paid at", local_time(order.paid_at, order.event_timezone)))
    elif order.status == OrderStatus.PENDING and order.expires_at:
        pairs.append(("Held until", local_time(order.expires_at, order.event_timezone)))
    blocks = [header(f"Order {order.reference}")]
    if note:
        blocks.append(section(note))
    blocks.append(fields(pairs))
    if order.status == OrderStatus.PENDING and order.checkout_url:
        blocks.append(section(f"Payment link: <{order.checkout_url}|pay {money(order.total_cents, order.currency)}>"))
    if order.tickets:
        lines = [
            f"• <{t.url}|{t.code}> — {escape(t.attendee)}, {escape(t.product)}" + ("" if t.status == TicketStatus.VALID else " _(void)_")
            for t in order.tickets[:TICKETS_SHOWN]
        ]
        if len(order.tickets) > TICKETS_SHOWN:
            lines.append(f"…and {len(order.tickets) - TICKETS_SHOWN} more.")
        blocks.append(section("*Tickets*\n" + "\n".join(lines)))
    sent = mail_words.times_sent(order.emails_sent, delivers=delivers) if order.emails_sent else ""
    blocks.append(context(" ".join(filter(None, [f"Order `{order.reference}`, {escape(order.event_slug)}.", sent]))))
    return blocks


def refund_value(plan: RefundPlan, amount: str | None) -> str:
    """The Refund button's value: the order, the amount shown (None: all that is left), the refunded total then."""
    shown = None if amount is None else str(Decimal(plan.cents).scaleb(-exponent(plan.currency)))
    return json.dumps({"r": plan.reference, "a": shown, "s": plan.refunded_cents}, separators=(",", ":"))


def refund_step(plan: RefundPlan, amount: str | None) -> list[dict]:
    """The confirmation of `/order refund`: how much goes back and what happens to the tickets."""
    how = "to the buyer's card through Stripe" if plan.provider == "stripe" else f"as paid ({METHOD_LABELS.get(plan.provider, escape(plan.provider))})"
    then = (
        "The tickets become void and the seats go back on sale."
        if plan.full else "It is a partial refund: the tickets stay valid."
    )
    shown = money(plan.cents, plan.currency)
    return [
        section(f"*Refund {shown} of order {plan.reference}* {how}?\n{then}"),
        {
            "type": "actions",
            "block_id": f"order_refund:{plan.reference}",
            "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": f"Refund {shown}"}, "action_id": REFUND,
                 "value": refund_value(plan, amount), "style": "danger"},
                {"type": "button", "text": {"type": "plain_text", "text": "Keep it"}, "action_id": KEEP,
                 "value": plan.reference},
            ],
        },
    ]


def refunded_note(order: OrderView) -> str:
    if order.status == OrderStatus.REFUNDED:
        return f"Refunded in full ({money(order.refunded_cents, order.currency)}); the tickets are void and the seats back on sale."
    return f"Refunded {money(order.refunded_cents, order.currency)} so far; the tickets stay valid."


def _discount(promo: Promo) -> str:
    if promo.percent_off is not None:
        return f"{promo.percent_off}% off"
    if promo.amount_off_cents is not None:
        return f"{money(promo.amount_off_cents, promo.currency)} off"
    return "no discount"


def _uses(promo: Promo) -> str:
    if promo.max_uses is None:
        return f"{promo.used:,} tickets (no limit)"
    return f"{promo.used:,} of {promo.max_uses:,} tickets"


def _state(promo: Promo, now: datetime) -> str:
    if promo.ended_at is not None:
        return "ended"
    if promo.ends_at is not None and now >= promo.ends_at:
        return "expired"
    if promo.remaining == 0:
        return "used up"
    return "active"


def _promo_fields(promo: Promo, now: datetime) -> dict:
    applies = ", ".join(escape(name) for name in promo.tickets) or "every ticket type"
    pairs = [
        ("Event", escape(promo.event_name)),
        ("Discount", _discount(promo)),
        ("Applies to", applies),
        ("Used", _uses(promo)),
        ("Valid until", local_time(promo.ends_at, promo.event_timezone) if promo.ends_at else "the end of sales"),
        ("State", _state(promo, now)),
    ]
    if promo.unlocks:
        pairs.append(("Unlocks hidden", ", ".join(escape(name) for name in promo.unlocks)))
    return fields(pairs)


def promo_card(promo: Promo, *, now: datetime, note: str | None = None) -> list[dict]:
    blocks = [header(f"Promo code {promo.code}"), _promo_fields(promo, now)]
    if note:
        blocks.append(context(escape(note)))
    return blocks


def promo_list(event: EventInfo, codes: list[Promo], *, now: datetime) -> list[dict]:
    if not codes:
        return [section(f"“{escape(event.name)}” has no promo codes yet; add one with "
                        f"`/promo add {event.slug} FRIENDS-20 percent=20`.")]
    lines = [f"`{promo.code}` · {_discount(promo)} · {_uses(promo)} · {_state(promo, now)}" for promo in codes[:40]]
    blocks = [header(f"Promo codes · {event.name}"), section("\n".join(lines))]
    if len(codes) > 40:
        blocks.append(context(f"{len(codes) - 40} older codes not shown."))
    return blocks


def promo_report(report: PromoReport, *, now: datetime) -> list[dict]:
    promo = report.promo
    sold = fields([
        ("Paid orders", f"{report.orders:,}"),
        ("Paid tickets", f"{report.tickets_paid:,}"),
        ("Revenue", sums(report.revenue, promo.currency)),
        ("Discount given", sums(report.discount, promo.currency)),
    ])
    return [header(f"Promo code {promo.code}"), _promo_fields(promo, now), sold]


def source_label(sales: SourceSales) -> str:
    """Where sales came from, as a person reads it: a source, a promoter, the event page or Slack."""
    if sales.source and sales.promoter:
        return f"{sales.source} · {escape(sales.promoter)}"
    if sales.source:
        return sales.source
    if sales.promoter:
        return f"{escape(sales.promoter)} (promoter)"
    return "Event page, no tracked link" if sales.channel == OrderSource.WEB else "Sold from Slack"


def source_line(sales: SourceSales) -> str:
    return (f"• *{source_label(sales)}* — {sales.orders:,} {'order' if sales.orders == 1 else 'orders'} · "
            f"{sales.tickets:,} {'ticket' if sales.tickets == 1 else 'tickets'} · "
            f"{money(sales.revenue_cents, sales.currency)}")


def code_line(sales: CodeSales, currency: str) -> str:
    """A code on an event's card; its money per currency (`currency`, the event's, when it sold nothing)."""
    used = f"{sales.used:,} of {sales.max_uses:,} used" if sales.max_uses is not None else f"{sales.used:,} used"
    return (f"• `{sales.code}` — {used} · {sales.tickets:,} paid · {sums(sales.revenue, currency)} revenue · "
            f"{sums(sales.discount, currency)} off")


def my_sales(figures: list[PromoterSales], *, event: str | None) -> list[dict]:
    """`/promo mine`: the asking promoter's own paid sales per event, nobody else's."""
    if not figures:
        where = f" for `{escape(event)}`" if event else ""
        return [section(f"No paid orders came through your links{where} yet. Get your link with "
                        "`/event link EVENT` and share it.")]
    lines = [f"• *{escape(f.event_name)}* `{f.event_slug}` — {f.orders:,} {'order' if f.orders == 1 else 'orders'} · "
             f"{f.tickets:,} {'ticket' if f.tickets == 1 else 'tickets'} · {money(f.revenue_cents, f.currency)}"
             for f in figures[:40]]
    blocks = [header("Your sales through your links"), section("\n".join(lines))]
    blocks.append(context("Paid orders placed through your tracked links; refunds and unpaid orders are left out."))
    return blocks
