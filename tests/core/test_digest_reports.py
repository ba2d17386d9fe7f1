"""Digest numbers against hand-computed totals: sales across midnight and the DST night, refunds, scans, pace."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from bot.digests import notices as digest_notices
from bot.text import Words
from core.digests import analytics, reports
from core.digests.reports import Averages, Totals, sparkline
from core.door import checkins
from core.events import events, ticket_types
from core.digests.notices import Digest
from core.notices import from_facts, to_facts
from core.sales import orders, payments
from core.services import Services
from core.money.amounts import Money
from core.time.clock import FrozenClock
from db.models import Attendee, EventAnalytics, Ticket
from tests.support.analytics_data import AnalyticsData

# The report day, Sunday 29 March 2026, has 23 hours in Berlin (clocks jump 02:00 → 03:00 CET → CEST).
SUNDAY = date(2026, 3, 29)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def eur(cents: int) -> tuple[Money, ...]:
    return (Money(cents, "EUR"),)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(utc(2026, 3, 30, 7))  # 09:00 in Berlin, 03:00 in New York


@pytest.fixture
def services(db, settings, clock) -> Services:
    return Services(db=db, settings=settings, clock=clock)


@pytest.fixture
async def week(services, make_tenant):
    """Three events' week of sales, a refund, and one evening of doors (see the totals in each test)."""
    tenant = await make_tenant(timezone="Europe/Berlin", currency="EUR")
    data = AnalyticsData(services, tenant)
    gala = await data.event("Spring Gala", starts_at=utc(2026, 4, 10, 17), capacity=12)
    jazz = await data.event("Jazz <Night>", starts_at=utc(2026, 4, 21), timezone="America/New_York", price_cents=4000)
    party = await data.event("Past Party", starts_at=utc(2026, 3, 29, 18), ends_at=utc(2026, 3, 29, 23), capacity=10,
                             price_cents=1000)
    early = await data.order(gala, paid_at=utc(2026, 3, 23, 10), quantity=2)
    await data.order(gala, paid_at=utc(2026, 3, 28, 22, 30))  # 23:30 CET: Saturday
    await data.order(gala, paid_at=utc(2026, 3, 28, 23, 30), quantity=2)  # 00:30 CET: Sunday
    await data.order(gala, paid_at=utc(2026, 3, 29, 21, 59))  # 23:59 CEST: still Sunday
    await data.order(gala, paid_at=utc(2026, 3, 29, 22, 30))  # 00:30 CEST: Monday
    await data.refund(early, at=utc(2026, 3, 29, 8))  # Sunday: 50.00 back, 2 seats free again
    await data.order(jazz, paid_at=utc(2026, 3, 25, 15))  # Wednesday in New York
    await data.order(jazz, paid_at=utc(2026, 3, 29, 3, 30))  # 23:30 EDT: Saturday in New York
    await data.order(jazz, paid_at=utc(2026, 3, 30, 3), quantity=3)  # 23:00 EDT: Sunday in New York
    first = await data.order(party, paid_at=utc(2026, 3, 20, 12), quantity=4)
    second = await data.order(party, paid_at=utc(2026, 3, 27, 12), quantity=3)
    t1, t2, t3, t4 = first.tickets
    t5, t6, _t7 = second.tickets
    for ticket, minute in ((t1, 2), (t2, 5), (t3, 20), (t4, 25), (t5, 28)):  # 20:02 … 20:28 CEST
        await data.scan(party, ticket, at=utc(2026, 3, 29, 18, minute))
    await data.scan(party, t1, at=utc(2026, 3, 29, 18, 40), result="already_admitted")
    await data.scan(party, t6, at=utc(2026, 3, 29, 22, 10))  # 00:10 CEST: Monday; t7 never comes
    await analytics.roll_up_account(services, tenant.account_id)
    return tenant, gala, jazz, party


