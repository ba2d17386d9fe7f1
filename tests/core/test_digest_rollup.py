"""The account-day rollups against the base tables: after sales, refunds, moved refunds and rebuilds, the
digest's totals, events and sources are what the orders and payments say, worked out here in Python."""

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select, update

from core.digests import analytics, reports
from core.digests.reports import Totals
from core.money.amounts import per_currency
from core.sales.sources import SourceSales
from core.services import Services
from core.time.clock import FrozenClock
from db.models import AccountDaySales, AccountDaySources, AnalyticsWatermark, Event, Order, Payment, User
from tests.support.analytics_data import AnalyticsData

DAYS = (date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30), date(2026, 3, 31))


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(utc(2026, 3, 30, 6))


@pytest.fixture
def services(db, settings, clock) -> Services:
    return Services(db=db, settings=settings, clock=clock)


async def base_truth(services, tenant) -> tuple[dict, dict, dict]:
    """Per local day, from orders and payments alone: the account's Totals, each event's, and the sales by source."""
    async with services.db.tenant(tenant.account_id) as session:
        zones = dict((await session.execute(select(Event.id, Event.timezone))).all())
        names = dict((await session.execute(select(User.id, User.name))).all())
        orders = (await session.execute(select(Order).where(Order.paid_at.is_not(None)))).scalars().all()
        refunds = (await session.execute(
            select(Payment.refunded_at, Payment.refunded_cents, Payment.currency, Order.event_id)
            .join(Order, Order.id == Payment.order_id).where(Payment.refunded_at.is_not(None))
        )).all()

    def local_day(event_id, at: datetime) -> date:
        return at.astimezone(ZoneInfo(zones[event_id])).date()

    sold, refunded = defaultdict(list), defaultdict(list)
    for order in orders:
        day = local_day(order.event_id, order.paid_at)
        sold[(None, day)].append(order)
        sold[(order.event_id, day)].append(order)
    for at, cents, currency, event_id in refunds:
        day = local_day(event_id, at)
        refunded[(None, day)].append((currency, cents))
        refunded[(event_id, day)].append((currency, cents))

    totals = {
        key: Totals(
            sum(o.kind == "sale" for o in sold[key]), sum(o.quantity for o in sold[key]), len(refunded[key]),
            per_currency((o.currency, o.total_cents) for o in sold[key] if o.kind == "sale"), per_currency(refunded[key]),
        )
        for key in {*sold, *refunded}
    }
    groups = defaultdict(lambda: [0, 0, 0])
    for (event_id, day), found in sold.items():
        for o in found:
            if event_id is None and o.kind == "sale":
                group = groups[(day, o.source, o.channel_source, names.get(o.promoter_user_id), o.currency)]
                group[0], group[1], group[2] = group[0] + 1, group[1] + o.quantity, group[2] + o.total_cents
    sources = defaultdict(set)
    for (day, channel, source, promoter, currency), (n, tickets, cents) in groups.items():
        sources[day].add(SourceSales(channel, source, promoter, n, tickets, cents, currency))
    return ({day: t for (e, day), t in totals.items() if e is None},
            {key: t for key, t in totals.items() if key[0] is not None}, sources)


async def assert_digests_match_the_base_tables(services, tenant) -> None:
    account, events, sources = await base_truth(services, tenant)
    for day in DAYS:
        async with services.db.tenant(tenant.account_id) as session:
            digest = await reports.sales_digest(session, day=day, currency="EUR", now=services.clock.now())
        before = day - timedelta(days=1)
        assert (digest.total, digest.previous) == (account.get(day, Totals()), account.get(before, Totals())), day
        assert {e.event_id: e.day for e in digest.events} == {e: t for (e, d), t in events.items() if d == day and t.active}, day
        assert set(digest.sources) == sources.get(day, set()), day


SALES_COLUMNS = ("day", "currency", "orders", "tickets_sold", "refunds", "revenue_cents", "refunded_cents", "updated_at")
SOURCE_COLUMNS = ("day", "source", "channel_source", "promoter_user_id", "currency", "orders", "tickets", "cents", "updated_at")


async def rollup_rows(services, tenant) -> tuple[list, list]:
    """Every row of both account tables, updated_at included, in a stable order."""
    async with services.db.tenant(tenant.account_id) as session:
        days = (await session.scalars(select(AccountDaySales))).all()
        groups = (await session.scalars(select(AccountDaySources))).all()
    return (sorted(tuple(getattr(r, c) for c in SALES_COLUMNS) for r in days),
            sorted((tuple(getattr(r, c) for c in SOURCE_COLUMNS) for r in groups), key=repr))


