"""What the Slack App Home shows: upcoming events and today's sales and check-ins."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from core.context import TenantContext
from core.services import Services
from db.enums import CheckinResult, EventStatus, OrderStatus
from db.models import CheckIn, Event, Order, Product, ProductSales

UPCOMING = 10


@dataclass(frozen=True)
class UpcomingEvent:
    id: uuid.UUID
    slug: str
    name: str
    starts_at: datetime
    status: str
    sold: int  # seats taken: paid and held
    capacity: int | None
    timezone: str
    paid: int  # seats of paid orders; the rest of `sold` is held by pending orders


@dataclass(frozen=True)
class Revenue:
    cents: int
    currency: str


@dataclass(frozen=True)
class HomeSummary:
    as_of: datetime
    timezone: str
    today: date
    orders_today: int
    tickets_today: int
    revenue_today: list[Revenue] | None  # None: the viewer's role may not see money
    check_ins_today: int
    upcoming: list[UpcomingEvent]


# Paid seats per event, from the per-ticket-type counters the order triggers keep.
_paid_seats = (
    select(func.coalesce(func.sum(ProductSales.paid_seats), 0))
    .join(Product, Product.id == ProductSales.product_id)
    .where(Product.event_id == Event.id)
    .correlate(Event)
    .scalar_subquery()
)


def _day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Local midnight to the next local midnight (23 or 25 hours long on DST days)."""
    return datetime.combine(day, time(), zone), datetime.combine(day + timedelta(days=1), time(), zone)


async def home_summary(services: Services, tenant: TenantContext) -> HomeSummary:
    """Today's paid sales and admissions in the account's zone, and the next events (any role)."""
    zone = ZoneInfo(tenant.timezone)
    now = services.clock.now()
    today = now.astimezone(zone).date()
    start, end = _day_bounds(today, zone)
    async with services.db.tenant(tenant.account_id) as session:
        sales = (
            await session.execute(
                select(Order.currency, func.count(), func.sum(Order.quantity), func.sum(Order.total_cents))
                .where(Order.status == OrderStatus.PAID, Order.kind == "sale", Order.paid_at >= start, Order.paid_at < end)
                .group_by(Order.currency)
                .order_by(func.sum(Order.total_cents).desc())
            )
        ).all()
        check_ins = (
            await session.execute(
                select(func.count())
                .where(CheckIn.result == CheckinResult.ADMITTED, CheckIn.created_at >= start, CheckIn.created_at < end)
            )
        ).scalar_one()
        events = (
            await session.execute(
                select(Event.id, Event.slug, Event.name, Event.starts_at, Event.status, Event.sold, Event.capacity,
                       Event.timezone, _paid_seats)
                .where(Event.status != EventStatus.CANCELLED, func.coalesce(Event.ends_at, Event.starts_at) >= now)
                .order_by(Event.starts_at, Event.id)
                .limit(UPCOMING)
            )
        ).all()
    return HomeSummary(
        as_of=now,
        timezone=tenant.timezone,
        today=today,
        orders_today=sum(row[1] for row in sales),
        tickets_today=sum(row[2] for row in sales),
        revenue_today=[Revenue(row[3], row[0]) for row in sales] if tenant.has_role("sales") else None,
        check_ins_today=check_ins,
        upcoming=[UpcomingEvent(*row) for row in events],
    )
