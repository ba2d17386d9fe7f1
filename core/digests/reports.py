"""The numbers of the daily digests, read from the rollups (and one day of check-ins for the busiest slot).

"Day" is each event's own calendar day: a digest for 30 March reports every event's rows for its
local 30 March. Comps count as tickets (they take seats) but not as orders or revenue; refunds are
reported on the day they were made. Sell-through is the event's seats taken over its capacity.

Money is summed per currency, never across two (an account's events may sell in several). The
account's totals and sales by source come from account_day_sales and account_day_sources, a few rows
a day; the shown events' numbers from event_analytics, and the money of an event-day in several
currencies from its orders and payments.
"""

import math
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from core.guestlists.stats import GuestStats, counts_for
from core.money.amounts import Money, per_currency
from core.sales.sources import SourceSales
from core.time.local_time import zone
from db.enums import OrderSource
from db.models import GuestList

TREND_DAYS = 14
PACE_DAYS = 7
FASTEST = 3
LISTED = 15  # events listed by tickets on the day (Slack's block limits)
UPCOMING = 10
SLOT = timedelta(minutes=15)
LONGEST_TREND = 48  # slots; a longer day of arrivals is drawn by the hour
SPARKS = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class Totals:
    orders: int = 0
    tickets: int = 0
    refunds: int = 0
    revenue: tuple[Money, ...] = ()  # per currency
    refunded: tuple[Money, ...] = ()  # per currency

    @property
    def active(self) -> bool:
        return bool(self.orders or self.tickets or self.refunds or self.revenue or self.refunded)


@dataclass(frozen=True)
class Averages:
    orders: float
    tickets: float
    week_revenue: tuple[Money, ...]  # the PACE_DAYS days' revenue per currency (a day is a PACE_DAYS-th)


@dataclass(frozen=True)
class EventSales:
    event_id: uuid.UUID
    name: str
    day: Totals
    previous: Totals
    week_tickets: int  # the last PACE_DAYS days, the report day included
    trend: tuple[int, ...]  # tickets per day, the last PACE_DAYS days


@dataclass(frozen=True)
class Projection:
    """An upcoming event's sell-through and, from its pace, when it would sell out."""

    event_id: uuid.UUID
    name: str
    starts_at: datetime
    timezone: str
    sold: int
    capacity: int | None
    week_tickets: int  # tickets over the last PACE_DAYS days, the report day included
    sell_out_on: date | None  # at this pace, before the event starts
    sell_out_days: int | None  # days from the report day to sell_out_on
    at_start_percent: int | None  # at this pace, when it will not sell out before the event

    @property
    def pace(self) -> float:
        """Tickets a day over the last PACE_DAYS days."""
        return self.week_tickets / PACE_DAYS

    @property
    def percent(self) -> int | None:
        return None if not self.capacity else min(100, math.floor(100 * self.sold / self.capacity))

    @property
    def sold_out(self) -> bool:
        return self.capacity is not None and self.sold >= self.capacity


@dataclass(frozen=True)
class CodeDay:
    """A promo code's sales on the day, in one currency."""

    code: str
    orders: int
    tickets: int
    revenue_cents: int
    discount_cents: int
    currency: str


@dataclass(frozen=True)
class SalesDigest:
    day: date
    currency: str  # the account's, for a day without money
    total: Totals
    previous: Totals
    average: Averages  # a day over the PACE_DAYS days before the report day
    events: tuple[EventSales, ...]  # the LISTED with sales or refunds on the day, by tickets then revenue
    fastest: tuple[EventSales, ...]  # most tickets over the last PACE_DAYS days
    upcoming: tuple[Projection, ...]
    trend: tuple[int, ...]  # tickets per day, the last TREND_DAYS days
    sources: tuple[SourceSales, ...] = ()  # the day's sales by channel, tracked link source, promoter and currency
    codes: tuple[CodeDay, ...] = ()  # the promo codes that sold on the day, per currency
    waitlist_orders: int = 0  # waitlist offers bought on the day (conversions)…
    waitlist_tickets: int = 0  # …and their tickets

    @property
    def has_activity(self) -> bool:
        return self.total.active

    @property
    def sources_worth_showing(self) -> bool:
        """More than Slack alone sold (a lone "sold from Slack" line says nothing)."""
        return len(self.sources) > 1 or any(s.channel != OrderSource.SLACK for s in self.sources)


