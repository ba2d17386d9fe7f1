"""The rollup against real PostgreSQL: per event and local day, idempotent, incremental, across midnight and DST."""

import asyncio
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import delete, select

from core.digests import analytics
from core.services import Services
from core.time.clock import FrozenClock
from db.models import AnalyticsWatermark, EventAnalytics
from tests.support.analytics_data import AnalyticsData

# Europe/Berlin moves from CET (+1) to CEST (+2) at 01:00 UTC on Sunday 29 March 2026: that day has 23 hours.
MAR_28, MAR_29, MAR_30, MAR_31 = date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30), date(2026, 3, 31)
COLUMNS = ("orders", "tickets_sold", "revenue_cents", "refunds", "refunded_cents", "check_ins", "duplicate_scans", "no_shows")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(utc(2026, 4, 1, 6, 0))


@pytest.fixture
def services(db, settings, clock) -> Services:
    return Services(db=db, settings=settings, clock=clock)


async def rows(services, tenant) -> dict[tuple, dict]:
    async with services.db.tenant(tenant.account_id) as session:
        found = (await session.execute(select(EventAnalytics))).scalars().all()
    return {(r.event_id, r.day): {c: getattr(r, c) for c in (*COLUMNS, "updated_at")} for r in found}


def numbers(found: dict[tuple, dict]) -> dict[tuple, tuple]:
    return {key: tuple(row[c] for c in COLUMNS) for key, row in found.items() if any(row[c] for c in COLUMNS)}


async def spring_gala(services, tenant) -> tuple:
    """Sales across the midnights and the DST night of 28–30 March 2026 (Berlin), doors on the 30th."""
    data = AnalyticsData(services, tenant)
    gala = await data.event("Spring Gala", starts_at=utc(2026, 3, 30, 17), ends_at=utc(2026, 3, 30, 23), capacity=50)
    o1 = await data.order(gala, paid_at=utc(2026, 3, 28, 22, 30), quantity=2)  # 23:30 CET, the 28th
    o2 = await data.order(gala, paid_at=utc(2026, 3, 28, 23, 30))  # 00:30 CET: already the 29th in Berlin
    o3 = await data.order(gala, paid_at=utc(2026, 3, 29, 1, 30), quantity=3)  # 03:30 CEST, after the jump
    o4 = await data.order(gala, paid_at=utc(2026, 3, 29, 22, 30))  # 00:30 CEST: the 30th
    await data.order(gala, paid_at=utc(2026, 3, 29, 21, 59))  # 23:59 CEST: still the 29th
    await data.order(gala, paid_at=utc(2026, 3, 29, 10), kind="comp")  # a seat, no order, no revenue
    await data.refund(o3, at=utc(2026, 3, 29, 12), cents=2000)  # partial, the 29th
    await data.refund(o1, at=utc(2026, 3, 29, 22, 10))  # 00:10 CEST: the 30th; both tickets void
    await data.scan(gala, o3.tickets[0], at=utc(2026, 3, 30, 17, 5))
    await data.scan(gala, o3.tickets[1], at=utc(2026, 3, 30, 17, 10))
    await data.scan(gala, o3.tickets[0], at=utc(2026, 3, 30, 17, 20), result="already_admitted")
    await data.scan(gala, None, at=utc(2026, 3, 30, 17, 30), result="unknown")
    # An offline scanner synced 40 minutes late: the scan counts on the day it happened.
    await data.scan(gala, o4.tickets[0], at=utc(2026, 3, 30, 21, 50), recorded_at=utc(2026, 3, 30, 22, 30))
    await data.scan(gala, o2.tickets[0], at=utc(2026, 3, 30, 22, 10))  # 00:10 CEST: the 31st
    return data, gala, (o1, o2, o3, o4)


async def test_rollup_counts_each_local_day_of_the_event_across_midnight_and_the_dst_change(services, make_tenant):
    tenant = await make_tenant()
    _, gala, _ = await spring_gala(services, tenant)

    result = await analytics.roll_up_account(services, tenant.account_id)

    # Valid tickets: o2 1, o3 3, o4 1, o5 1, comp 1 = 7; admitted: o3 ×2, o4, o2 = 4; so 3 no-shows on the last day.
    assert numbers(await rows(services, tenant)) == {
        (gala.id, MAR_28): (1, 2, 5000, 0, 0, 0, 0, 0),
        (gala.id, MAR_29): (3, 6, 12500, 1, 2000, 0, 0, 0),
        (gala.id, MAR_30): (1, 1, 2500, 1, 5000, 3, 1, 0),
        (gala.id, MAR_31): (0, 0, 0, 0, 0, 1, 0, 3),
    }
    assert result.written == 4


