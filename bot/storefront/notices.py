"""How the event page's sale alerts read in Slack: one alert per rush, and sold-out."""

from bot.text import Words, escape, slack_template
from core.money.amounts import format_amount
from core.notices import PublicSale, SoldOut


def public_sale(notice: PublicSale) -> Words:
    template = "sale_alert_web.md.j2" if notice.orders == 1 else "sale_rush.md.j2"
    return Words(slack_template(
        template, sale=notice, amount=format_amount(notice.total_cents, notice.currency), event=escape(notice.event),
        products=escape(notice.products), buyer=escape(notice.buyer), orders=notice.orders, seats=notice.seats,
    ))


def sold_out(notice: SoldOut) -> Words:
    return Words(slack_template("sold_out.md.j2", event=escape(notice.event), sold=notice.sold))