async def test_the_sales_digest_matches_hand_computed_totals(services, week, clock):
    tenant, gala, jazz, party = week
    async with services.db.tenant(tenant.account_id) as session:
        digest = await reports.sales_digest(session, day=SUNDAY, currency="EUR", now=clock.now())

    # Sunday: gala 2 orders / 3 tickets / 75.00 and the 50.00 refund; jazz 1 / 3 / 120.00 (its own Sunday).
    assert digest.total == Totals(orders=3, tickets=6, refunds=1, revenue=eur(19500), refunded=eur(5000))
    assert [(e.name, e.day) for e in digest.events] == [
        ("Jazz <Night>", Totals(1, 3, 0, eur(12000))),
        ("Spring Gala", Totals(2, 3, 1, eur(7500), eur(5000))),
    ]
    # Saturday: gala 1 / 1 / 25.00 (23:30 CET), jazz 1 / 1 / 40.00 (23:30 EDT).
    assert digest.previous == Totals(2, 2, 0, eur(6500))
    # 22–28 March: gala 2+1 tickets, jazz 1+1, party 3; 5 orders; 50 + 25 + 40 + 40 + 30 = 185.00.
    assert digest.average == Averages(orders=5 / 7, tickets=8 / 7, week_revenue=eur(18500))
    # 23–29 March: gala 2+1+3 = 6, jazz 1+1+3 = 5, party 3.
    assert [(e.name, e.week_tickets) for e in digest.fastest] == [("Spring Gala", 6), ("Jazz <Night>", 5), ("Past Party", 3)]
    assert digest.trend[-8:] == (0, 2, 0, 1, 0, 3, 2, 6) and digest.trend[:4] == (0, 0, 0, 0)
    assert len(digest.trend) == 14 and sum(digest.trend) == 4 + 2 + 1 + 3 + 2 + 6


async def test_upcoming_events_show_sell_through_and_a_projected_sell_out_date(services, week, clock):
    tenant, gala, jazz, party = week
    async with services.db.tenant(tenant.account_id) as session:
        digest = await reports.sales_digest(session, day=SUNDAY, currency="EUR", now=clock.now())

    gala_p, jazz_p = digest.upcoming  # the party has started: not upcoming
    # Gala: 2 refunded of 7 sold leaves 5 of 12; 6 tickets in 7 days; 7 left → ceil(7 / (6/7)) = 9 days → 7 April.
    assert (gala_p.name, gala_p.sold, gala_p.capacity, gala_p.percent) == ("Spring Gala", 5, 12, 41)
    assert gala_p.sell_out_on == date(2026, 4, 7) and gala_p.at_start_percent is None
    assert (jazz_p.sold, jazz_p.capacity, jazz_p.percent, jazz_p.sell_out_on) == (5, None, None, None)


async def test_a_slow_event_is_projected_to_its_fill_at_the_start_instead(services, make_tenant, clock):
    tenant = await make_tenant()
    data = AnalyticsData(services, tenant)
    slow = await data.event("Slow Burn", starts_at=utc(2026, 4, 12, 18), capacity=100)
    await data.order(slow, paid_at=utc(2026, 3, 26, 12), quantity=7)
    await analytics.roll_up_account(services, tenant.account_id)
    async with services.db.tenant(tenant.account_id) as session:
        digest = await reports.sales_digest(session, day=SUNDAY, currency="EUR", now=clock.now())

    # One ticket a day, 14 days to 12 April: 7 + 14 = 21 of 100.
    [projection] = digest.upcoming
    assert (projection.pace, projection.sell_out_on, projection.at_start_percent) == (1.0, None, 21)


async def test_the_checkin_digest_matches_hand_computed_totals(services, week, clock):
    tenant, gala, jazz, party = week
    async with services.db.tenant(tenant.account_id) as session:
        sunday = await reports.checkin_digest(session, day=SUNDAY, now=clock.now())
        monday = await reports.checkin_digest(session, day=date(2026, 3, 30), now=clock.now())

    [doors] = sunday.events
    # 5 admitted on Sunday of 7 sold; 20:15–20:30 CEST had 3 (20:20, 20:25, 20:28); t1 scanned twice; t7 never came.
    assert (doors.name, doors.admitted, doors.admitted_total, doors.sold) == ("Past Party", 5, 5, 7)
    assert (doors.busiest[0].strftime("%H:%M %Z"), doors.busiest[1]) == ("20:15 CEST", 3)
    assert doors.arrivals == (2, 3)
    assert (doors.duplicates, doors.no_shows) == (1, 1)
    # After midnight: one more arrival on Monday, 6 of 7 in all.
    [after_midnight] = monday.events
    assert (after_midnight.admitted, after_midnight.admitted_total, after_midnight.no_shows) == (1, 6, 1)


async def test_no_shows_are_not_reported_before_the_event_ends(services, week, clock):
    tenant, *_ = week
    clock.set(utc(2026, 3, 29, 20))
    async with services.db.tenant(tenant.account_id) as session:
        await analytics.roll_up(session, tenant.account_id, now=clock.now())
        digest = await reports.checkin_digest(session, day=SUNDAY, now=clock.now())
    assert digest.events[0].no_shows is None


