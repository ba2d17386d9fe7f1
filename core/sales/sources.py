"""Sales by where they came from: Slack, the event page, a tracked link's source and promoter.

Counted over paid sales (comps are not sales): orders, tickets and what they took. A promoter
reads only the orders credited to them, never buyers or other promoters' figures. An event's
card reads its sales by source from the order tallies (`core/sales/tallies.py`).
"""

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, func, select

from core.accounts.permissions import Action, require
from core.context import TenantContext
from core.events import events
from core.services import Services
from db.enums import OrderStatus
from db.models import Event, Order


@dataclass(frozen=True)
class SourceSales:
    channel: str  # an OrderSource: orders.source
    source: str | None  # a tracked link's source
    promoter: str | None  # a tracked link's promoter (name)
    orders: int
    tickets: int
    revenue_cents: int
    currency: str


@dataclass(frozen=True)
class PromoterSales:
    """One event's sales credited to the asking promoter."""

    event_slug: str
    event_name: str
    orders: int
    tickets: int
    revenue_cents: int
    currency: str


PAID_SALE = (Order.status == OrderStatus.PAID, Order.kind == "sale")


async def my_sales(services: Services, tenant: TenantContext, *, event: str | None = None) -> list[PromoterSales]:
    """The asking person's own figures per event: paid sales through their tracked links (one event, or all)."""
    require(tenant, Action.SEE_YOUR_SALES)
    async with services.db.tenant(tenant.account_id) as session:
        mine: list[ColumnElement[bool]] = [Order.promoter_user_id == tenant.user_id]
        if event is not None:
            mine.append(Order.event_id == (await events.load_event(session, event)).id)
        rows = await session.execute(
            select(Event.slug, Event.name, func.count(), func.sum(Order.quantity), func.sum(Order.total_cents),
                   Order.currency)
            .join(Event, and_(Event.account_id == Order.account_id, Event.id == Order.event_id))
            .where(*mine, *PAID_SALE)
            .group_by(Event.id, Event.slug, Event.name, Event.starts_at, Order.currency)
            .order_by(Event.starts_at.desc(), Event.id)
        )
        return [PromoterSales(slug, name, orders, int(tickets), int(cents), currency)
                for slug, name, orders, tickets, cents, currency in rows]

