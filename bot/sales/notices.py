"""How the sales notices read in Slack."""

from bot.text import Words, escape, slack_template
from core.money.amounts import format_amount
from core.notices import PaidWithoutSeats, SaleAlert
from core.sales.orders import METHOD_LABELS


def sale_alert(notice: SaleAlert) -> Words:
    return Words(slack_template(
        "sale_alert.md.j2", event=escape(notice.event), products=escape(notice.products), quantity=notice.quantity,
        amount=format_amount(notice.amount_cents, notice.currency), buyer=escape(notice.buyer or notice.email),
        email=escape(notice.email), reference=notice.reference,
        method=METHOD_LABELS.get(notice.method or "", notice.method or "unknown"), sold=notice.sold, capacity=notice.capacity,
    ))


def paid_without_seats(notice: PaidWithoutSeats) -> Words:
    return Words(
        f":warning: Order `{notice.reference}` ({escape(notice.email)}) was paid by card after its hold "
        f"ran out, and its seats are sold; refund it with `/order refund {notice.reference}`."
    )