async def test_the_account_day_rollups_always_say_what_the_orders_and_payments_say(services, make_tenant, clock):
    tenant = await make_tenant(timezone="Europe/Berlin", currency="EUR")
    euros, dollars = AnalyticsData(services, tenant), AnalyticsData(services, tenant, currency="USD")
    gala = await euros.event("Gala", starts_at=utc(2026, 5, 1, 18))  # Berlin, 25.00 EUR
    jazz = await euros.event("Jazz", starts_at=utc(2026, 5, 2), timezone="America/New_York", price_cents=4000)
    sushi = await euros.event("Sushi", starts_at=utc(2026, 5, 3), timezone="Asia/Tokyo", price_cents=1000)

    # Sales: across each zone's midnight, a comp, tracked links, and a jazz day in euros and dollars.
    full = await euros.order(gala, paid_at=utc(2026, 3, 28, 22, 30), quantity=2)  # 23:30 CET: the 28th
    linked = await euros.order(gala, paid_at=utc(2026, 3, 28, 23, 30))  # 00:30 CET: the 29th
    await euros.order(gala, paid_at=utc(2026, 3, 29, 10), kind="comp")
    await euros.order(jazz, paid_at=utc(2026, 3, 29, 3, 30))  # 23:30 EDT: the 28th in New York
    twice = await euros.order(jazz, paid_at=utc(2026, 3, 30, 3), quantity=3)  # 23:00 EDT: the 29th
    in_dollars = await dollars.order(jazz, paid_at=utc(2026, 3, 29, 15), quantity=2)  # the 29th, in USD
    more_dollars = await dollars.order(jazz, paid_at=utc(2026, 3, 29, 16))
    await euros.order(jazz, paid_at=utc(2026, 3, 30, 15))  # the 30th in New York, in EUR
    flyer = await euros.order(sushi, paid_at=utc(2026, 3, 28, 16))  # 01:00 JST: the 29th in Tokyo
    await euros.order(sushi, paid_at=utc(2026, 3, 29, 14, 30), quantity=2)  # 23:30 JST: still the 29th
    async with services.db.tenant(tenant.account_id) as session:
        for order, source, promoter in ((linked, "instagram", tenant.user_id), (in_dollars, "flyers", None), (flyer, None, None)):
            await session.execute(update(Order).where(Order.id == order.id).values(
                source="web", channel_source=source, promoter_user_id=promoter,
            ))
    await analytics.roll_up_account(services, tenant.account_id)
    await assert_digests_match_the_base_tables(services, tenant)

    # Refunds: partial and full, in both currencies, on the zones' own days.
    clock.set(utc(2026, 3, 31, 12))
    await euros.refund(twice, at=utc(2026, 3, 30, 10), cents=1000)  # 06:00 EDT: the 30th in New York
    await euros.refund(full, at=utc(2026, 3, 30, 23, 30))  # 01:30 CEST: the 31st in Berlin
    await dollars.refund(in_dollars, at=utc(2026, 3, 30, 12), cents=500)
    await analytics.roll_up_account(services, tenant.account_id)
    await assert_digests_match_the_base_tables(services, tenant)

    # A second partial refund moves the payment's refund to the 31st: the 30th must lose it. A dollar
    # refund of the same amount lands on the 30th: jazz's row for it (refunds, sums, no one currency)
    # stays as it was, but the account's day moves 10.00 from euros to dollars.
    clock.set(utc(2026, 4, 1, 12))
    await euros.refund(twice, at=utc(2026, 3, 31, 20), cents=3000)
    await dollars.refund(more_dollars, at=utc(2026, 3, 30, 14), cents=1000)
    await analytics.roll_up_account(services, tenant.account_id)
    await assert_digests_match_the_base_tables(services, tenant)
    kept = await rollup_rows(services, tenant)
    assert all(any(row[2:7]) for row in kept[0]), "a day's currency with nothing left is deleted, not zeroed"

    # Running it twice, or rebuilding every day from scratch, changes no row (not even updated_at).
    clock.advance(minutes=1)
    await analytics.roll_up_account(services, tenant.account_id)
    async with services.db.tenant(tenant.account_id) as session:
        await session.execute(delete(AnalyticsWatermark))
    clock.advance(minutes=1)
    rebuilt = await analytics.roll_up_account(services, tenant.account_id)
    assert {day for _, day in rebuilt.recomputed} >= set(DAYS)
    assert await rollup_rows(services, tenant) == kept
    await assert_digests_match_the_base_tables(services, tenant)