@dataclass(frozen=True)
class EventDoors:
    event_id: uuid.UUID
    name: str
    timezone: str
    admitted: int  # on the day
    admitted_total: int  # up to the end of the day
    sold: int
    duplicates: int
    no_shows: int | None  # None while the event has not ended
    busiest: tuple[datetime, int] | None  # the busiest 15 minutes (start, in the event's zone) and its admissions
    arrivals: tuple[int, ...] = field(default=())  # admissions per slot, first to last arrival
    guests: GuestStats | None = None  # guest-list counts per list and promoter, when the event has lists


@dataclass(frozen=True)
class CheckinDigest:
    day: date
    events: tuple[EventDoors, ...]

    @property
    def has_activity(self) -> bool:
        return bool(self.events)


def sparkline(values: tuple[int, ...] | list[int]) -> str:
    """A Unicode sparkline: one block per value, scaled to the largest."""
    top = max(values, default=0)
    if top <= 0:
        return SPARKS[0] * len(values)
    return "".join(SPARKS[math.ceil(v * (len(SPARKS) - 1) / top)] if v > 0 else SPARKS[0] for v in values)


# The account's days, a row per currency (account_day_sales): a day's counts are its rows' sums,
# its money the rows' amounts, one per currency.
_DAYS = text(
    """
    SELECT a.day, a.currency, a.orders, a.tickets_sold, a.refunds, a.revenue_cents, a.refunded_cents
      FROM account_day_sales a
     WHERE a.day BETWEEN :first AND :last
    """
)

# The last PACE_DAYS days of the few events a digest shows: the LISTED with the most tickets on the
# day (then revenue, then name as code points, like Python's; `place` is that order), the FASTEST by
# tickets over the week, and the upcoming ones (for their pace).
_SHOWN = text(
    """
    WITH listed AS (
        SELECT a.event_id,
               row_number() OVER (ORDER BY a.tickets_sold DESC, a.revenue_cents DESC, e.name COLLATE "C", e.id) AS place
          FROM event_analytics a JOIN events e ON e.id = a.event_id
         WHERE a.day = :day
           AND (a.orders, a.tickets_sold, a.revenue_cents, a.refunds, a.refunded_cents) <> (0, 0, 0, 0, 0)
         ORDER BY place
         LIMIT :listed
    ),
    week AS MATERIALIZED (
        SELECT a.event_id, sum(a.tickets_sold) AS tickets FROM event_analytics a
         WHERE a.day BETWEEN :first AND :day GROUP BY a.event_id HAVING sum(a.tickets_sold) <> 0
    ),
    fastest AS (
        -- Names are read only for the events that can place (ties with the last place included).
        SELECT w.event_id FROM week w JOIN events e ON e.id = w.event_id
         WHERE w.tickets >= coalesce((SELECT tickets FROM week ORDER BY tickets DESC OFFSET :fastest - 1 LIMIT 1), w.tickets)
         ORDER BY w.tickets DESC, e.name COLLATE "C", e.id
         LIMIT :fastest
    ),
    shown AS (
        SELECT event_id FROM listed UNION SELECT event_id FROM fastest
        UNION SELECT unnest(CAST(:upcoming AS uuid[]))
    )
    SELECT a.event_id, e.name, a.day, a.orders, a.tickets_sold, a.refunds, a.revenue_cents, a.refunded_cents, a.currency,
           (SELECT place FROM listed l WHERE l.event_id = a.event_id) AS place,
           a.event_id IN (SELECT event_id FROM fastest) AS fastest
      FROM shown s
      JOIN events e ON e.id = s.event_id
     -- OFFSET 0 keeps this a per-event primary-key lookup: never a scan of every event's week.
     CROSS JOIN LATERAL (
        SELECT * FROM event_analytics r WHERE r.event_id = s.event_id AND r.day BETWEEN :first AND :day OFFSET 0
     ) a
    """
)

# Sales paid on the report day (each event's own day, as event_analytics counts them), whatever
# happened to them since. The UTC bounds (every zone is within -12 h and +14 h) let ix_orders_paid
# narrow the range before each event's zone decides.
_PAID_ON_DAY = """
       o.kind = 'sale'
       AND o.paid_at >= CAST(:day AS date)::timestamp AT TIME ZONE 'UTC' - interval '14 hours'
       AND o.paid_at < (CAST(:day AS date) + 1)::timestamp AT TIME ZONE 'UTC' + interval '12 hours'
       AND o.paid_at >= (CAST(:day AS date)::timestamp AT TIME ZONE e.timezone)
       AND o.paid_at < ((CAST(:day AS date) + 1)::timestamp AT TIME ZONE e.timezone)
"""