async def test_no_shows_wait_until_the_event_has_ended(services, make_tenant, clock):
    tenant = await make_tenant()
    _, gala, _ = await spring_gala(services, tenant)
    clock.set(utc(2026, 3, 30, 22, 59))

    await analytics.roll_up_account(services, tenant.account_id)
    assert numbers(await rows(services, tenant))[(gala.id, MAR_31)] == (0, 0, 0, 0, 0, 1, 0, 0)

    clock.set(utc(2026, 3, 30, 23, 1))
    result = await analytics.roll_up_account(services, tenant.account_id)
    assert result.recomputed == ((gala.id, MAR_31),)
    assert numbers(await rows(services, tenant))[(gala.id, MAR_31)] == (0, 0, 0, 0, 0, 1, 0, 3)


async def test_running_the_rollup_twice_gives_the_same_rows_and_writes_nothing(services, make_tenant, clock):
    tenant = await make_tenant()
    await spring_gala(services, tenant)
    await analytics.roll_up_account(services, tenant.account_id)
    first = await rows(services, tenant)

    clock.advance(minutes=1)
    async with services.db.tenant(tenant.account_id) as session:  # forget the watermark: recompute everything
        await session.execute(delete(AnalyticsWatermark))
    again = await analytics.roll_up_account(services, tenant.account_id)

    assert len(again.recomputed) == 4 and again.written == 0
    assert await rows(services, tenant) == first


async def test_a_run_without_new_activity_recomputes_nothing(services, make_tenant, clock):
    tenant = await make_tenant()
    await spring_gala(services, tenant)
    await analytics.roll_up_account(services, tenant.account_id)

    clock.advance(hours=1)
    assert await analytics.roll_up_account(services, tenant.account_id) == analytics.Rollup((), 0)


async def test_a_later_run_recomputes_only_the_days_with_new_activity(services, make_tenant, clock):
    tenant = await make_tenant()
    data, gala, _ = await spring_gala(services, tenant)
    await analytics.roll_up_account(services, tenant.account_id)
    before = await rows(services, tenant)

    clock.set(utc(2026, 4, 2, 12))
    autumn = await data.event("Autumn Ball", starts_at=utc(2026, 10, 1, 18), timezone="America/New_York")
    await data.order(autumn, paid_at=utc(2026, 4, 2, 3, 30), quantity=2)  # 23:30 EDT on 1 April in New York
    result = await analytics.roll_up_account(services, tenant.account_id)

    assert result.recomputed == ((autumn.id, date(2026, 4, 1)),)
    after = await rows(services, tenant)
    assert {key: row for key, row in after.items() if key[0] == gala.id} == before
    assert after[(autumn.id, date(2026, 4, 1))]["tickets_sold"] == 2
    assert after[(autumn.id, date(2026, 4, 1))]["updated_at"] == clock.now()


async def test_a_second_partial_refund_moves_the_refund_to_its_new_day(services, make_tenant, clock):
    tenant = await make_tenant()
    data, gala, (_, _, o3, _) = await spring_gala(services, tenant)
    await analytics.roll_up_account(services, tenant.account_id)

    clock.set(utc(2026, 4, 3, 9))
    await data.refund(o3, at=utc(2026, 4, 3, 8), cents=3000)  # the payment now says 3000 refunded on 3 April
    await analytics.roll_up_account(services, tenant.account_id)

    found = numbers(await rows(services, tenant))
    assert found[(gala.id, MAR_29)] == (3, 6, 12500, 0, 0, 0, 0, 0)
    assert found[(gala.id, date(2026, 4, 3))] == (0, 0, 0, 1, 3000, 0, 0, 0)


async def test_concurrent_rollups_of_one_account_agree(services, make_tenant):
    tenant = await make_tenant()
    _, gala, _ = await spring_gala(services, tenant)

    results = await asyncio.gather(*(analytics.roll_up_account(services, tenant.account_id) for _ in range(4)))

    assert sum(r.written for r in results) == 4
    assert numbers(await rows(services, tenant))[(gala.id, MAR_30)] == (1, 1, 2500, 1, 5000, 3, 1, 0)


async def test_the_scheduled_job_finds_only_accounts_with_activity_since_their_last_run(services, make_tenant, clock):
    busy, quiet = await make_tenant(), await make_tenant()
    await spring_gala(services, busy)

    due = await analytics.accounts_with_activity(services, now=clock.now(), limit=100_000)
    assert busy.account_id in due and quiet.account_id not in due

    await analytics.roll_up_account(services, busy.account_id)
    clock.advance(minutes=10)  # past the overlap
    due = await analytics.accounts_with_activity(services, now=clock.now(), limit=100_000)
    assert busy.account_id not in due and quiet.account_id not in due
