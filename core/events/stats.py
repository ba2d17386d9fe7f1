"""The numbers on an event's card: seats, revenue from paid orders, attendees and check-ins."""

from dataclasses import dataclass

from sqlalchemy import bindparam, func, literal, select

from core.context import TenantContext
from core.events import events, ticket_types
from core.events.events import EventInfo, Impact
from core.events.ticket_types import TicketType
from core.sales import promos, tallies
from core.sales.promos import CodeSales
from core.sales.sources import SourceSales
from core.sales.totals import Totals
from core.services import Services
from core.storefront import links
from db.enums import AttendeeStatus, CheckinResult, OrderStatus
from db.models import Account, Attendee, CheckIn, Order, Product, ProductSales, Venue


@dataclass(frozen=True)
class TicketSales:
    ticket: TicketType
    paid: int
    held: int
    revenue_cents: int


@dataclass(frozen=True)
class EventReport:
    event: EventInfo
    tickets: list[TicketSales]
    orders: dict[str, int]
    attendees: int
    check_ins: int
    currency: str  # what the event sells in (its ticket types'), else the account's
    impact: Impact
    money: tuple[Totals, ...]  # gross, refunds and net of the event's paid orders per currency (core.sales.totals)
    public_url: str | None = None  # the event page, while the event is published
    sources: tuple[SourceSales, ...] = ()  # paid sales by channel, source and promoter (sales and up only)
    codes: tuple[CodeSales, ...] = ()  # the event's promo codes with their uses and paid sales

    @property
    def paid_seats(self) -> int:
        return sum(t.paid for t in self.tickets)


async def event_report(services: Services, tenant: TenantContext, *, slug: str) -> EventReport:
    """Everything an event card and its stats show, read in one transaction."""
    async with services.db.tenant(tenant.account_id) as session:
        row = await events.load_event(session, slug)
        # Paid seats and revenue per ticket type are kept by triggers as orders become paid or stop being
        # paid (migration 0010): a few rows whatever the number of orders. Held seats are the rest of
        # `sold`, which counts pending and paid.
        products = (await session.execute(_TICKET_TYPES, {"event_id": row.id})).all()
        # One statement for the venue, the counts the tallies do not hold (held orders are not tallied:
        # migration 0098) and the account's public handle (None until a link was first asked for).
        venue, attendees, check_ins, handle, held = (
            await session.execute(_COUNTS, {"event_id": row.id, "venue_id": row.venue_id})
        ).one()
        event = events.info(row, venue)
        settled = await tallies.event_orders(session, row.id)
        codes = await promos.event_code_sales(session, row.id)
    orders = {status.value: n for status in OrderStatus
              if (n := held if status == OrderStatus.PENDING else settled.by_status.get(status, 0))}
    tickets = [_ticket_sales(p, paid, revenue) for p, paid, revenue in products]
    currency = products[0][0].currency if products else tenant.currency
    impact = Impact(orders.get(OrderStatus.PAID, 0), orders.get(OrderStatus.PENDING, 0), attendees)
    money = settled.money or (Totals(0, 0, currency),)
    public_url = await links.published_url(services, tenant, event, handle=handle)
    # Promoters see their own figures (`my_sales`), never other promoters'.
    by_source = settled.sources if tenant.has_role("sales") else ()
    return EventReport(event, tickets, orders, attendees, check_ins, currency, impact, money, public_url,
                       by_source, tuple(codes))


def _inline(value: str):
    """A constant written into the statement: a partial index's WHERE must match it in every plan, generic ones too."""
    return literal(value, literal_execute=True)


# Built once: every card reuses its compiled form.
_TICKET_TYPES = (
    select(Product, func.coalesce(ProductSales.paid_seats, 0), func.coalesce(ProductSales.revenue_cents, 0))
    .outerjoin(ProductSales, (ProductSales.account_id == Product.account_id) & (ProductSales.product_id == Product.id))
    .where(Product.event_id == bindparam("event_id"))
    .order_by(Product.price_cents, Product.created_at, Product.id)
)
_COUNTS = select(
    select(Venue.name).where(Venue.id == bindparam("venue_id")).scalar_subquery(),
    select(func.count()).where(Attendee.event_id == bindparam("event_id"), Attendee.status == _inline(AttendeeStatus.ACTIVE))
    .scalar_subquery(),
    select(func.count()).where(CheckIn.event_id == bindparam("event_id"), CheckIn.result == _inline(CheckinResult.ADMITTED))
    .scalar_subquery(),
    select(Account.slug).scalar_subquery(),
    select(func.count()).where(Order.event_id == bindparam("event_id"), Order.status == _inline(OrderStatus.PENDING))
    .scalar_subquery(),
)


def _ticket_sales(product: Product, paid: int, revenue_cents: int) -> TicketSales:
    return TicketSales(ticket_types.ticket_info(product), paid, max(product.sold - paid, 0), int(revenue_cents))