_SOURCES = text(
    """
    SELECT s.source, s.channel_source, u.name, s.orders, s.tickets, s.cents, s.currency
      FROM account_day_sources s
      LEFT JOIN users u ON u.account_id = s.account_id AND u.id = s.promoter_user_id
     WHERE s.day = :day
     ORDER BY s.tickets DESC, s.orders DESC, s.source, s.channel_source, u.name, s.currency
     LIMIT :listed
    """
)

_CODES = text(
    """
    SELECT pc.code, count(DISTINCT o.id), sum(l.quantity), sum(l.quantity * l.unit_price_cents),
           sum(l.quantity * (l.list_unit_price_cents - l.unit_price_cents)), o.currency
      FROM orders o
      JOIN events e ON e.account_id = o.account_id AND e.id = o.event_id
      JOIN order_lines l ON l.account_id = o.account_id AND l.order_id = o.id
      JOIN promo_codes pc ON pc.account_id = l.account_id AND pc.id = l.promo_code_id
     WHERE""" + _PAID_ON_DAY + """
     GROUP BY pc.id, pc.code, o.currency
     ORDER BY sum(l.quantity) DESC, sum(l.quantity * l.unit_price_cents) DESC, pc.code, o.currency
     LIMIT :listed
    """
)

# Waitlist conversions: offers (core/sales/waitlist.py) whose hold was paid on the day.
_WAITLIST = text(
    """
    SELECT count(*), coalesce(sum(o.quantity), 0)
      FROM orders o
      JOIN events e ON e.account_id = o.account_id AND e.id = o.event_id
      JOIN waitlist_entries w ON w.account_id = o.account_id AND w.order_id = o.id
     WHERE""" + _PAID_ON_DAY + """
    """
)

# The revenue and refunds per currency of shown event-days in several currencies (event_analytics
# keeps no currency for them), from their orders and payments.
_MIXED_MONEY = text(
    """
    WITH mixed AS (
        SELECT m.event_id, m.day,
               m.day::timestamp AT TIME ZONE e.timezone AS starts, (m.day + 1)::timestamp AT TIME ZONE e.timezone AS ends
          FROM unnest(CAST(:events AS uuid[]), CAST(:days AS date[])) AS m(event_id, day)
          JOIN events e ON e.id = m.event_id
    )
    SELECT m.event_id, m.day, 'sale', o.currency, sum(o.total_cents)
      FROM mixed m JOIN orders o ON o.event_id = m.event_id AND o.paid_at >= m.starts AND o.paid_at < m.ends
     WHERE o.kind = 'sale'
     GROUP BY 1, 2, 4
    UNION ALL
    SELECT m.event_id, m.day, 'refund', pay.currency, sum(pay.refunded_cents)
      FROM mixed m
      JOIN payments pay ON pay.refunded_at >= m.starts AND pay.refunded_at < m.ends
      JOIN orders o ON o.account_id = pay.account_id AND o.id = pay.order_id AND o.event_id = m.event_id
     GROUP BY 1, 2, 4
    """
)

_UPCOMING = text(
    """
    SELECT e.id, e.name, e.starts_at, e.timezone, e.sold,
           coalesce(e.capacity, (SELECT CASE WHEN bool_and(p.capacity IS NOT NULL) THEN sum(p.capacity) END
                                   FROM products p WHERE p.event_id = e.id)) AS capacity
      FROM events e
     WHERE e.status = 'published' AND e.starts_at > :now
     ORDER BY e.starts_at, e.id
     LIMIT :limit
    """
)