def render(
    *, sales: reports.SalesDigest | None, checkins: reports.CheckinDigest | None, currency: str,
    so_far: datetime | None = None, timezone: str = "UTC",
) -> Words:
    """The digest as Slack shows it, after the outbox stored its facts as JSON and read them back."""
    stored = to_facts(Digest(sales=sales, checkins=checkins, currency=currency, timezone=timezone, so_far=so_far))
    return digest_notices.digest(from_facts(Digest.kind, stored))


async def test_the_rendered_digest_shows_the_numbers_in_blocks_with_sparklines(services, week, clock):
    tenant, *_ = week
    async with services.db.tenant(tenant.account_id) as session:
        sales = await reports.sales_digest(session, day=SUNDAY, currency="EUR", now=clock.now())
        doors = await reports.checkin_digest(session, day=SUNDAY, now=clock.now())
    message = render(sales=sales, checkins=doors, currency="EUR")

    shown = "\n".join(b["text"]["text"] for b in message.blocks if b["type"] == "section")
    assert "*Sales on Sun 29 Mar*: *3 orders* · *6 tickets* · *195.00 EUR*" in shown
    assert "vs the day before: +1 orders · +4 tickets · +130.00 EUR (+200%)" in shown
    assert "Refunds: 1 (50.00 EUR)" in shown
    assert f"`{sparkline(sales.trend)}`" in shown
    assert "*Jazz &lt;Night&gt;*: 1 order · 3 tickets · 120.00 EUR" in shown
    assert (
        "*Spring Gala* (Fri 10 Apr, 19:00 CEST) · 5/12 sold (41%) · +6 in the last 7 days · "
        "sells out in ~9 days at this pace (around Tue 7 Apr)"
    ) in shown
    assert "*Jazz &lt;Night&gt;* (Mon 20 Apr, 20:00 EDT) · 5 sold, no capacity limit · +5 in the last 7 days" in shown
    assert "*Past Party*: 5 of 7 admitted (71%), 5 on the day" in shown
    assert "Busiest 15 minutes: 20:15–20:30 CEST, 3 admissions" in shown
    assert "No-shows: 1 · duplicate-scan attempts: 1" in shown
    assert {"type": "divider"} in message.blocks
    assert message.text.startswith(":chart_with_upwards_trend: *Sales on Sun 29 Mar*")


async def test_a_quiet_day_still_shows_the_upcoming_events_seats_and_pace(services, make_tenant, clock):
    tenant = await make_tenant(timezone="Europe/Berlin", currency="EUR")
    data = AnalyticsData(services, tenant)
    gala = await data.event("Summer Gala", starts_at=utc(2026, 6, 20, 17), capacity=300)
    await data.order(gala, paid_at=utc(2026, 3, 10, 12), quantity=168)
    await data.order(gala, paid_at=utc(2026, 3, 24, 12), quantity=14)  # the last 7 days; nothing on Sunday
    slow = await data.event("Slow Burn", starts_at=utc(2026, 4, 12, 18), capacity=100)
    await data.order(slow, paid_at=utc(2026, 3, 10, 12), quantity=3)
    await analytics.roll_up_account(services, tenant.account_id)
    async with services.db.tenant(tenant.account_id) as session:
        sales = await reports.sales_digest(session, day=SUNDAY, currency="EUR", now=clock.now())
        doors = await reports.checkin_digest(session, day=SUNDAY, now=clock.now())

    assert not sales.has_activity and not doors.has_activity
    message = render(sales=sales, checkins=doors, currency="EUR")
    shown = [b["text"]["text"] for b in message.blocks if b["type"] == "section"]
    assert shown[0] == ":zzz: No sales or check-in activity on Sun 29 Mar."
    # 118 seats left at 2 a day: 59 days, before the gala starts on 20 June.
    assert (
        "• *Slow Burn* (Sun 12 Apr, 20:00 CEST) · 3/100 sold (3%) · no sales in the last 7 days\n"
        "• *Summer Gala* (Sat 20 Jun, 19:00 CEST) · 182/300 sold (60%) · +14 in the last 7 days · "
        "sells out in ~59 days at this pace (around Wed 27 May)"
    ) in shown[1]
    assert message.text == ":zzz: No sales or check-in activity on Sun 29 Mar."
    only_sales = render(sales=sales, checkins=None, currency="EUR")
    assert "Summer Gala" in str(only_sales.blocks) and "No sales on Sun 29 Mar" in str(only_sales.blocks)
    only_doors = render(sales=None, checkins=doors, currency="EUR")
    assert [b["text"]["text"] for b in only_doors.blocks] == [":ticket: No check-ins on Sun 29 Mar."]