async def sales_digest(session: AsyncSession, *, day: date, currency: str, now: datetime) -> SalesDigest:
    """The sales digest of `day` (each event's own calendar day), in the caller's tenant transaction."""
    week_start = day - timedelta(days=PACE_DAYS - 1)
    upcoming_rows = (await session.execute(_UPCOMING, {"now": now, "limit": UPCOMING})).all()
    shown = (await session.execute(_SHOWN, {
        "day": day, "first": week_start, "listed": LISTED, "fastest": FASTEST,
        "upcoming": [row.id for row in upcoming_rows],
    })).all()
    money = await _event_money(session, shown)

    def totals(event_id: uuid.UUID, on: date, orders: int, tickets: int, refunds: int) -> Totals:
        return Totals(
            orders, tickets, refunds,
            per_currency(money.get((event_id, on, "sale"), ())), per_currency(money.get((event_id, on, "refund"), ())),
        )

    account_days = await _account_days(session, first=day - timedelta(days=TREND_DAYS - 1), last=day)

    def total(on: date) -> Totals:
        return account_days.get(on, Totals())

    by_event: dict[uuid.UUID, dict[date, Totals]] = {}
    names: dict[uuid.UUID, str] = {}
    places: dict[uuid.UUID, int] = {}
    fastest: set[uuid.UUID] = set()
    for row in shown:
        names[row.event_id] = row.name
        by_event.setdefault(row.event_id, {})[row.day] = totals(
            row.event_id, row.day, row.orders, row.tickets_sold, row.refunds
        )
        if row.place is not None:
            places[row.event_id] = row.place
        if row.fastest:
            fastest.add(row.event_id)

    def tickets(days: dict[date, Totals]) -> tuple[int, ...]:
        return tuple(days.get(day - timedelta(days=n), Totals()).tickets for n in range(PACE_DAYS - 1, -1, -1))

    sales = {
        event_id: EventSales(
            event_id, names[event_id], days.get(day, Totals()), days.get(day - timedelta(days=1), Totals()),
            sum(tickets(days)), tickets(days),
        )
        for event_id, days in by_event.items()
    }
    week = [total(day - timedelta(days=n)) for n in range(1, PACE_DAYS + 1)]
    average = Averages(
        sum(t.orders for t in week) / PACE_DAYS, sum(t.tickets for t in week) / PACE_DAYS,
        per_currency((m.currency, m.cents) for t in week for m in t.revenue),
    )
    upcoming = [_project(row, day, sales[row.id].week_tickets if row.id in sales else 0) for row in upcoming_rows]
    waitlist_orders, waitlist_tickets = (await session.execute(_WAITLIST, {"day": day})).one()
    return SalesDigest(
        day=day, currency=currency, total=total(day), previous=total(day - timedelta(days=1)), average=average,
        events=tuple(sales[e] for e in sorted(places, key=places.__getitem__)),
        fastest=tuple(sorted((sales[e] for e in fastest), key=lambda s: (-s.week_tickets, s.name, s.event_id))),
        upcoming=tuple(upcoming),
        trend=tuple(total(day - timedelta(days=n)).tickets for n in range(TREND_DAYS - 1, -1, -1)),
        sources=tuple(
            SourceSales(channel, source, promoter, orders, int(tickets), int(cents), row_currency)
            for channel, source, promoter, orders, tickets, cents, row_currency
            in await session.execute(_SOURCES, {"day": day, "listed": LISTED})
        ),
        codes=tuple(
            CodeDay(code, orders, int(tickets), int(cents), int(off), row_currency)
            for code, orders, tickets, cents, off, row_currency
            in await session.execute(_CODES, {"day": day, "listed": LISTED})
        ),
        waitlist_orders=int(waitlist_orders), waitlist_tickets=int(waitlist_tickets),
    )


async def _account_days(session: AsyncSession, *, first: date, last: date) -> dict[date, Totals]:
    """The account's totals per day, first to last: counts over every currency, money per currency."""
    rows = defaultdict(list)
    for row in await session.execute(_DAYS, {"first": first, "last": last}):
        rows[row.day].append(row)
    return {
        on: Totals(
            sum(r.orders for r in found), sum(r.tickets_sold for r in found), sum(r.refunds for r in found),
            per_currency((r.currency, r.revenue_cents) for r in found),
            per_currency((r.currency, r.refunded_cents) for r in found),
        )
        for on, found in rows.items()
    }


async def _event_money(session: AsyncSession, shown) -> dict[tuple[uuid.UUID, date, str], list[tuple[str, int]]]:
    """The shown event-days' revenue ("sale") and refunds ("refund") per currency."""
    money: dict[tuple[uuid.UUID, date, str], list[tuple[str, int]]] = defaultdict(list)
    mixed = []
    for row in shown:
        if row.currency is not None:
            money[(row.event_id, row.day, "sale")].append((row.currency, row.revenue_cents))
            money[(row.event_id, row.day, "refund")].append((row.currency, row.refunded_cents))
        elif row.revenue_cents or row.refunded_cents:
            mixed.append(row)
    if mixed:
        found = await session.execute(
            _MIXED_MONEY, {"events": [row.event_id for row in mixed], "days": [row.day for row in mixed]}
        )
        for event_id, on, kind, currency, cents in found:
            money[(event_id, on, kind)].append((currency, cents))
    return money


def _project(row, day: date, week_tickets: int) -> Projection:
    """Sell-through now and, at the last week's pace, the day it sells out (or how full it gets by the start)."""
    capacity, sold, pace = row.capacity, row.sold, week_tickets / PACE_DAYS
    sell_out_days = at_start = None
    if capacity and sold < capacity and pace > 0:
        start_day = row.starts_at.astimezone(zone(row.timezone)).date()
        sell_out_days = math.ceil((capacity - sold) / pace)
        if day + timedelta(days=sell_out_days) >= start_day:
            sell_out_days = None
            at_start = min(100, math.floor(100 * (sold + pace * (start_day - day).days) / capacity))
    sell_out_on = None if sell_out_days is None else day + timedelta(days=sell_out_days)
    return Projection(
        row.id, row.name, row.starts_at, row.timezone, sold, capacity, week_tickets, sell_out_on, sell_out_days, at_start,
    )


_DOORS = text(
    """
    SELECT a.event_id, e.name, e.timezone, e.sold, a.check_ins, a.duplicate_scans,
           coalesce(e.ends_at, e.starts_at) <= :now AS ended,
           (SELECT sum(t.check_ins) FROM event_analytics t WHERE t.event_id = a.event_id AND t.day <= a.day) AS admitted_total,
           (SELECT sum(t.no_shows) FROM event_analytics t WHERE t.event_id = a.event_id) AS no_shows
      FROM event_analytics a JOIN events e ON e.id = a.event_id
     WHERE a.day = :day AND a.check_ins + a.duplicate_scans + a.no_shows > 0
     ORDER BY e.starts_at, e.name
    """
)

# One day of admissions per event in 15-minute slots (every UTC offset is a multiple of 15 minutes,
# so UTC slots are local slots). A scan is recorded at or after it happens (an hour covers scanner
# clock skew), so created_at bounds the range of ix_check_ins_event_time.
_ARRIVALS = text(
    """
    SELECT c.event_id, date_bin(CAST(:slot AS interval), c.scanned_at, TIMESTAMPTZ '2000-01-01 00:00+00') AS slot,
           count(*) AS admitted
      FROM events e
      JOIN check_ins c ON c.event_id = e.id
       AND c.created_at >= (CAST(:day AS date)::timestamp AT TIME ZONE e.timezone) - interval '1 hour'
       AND c.scanned_at >= (CAST(:day AS date)::timestamp AT TIME ZONE e.timezone)
       AND c.scanned_at < ((CAST(:day AS date) + 1)::timestamp AT TIME ZONE e.timezone)
     WHERE e.id = ANY(CAST(:events AS uuid[])) AND c.result = 'admitted'
     GROUP BY 1, 2
     ORDER BY 1, 2
    """
)


async def checkin_digest(session: AsyncSession, *, day: date, now: datetime) -> CheckinDigest:
    """The check-in digest of `day`: every event with scans or no-shows that day, in the caller's transaction."""
    rows = (await session.execute(_DOORS, {"day": day, "now": now})).all()
    slots: dict[uuid.UUID, dict[datetime, int]] = {}
    if rows:
        found = await session.execute(_ARRIVALS, {"day": day, "slot": SLOT, "events": [r.event_id for r in rows]})
        for event_id, slot, admitted in found:
            slots.setdefault(event_id, {})[slot.astimezone(UTC)] = admitted
    # Guest-list counts only for the events that have lists: most of a busy day's events have none.
    with_lists = set(await session.scalars(
        select(GuestList.event_id).where(GuestList.event_id.in_([r.event_id for r in rows])).distinct()
    )) if rows else set()
    guests = {
        row.event_id: await counts_for(session, row.event_id, "", row.name, row.timezone)
        for row in rows if row.event_id in with_lists
    }
    return CheckinDigest(day, tuple(_doors(row, slots.get(row.event_id, {}), guests.get(row.event_id)) for row in rows))


def _doors(row, slots: dict[datetime, int], guests: GuestStats | None) -> EventDoors:
    busiest = arrivals = None
    if slots:
        start, count = min(slots.items(), key=lambda item: (-item[1], item[0]))
        busiest = (start.astimezone(zone(row.timezone)), count)
        first, last = min(slots), max(slots)
        arrivals = tuple(slots.get(first + SLOT * n, 0) for n in range(int((last - first) / SLOT) + 1))
        if len(arrivals) > LONGEST_TREND:
            arrivals = tuple(sum(arrivals[n:n + 4]) for n in range(0, len(arrivals), 4))
    return EventDoors(
        row.event_id, row.name, row.timezone, row.check_ins, int(row.admitted_total or 0), row.sold,
        row.duplicate_scans, int(row.no_shows or 0) if row.ended else None, busiest, arrivals or (),
        guests if guests and guests.lists else None,
    )