async def test_a_digest_of_today_says_it_is_so_far_and_up_to_when(services, make_tenant, clock):
    tenant = await make_tenant(timezone="Europe/Berlin", currency="EUR")
    async with services.db.tenant(tenant.account_id) as session:
        sales = await reports.sales_digest(session, day=date(2026, 3, 30), currency="EUR", now=clock.now())
    local = clock.now().astimezone(ZoneInfo("Europe/Berlin"))
    message = render(sales=sales, checkins=None, currency="EUR", so_far=local, timezone="Europe/Berlin")
    assert message.text == (
        ":chart_with_upwards_trend: No sales today so far (Mon 30 Mar, to 09:00 CEST): no orders and no refunds."
    )


async def test_a_day_without_activity_is_one_line(services, make_tenant, clock):
    tenant = await make_tenant()
    async with services.db.tenant(tenant.account_id) as session:
        sales = await reports.sales_digest(session, day=SUNDAY, currency="EUR", now=clock.now())
        doors = await reports.checkin_digest(session, day=SUNDAY, now=clock.now())

    both = render(sales=sales, checkins=doors, currency="EUR")
    assert [b["text"]["text"] for b in both.blocks] == [":zzz: No sales or check-in activity on Sun 29 Mar."]
    only_sales = render(sales=sales, checkins=None, currency="EUR")
    assert [b["text"]["text"] for b in only_sales.blocks] == [
        ":chart_with_upwards_trend: No sales on Sun 29 Mar: no orders and no refunds."
    ]


def test_sparkline_scales_to_the_largest_value():
    assert sparkline([0, 1, 2, 4, 8]) == "▁▂▃▅█"
    assert sparkline([0, 0, 0]) == "▁▁▁"
    assert sparkline([]) == ""



async def test_digests_agree_with_sales_refunds_and_check_ins_made_through_the_real_use_cases(services, make_tenant, clock):
    tenant = await make_tenant(timezone="Europe/Berlin", currency="EUR")
    clock.set(utc(2026, 3, 28, 20))
    event = await events.create_event(services, tenant, name="Spring Gala", starts="2026-03-31 19:00",
                                      ends="2026-03-31 23:00", capacity=20)
    await ticket_types.add_ticket_type(services, tenant, event=event.slug, name="General", price="25")
    await events.publish_event(services, tenant, slug=event.slug)

    async def sell_paid(at: datetime, qty: int):
        clock.set(at)
        sale = await payments.sell(services, tenant, event=event.slug, ticket="general", qty=qty, email="a@example.test")
        await payments.mark_paid(services, tenant, reference=sale.order.reference, method="cash")
        return sale.order

    first = await sell_paid(utc(2026, 3, 28, 23, 30), 2)  # 00:30 CET: Sunday the 29th
    second = await sell_paid(utc(2026, 3, 29, 21, 59), 1)  # 23:59 CEST: still Sunday
    clock.set(utc(2026, 3, 29, 22, 30))  # 00:30 CEST: Monday
    comp = await orders.comp(services, tenant, event=event.slug, ticket="general", email="vip@example.test")
    third = await sell_paid(utc(2026, 3, 29, 22, 40), 3)
    clock.set(utc(2026, 3, 30, 10))
    await payments.refund(services, tenant, reference=second.reference)
    clock.set(utc(2026, 3, 31, 17, 30))  # doors, Tuesday 19:30 CEST
    codes = await ticket_codes(services, tenant, first.order_id) + await ticket_codes(services, tenant, third.order_id)
    for code in codes[:3]:
        assert (await checkins.admit_code(services, tenant, code=code)).result == "admitted"
    assert (await checkins.admit_code(services, tenant, code=codes[0])).result == "already_admitted"

    clock.set(utc(2026, 4, 1, 7))
    async with services.db.tenant(tenant.account_id) as session:
        await analytics.roll_up(session, tenant.account_id, now=clock.now())
        sunday = await reports.sales_digest(session, day=SUNDAY, currency="EUR", now=clock.now())
        monday = await reports.sales_digest(session, day=date(2026, 3, 30), currency="EUR", now=clock.now())
        tuesday = await reports.checkin_digest(session, day=date(2026, 3, 31), now=clock.now())

    assert sunday.total == Totals(orders=2, tickets=3, revenue=eur(7500))
    # Monday: the 3-ticket order and the comp (a seat, no order, no revenue); the refund of the second order.
    assert monday.total == Totals(orders=1, tickets=4, refunds=1, revenue=eur(7500), refunded=eur(2500))
    assert comp.kind == "comp"
    [doors] = tuesday.events
    # Sold: 2 + 3 + the comp (the refunded ticket gave its seat back); 3 came, one of them scanned twice.
    assert (doors.admitted, doors.sold, doors.duplicates, doors.no_shows) == (3, 6, 1, 3)
    assert (doors.busiest[0].strftime("%H:%M"), doors.busiest[1]) == ("19:30", 3)


async def ticket_codes(services, tenant, order_id) -> list[str]:
    async with services.db.tenant(tenant.account_id) as session:
        found = await session.execute(
            select(Ticket.code).join(Attendee, Attendee.id == Ticket.attendee_id)
            .where(Attendee.order_id == order_id).order_by(Ticket.created_at, Ticket.code)
        )
        return list(found.scalars())


async def test_only_the_top_events_of_the_day_are_listed_with_the_fastest_of_the_week(services, make_tenant, clock):
    tenant = await make_tenant(timezone="Europe/Berlin", currency="EUR")
    data = AnalyticsData(services, tenant)
    for n in range(reports.LISTED + 2):
        event = await data.event(f"Show {n:02d}", starts_at=utc(2026, 5, 1), price_cents=1000 * (n % 5 + 1))
        await data.order(event, paid_at=utc(2026, 3, 29, 10))
    steady = await data.event("Steady", starts_at=utc(2026, 5, 2), price_cents=100)
    for day in (23, 24, 25, 26, 27, 28):
        await data.order(steady, paid_at=utc(2026, 3, day, 10), quantity=2)
    await analytics.roll_up_account(services, tenant.account_id)
    async with services.db.tenant(tenant.account_id) as session:
        digest = await reports.sales_digest(session, day=SUNDAY, currency="EUR", now=clock.now())

    # One ticket each, so revenue decides: 50, 40, … 10.00 EUR by n % 5; equal revenue by name; "Steady" sold nothing on Sunday.
    expected = sorted(range(reports.LISTED + 2), key=lambda n: (-(n % 5), n))[: reports.LISTED]
    assert [e.name for e in digest.events] == [f"Show {n:02d}" for n in expected]
    assert digest.total == Totals(orders=17, tickets=17, revenue=eur(1000 * sum(n % 5 + 1 for n in range(17))))
    assert [(e.name, e.week_tickets, e.trend) for e in digest.fastest] == [
        ("Steady", 12, (2, 2, 2, 2, 2, 2, 0)), ("Show 00", 1, (0, 0, 0, 0, 0, 0, 1)), ("Show 01", 1, (0, 0, 0, 0, 0, 0, 1)),
    ]
    assert digest.trend[-7:] == (2, 2, 2, 2, 2, 2, 17)
    assert all(u.pace == (12 / 7 if u.name == "Steady" else 1 / 7) for u in digest.upcoming)


async def test_money_in_two_currencies_is_summed_and_shown_per_currency_never_added(services, make_tenant, clock):
    """An account in USD whose gala sells in EUR: 120.00 EUR and 30.00 USD are two sums, never 150.00."""
    tenant = await make_tenant(timezone="Europe/Berlin", currency="USD")
    in_euros = AnalyticsData(services, tenant, currency="EUR")
    in_dollars = AnalyticsData(services, tenant, currency="USD")
    gala = await in_euros.event("Euro Gala", starts_at=utc(2026, 5, 1), price_cents=4000)
    club = await in_dollars.event("Dollar Club", starts_at=utc(2026, 5, 2), price_cents=1500)
    await in_euros.order(gala, paid_at=utc(2026, 3, 29, 10), quantity=3)  # 120.00 EUR on Sunday
    refunded = await in_dollars.order(club, paid_at=utc(2026, 3, 29, 11), quantity=2)  # 30.00 USD on Sunday
    await in_dollars.refund(refunded, at=utc(2026, 3, 29, 12), cents=1000)  # 10.00 USD back
    await in_euros.order(gala, paid_at=utc(2026, 3, 28, 10))  # Saturday: 40.00 EUR
    await in_dollars.order(club, paid_at=utc(2026, 3, 25, 10), quantity=14)  # Wednesday: 210.00 USD
    await analytics.roll_up_account(services, tenant.account_id)
    async with services.db.tenant(tenant.account_id) as session:
        digest = await reports.sales_digest(session, day=SUNDAY, currency="USD", now=clock.now())

    usd = (Money(3000, "USD"),)
    assert digest.total == Totals(
        orders=2, tickets=5, refunds=1, revenue=(Money(12000, "EUR"), Money(3000, "USD")), refunded=(Money(1000, "USD"),)
    )
    assert digest.previous == Totals(1, 1, 0, eur(4000))
    assert digest.average.week_revenue == (Money(4000, "EUR"), Money(21000, "USD"))
    assert [(e.name, e.day.revenue, e.day.refunded) for e in digest.events] == [
        ("Euro Gala", eur(12000), ()), ("Dollar Club", usd, (Money(1000, "USD"),)),
    ]
    assert {(s.channel, s.revenue_cents, s.currency) for s in digest.sources} == {("slack", 12000, "EUR"), ("slack", 3000, "USD")}

    message = render(sales=digest, checkins=None, currency="USD")
    shown = "\n".join(b["text"]["text"] for b in message.blocks if b["type"] == "section")
    assert "*2 orders* · *5 tickets* · *120.00 EUR + 30.00 USD*" in shown
    assert "vs the day before: +1 orders · +4 tickets · +80.00 EUR (+200%) · +30.00 USD" in shown
    # A day of the week: 40.00 / 7 EUR and 210.00 / 7 USD; Sunday is above both.
    assert "(0.3 orders · 2.1 tickets · 5.71 EUR + 30.00 USD a day): tickets +133%, revenue +2000% in EUR, level in USD" in shown
    assert "Refunds: 1 (10.00 USD)" in shown
    assert "*Euro Gala*: 1 order · 3 tickets · 120.00 EUR" in shown
    assert "*Dollar Club*: 1 order · 2 tickets · 30.00 USD · 1 refund (10.00 USD)" in shown
    assert "150.00" not in shown and "120.00 USD" not in shown and "30.00 EUR" not in shown


async def test_an_event_day_in_two_currencies_is_read_from_its_orders_and_kept_apart(services, make_tenant, clock):
    """The rollup keeps the currency of an event-day in one; a day in two (or rolled up before) is read from the orders."""
    tenant = await make_tenant(timezone="Europe/Berlin", currency="USD")
    in_euros = AnalyticsData(services, tenant, currency="EUR")
    in_dollars = AnalyticsData(services, tenant, currency="USD")
    gala = await in_euros.event("Euro Gala", starts_at=utc(2026, 5, 1), price_cents=4000)
    await in_euros.order(gala, paid_at=utc(2026, 3, 29, 10), quantity=3)  # Sunday: 120.00 EUR
    dollars = await in_dollars.order(gala, paid_at=utc(2026, 3, 29, 11))  # and 40.00 USD
    await in_dollars.refund(dollars, at=utc(2026, 3, 29, 12), cents=1000)  # 10.00 USD back
    await in_euros.order(gala, paid_at=utc(2026, 3, 28, 10))  # Saturday: 40.00 EUR only
    await analytics.roll_up_account(services, tenant.account_id)

    async def digest() -> reports.SalesDigest:
        async with services.db.tenant(tenant.account_id) as session:
            return await reports.sales_digest(session, day=SUNDAY, currency="USD", now=clock.now())

    async with services.db.tenant(tenant.account_id) as session:
        kept = dict((await session.execute(select(EventAnalytics.day, EventAnalytics.currency))).all())
    assert kept == {date(2026, 3, 28): "EUR", SUNDAY: None}
    sunday = Totals(orders=2, tickets=4, refunds=1, revenue=(Money(12000, "EUR"), Money(4000, "USD")),
                    refunded=(Money(1000, "USD"),))
    first = await digest()
    assert (first.total, first.previous.revenue) == (sunday, eur(4000))
    assert [(e.name, e.day.revenue, e.day.refunded, e.previous.revenue) for e in first.events] == [
        ("Euro Gala", sunday.revenue, sunday.refunded, eur(4000)),
    ]

    # A row the rollup wrote before it kept currencies reads the same, from the orders.
    async with services.db.tenant(tenant.account_id) as session:
        await session.execute(update(EventAnalytics).values(currency=None))
    again = await digest()
    assert (again.total, again.previous.revenue, again.events) == (sunday, eur(4000), first.events)
