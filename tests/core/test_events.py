"""Events, venues and ticket types in core: slugs, local times and DST, capacities, prices, roles."""

import asyncio
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.errors import slack_sentence
from core.errors import Conflict, Forbidden, Invalid, NotFound, NotReady, Thing
from core.events import events, ticket_types, venues
from core.money.amounts import parse_amount
from core.services import Services
from core.time.clock import FrozenClock
from db.models import Event, Product, Venue

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
def core(db, settings) -> Services:
    return Services(db=db, settings=settings, clock=FrozenClock(NOW))


async def count(core, tenant, model) -> int:
    async with core.db.tenant(tenant.account_id) as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def test_slugs_come_from_the_name_and_take_a_suffix_on_collision(core, make_tenant):
    tenant = await make_tenant()
    first = await events.create_event(core, tenant, name="Sommer-Gala 2026!", starts="2026-07-01 19:00")
    second = await events.create_event(core, tenant, name="Sommer Gala 2026", starts="2026-07-02 19:00")
    third = await events.create_event(core, tenant, name="sommer gala 2026", starts="2026-07-03 19:00")
    assert [first.slug, second.slug, third.slug] == ["sommer-gala-2026", "sommer-gala-2026-2", "sommer-gala-2026-3"]
    renamed = await events.update_event(core, tenant, slug=first.slug, name="Winter Ball")
    assert (renamed.slug, renamed.name) == ("sommer-gala-2026", "Winter Ball")


async def test_concurrent_creates_with_one_name_get_distinct_slugs(core, make_tenant):
    tenant = await make_tenant()
    made = await asyncio.gather(*[
        events.create_event(core, tenant, name="Launch Party", starts="2026-05-01 20:00") for _ in range(6)
    ])
    assert sorted(e.slug for e in made) == sorted(["launch-party"] + [f"launch-party-{n}" for n in range(2, 7)])


async def test_a_chosen_slug_that_is_taken_is_refused(core, make_tenant):
    tenant = await make_tenant()
    await events.create_event(core, tenant, name="Gala", starts="2026-07-01 19:00", slug="gala")
    with pytest.raises(Conflict, match="already has the slug `gala`"):
        await events.create_event(core, tenant, name="Other", starts="2026-07-01 19:00", slug="gala")
    with pytest.raises(Invalid, match="lower-case letters"):
        await events.create_event(core, tenant, name="Other", starts="2026-07-01 19:00", slug="Not a slug!")
    assert await count(core, tenant, Event) == 1


async def test_slugs_are_per_account(core, make_tenant):
    one, two = await make_tenant(), await make_tenant()
    a = await events.create_event(core, one, name="Gala", starts="2026-07-01 19:00")
    b = await events.create_event(core, two, name="Gala", starts="2026-07-01 19:00")
    assert a.slug == b.slug == "gala"


async def test_times_are_read_in_the_account_zone_and_stored_in_utc(core, make_tenant):
    tenant = await make_tenant(timezone="Europe/Berlin")
    summer = await events.create_event(core, tenant, name="Summer", starts="2026-07-01 19:00", ends="2026-07-01 23:30")
    winter = await events.create_event(core, tenant, name="Winter", starts="2026-12-01 19:00")
    assert summer.starts_at == datetime(2026, 7, 1, 17, 0, tzinfo=UTC)
    assert summer.ends_at == datetime(2026, 7, 1, 21, 30, tzinfo=UTC)
    assert winter.starts_at == datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
    assert summer.timezone == "Europe/Berlin"


async def test_a_time_in_the_spring_forward_gap_is_refused(core, make_tenant):
    tenant = await make_tenant(timezone="Europe/Berlin")
    with pytest.raises(Invalid, match="does not exist in Europe/Berlin: clocks jump from 02:00 to 03:00"):
        await events.create_event(core, tenant, name="Night", starts="2026-03-29 02:30")
    assert await count(core, tenant, Event) == 0


async def test_an_ambiguous_fall_back_time_is_the_first_occurrence(core, make_tenant):
    tenant = await make_tenant(timezone="Europe/Berlin")
    event = await events.create_event(core, tenant, name="Night", starts="2026-10-25 02:30")
    assert event.starts_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST (+02:00), fold=0


async def test_the_venue_zone_wins_over_the_account_zone(core, make_tenant):
    tenant = await make_tenant(timezone="Europe/Berlin")
    await venues.add_venue(core, tenant, name="Madison Hall", timezone="America/New_York")
    event = await events.create_event(core, tenant, name="NY", starts="2026-07-01 19:00", venue="madison hall")
    assert (event.timezone, event.starts_at) == ("America/New_York", datetime(2026, 7, 1, 23, 0, tzinfo=UTC))


@pytest.mark.parametrize(("starts", "ends", "message"), [
    ("2025-12-01 19:00", None, "is in the past"),
    ("2026-07-01 19:00", "2026-07-01 18:00", "ends .* must be after starts"),
    ("2026-07-01 19:00", "2026-07-01 19:00", "must be after starts"),
    ("tomorrow", None, "must be a date and time like 2031-07-01 19:00"),
    ("2026-02-30 19:00", None, "is not a real date"),
    ("2026-07-01", None, "needs a time too"),
])
async def test_bad_times_are_refused_and_nothing_is_saved(core, make_tenant, starts, ends, message):
    tenant = await make_tenant()
    with pytest.raises(Invalid, match=message):
        await events.create_event(core, tenant, name="Gala", starts=starts, ends=ends)
    assert await count(core, tenant, Event) == 0


async def test_names_are_required_and_at_most_120_characters(core, make_tenant):
    tenant = await make_tenant()
    with pytest.raises(Invalid, match="at most 120 characters; this one has 300"):
        await events.create_event(core, tenant, name="x" * 300, starts="2026-07-01 19:00")
    with pytest.raises(Invalid, match="Give a name"):
        await events.create_event(core, tenant, name="  \n ", starts="2026-07-01 19:00")
    assert await count(core, tenant, Event) == 0


async def test_event_capacity_defaults_to_the_venue_and_never_exceeds_it(core, make_tenant):
    tenant = await make_tenant()
    await venues.add_venue(core, tenant, name="Hall A", capacity=300)
    event = await events.create_event(core, tenant, name="Gala", starts="2026-07-01 19:00", venue="Hall A")
    assert event.capacity == 300 and event.venue_name == "Hall A"
    with pytest.raises(Invalid, match="capacity 500 is more than Hall A holds \\(300 seats\\)"):
        await events.create_event(core, tenant, name="Big", starts="2026-07-01 19:00", venue="Hall A", capacity=500)
    with pytest.raises(NotFound, match="There is no venue called “Hall B”"):
        await events.create_event(core, tenant, name="Big", starts="2026-07-01 19:00", venue="Hall B")
    assert await count(core, tenant, Event) == 1


async def test_venue_names_are_unique_whatever_the_case(core, make_tenant):
    tenant = await make_tenant()
    await venues.add_venue(core, tenant, name="Hall A", address="1 Main St", capacity=100)
    with pytest.raises(Invalid, match="already a venue called “hall a”"):
        await venues.add_venue(core, tenant, name="hall a")
    assert [v.name for v in await venues.list_venues(core, tenant)] == ["Hall A"]


async def test_ticket_capacities_never_promise_more_than_the_event(core, make_tenant):
    tenant = await make_tenant(currency="EUR")
    event = await events.create_event(core, tenant, name="Gala", starts="2026-07-01 19:00", capacity=300)
    await ticket_types.add_ticket_type(core, tenant, event=event.slug, name="VIP", price="80", capacity=100)
    with pytest.raises(Invalid, match="it holds 300 seats, and its other ticket types already promise 100; use capacity=200"):
        await ticket_types.add_ticket_type(core, tenant, event=event.slug, name="General", price="25", capacity=250)
    general = await ticket_types.add_ticket_type(core, tenant, event=event.slug, name="General", price="25,50", capacity=200)
    assert (general.price_cents, general.currency, general.slug) == (2550, "EUR", "general")
    with pytest.raises(Invalid, match="less than the 300 seats its ticket types promise"):
        await events.update_event(core, tenant, slug=event.slug, capacity=250)
    assert await count(core, tenant, Product) == 2


async def test_a_later_ticket_type_sells_in_its_events_currency_after_the_account_changes_its_own(core, make_tenant):
    tenant = await make_tenant(currency="EUR")
    event = await events.create_event(core, tenant, name="Gala", starts="2031-07-01 19:00", capacity=300)
    await ticket_types.add_ticket_type(core, tenant, event=event.slug, name="VIP", price="80", capacity=100)
    now_in_yen = replace(tenant, currency="JPY")

    general = await ticket_types.add_ticket_type(core, now_in_yen, event=event.slug, name="General", price="25.50")
    fresh = await events.create_event(core, now_in_yen, name="Tokyo Night", starts="2031-08-01 19:00")
    yen = await ticket_types.add_ticket_type(core, now_in_yen, event=fresh.slug, name="Entry", price="3000")

    # One checkout never mixes currencies: the gala stays in euros (cents read as euros), the new event is in yen.
    assert (general.currency, general.price_cents) == ("EUR", 2550)
    assert (yen.currency, yen.price_cents) == ("JPY", 3000)


async def test_concurrent_ticket_types_cannot_overpromise_the_event(core, make_tenant):
    tenant = await make_tenant()
    event = await events.create_event(core, tenant, name="Gala", starts="2026-07-01 19:00", capacity=300)
    results = await asyncio.gather(*[
        ticket_types.add_ticket_type(core, tenant, event=event.slug, name=f"Tier {n}", price="10", capacity=100) for n in range(5)
    ], return_exceptions=True)
    assert sum(isinstance(r, ticket_types.TicketType) for r in results) == 3
    assert all(isinstance(r, Invalid) for r in results if not isinstance(r, ticket_types.TicketType))
    async with core.db.tenant(tenant.account_id) as session:
        promised = (await session.execute(select(func.sum(Product.capacity)))).scalar_one()
    assert promised == 300


@pytest.mark.parametrize(("text", "currency", "cents"), [
    ("25", "EUR", 2500), ("25.00", "EUR", 2500), ("25,50", "EUR", 2550), ("25.5", "USD", 2550),
    ("€25", "EUR", 2500), ("25 EUR", "EUR", 2500), ("0", "EUR", 0), ("free", "USD", 0), ("3000", "JPY", 3000),
])
def test_prices_are_read_as_minor_units(text, currency, cents):
    assert parse_amount(text, currency) == cents


@pytest.mark.parametrize(("text", "message"), [
    ("-5", "cannot be negative"), ("25.999", "at most 2 decimals"), ("abc", "must be an amount like 25"),
])
async def test_bad_prices_are_refused_and_nothing_is_saved(core, make_tenant, text, message):
    tenant = await make_tenant()
    event = await events.create_event(core, tenant, name="Gala", starts="2026-07-01 19:00")
    with pytest.raises(Invalid, match=message):
        await ticket_types.add_ticket_type(core, tenant, event=event.slug, name="General", price=text)
    assert await count(core, tenant, Product) == 0


async def test_sales_end_is_read_in_the_event_zone_and_not_after_the_event_ends(core, make_tenant):
    tenant = await make_tenant(timezone="Europe/Berlin")
    event = await events.create_event(core, tenant, name="Gala", starts="2026-07-01 19:00", ends="2026-07-01 23:00")
    with pytest.raises(Invalid, match="sales_end 2026-07-02 10:00 Europe/Berlin is after the event ends"):
        await ticket_types.add_ticket_type(core, tenant, event=event.slug, name="Late", price="5", sales_end="2026-07-02 10:00")
    early = await ticket_types.add_ticket_type(core, tenant, event=event.slug, name="Early", price="5", sales_end="2026-06-01 00:00")
    assert early.sales_end == datetime(2026, 5, 31, 22, 0, tzinfo=UTC)
    with pytest.raises(Invalid, match="sells until 2026-06-01 00:00 Europe/Berlin, after the event would end"):
        await events.update_event(core, tenant, slug=event.slug, starts="2026-05-20 19:00", ends="2026-05-20 22:00")


async def test_a_cancelled_event_sells_nothing_and_cannot_change(core, make_tenant):
    tenant = await make_tenant()
    event = await events.create_event(core, tenant, name="Gala", starts="2026-07-01 19:00")
    ticket = await ticket_types.add_ticket_type(core, tenant, event=event.slug, name="General", price="25")
    with pytest.raises(NotReady, match="is a draft"):
        ticket_types.ensure_on_sale(event, ticket, now=NOW)
    published, changed = await events.publish_event(core, tenant, slug=event.slug)
    assert changed and published.status == "published"
    ticket_types.ensure_on_sale(published, ticket, now=NOW)
    cancelled, impact, changed = await events.cancel_event(core, tenant, slug=event.slug)
    assert changed and cancelled.status == "cancelled" and impact == events.Impact(0, 0, 0)
    with pytest.raises(Conflict, match="is cancelled; it sells nothing"):
        ticket_types.ensure_on_sale(cancelled, ticket, now=NOW)
    with pytest.raises(Conflict, match="is cancelled; its ticket types can no longer change"):
        await ticket_types.add_ticket_type(core, tenant, event=event.slug, name="More", price="5")
    with pytest.raises(Conflict, match="cannot be published again"):
        await events.publish_event(core, tenant, slug=event.slug)


async def test_publishing_needs_a_ticket_type(core, make_tenant):
    tenant = await make_tenant()
    event = await events.create_event(core, tenant, name="Gala", starts="2026-07-01 19:00")
    with pytest.raises(NotReady, match="Add a ticket type before publishing"):
        await events.publish_event(core, tenant, slug=event.slug)


async def test_sales_and_door_staff_read_but_cannot_change(core, make_tenant):
    owner = await make_tenant()
    event = await events.create_event(core, owner, name="Gala", starts="2026-07-01 19:00")
    await ticket_types.add_ticket_type(core, owner, event=event.slug, name="General", price="25")
    for role in ("sales", "door"):
        staff = await make_tenant(role=role)
        with pytest.raises(Forbidden, match="Only an organizer user \\(or higher\\) can create events"):
            await events.create_event(core, staff, name="Gala", starts="2026-07-01 19:00")
        with pytest.raises(Forbidden):
            await venues.add_venue(core, staff, name="Hall")
    sales = await make_tenant(role="sales")
    with pytest.raises(NotFound):
        await events.get_event_by_slug(core, sales, event.slug)  # another account: invisible
    organizer = await make_tenant(role="organizer")
    made = await events.create_event(core, organizer, name="Mine", starts="2026-07-01 19:00")
    assert made.slug == "mine"


async def test_catalog_lookups_for_sellers(core, make_tenant):
    tenant = await make_tenant(currency="GBP")
    event = await events.create_event(core, tenant, name="Gala", starts="2026-07-01 19:00", capacity=50)
    await ticket_types.add_ticket_type(core, tenant, event=event.slug, name="General", price="12.5", capacity=40)
    found = await events.get_event_by_slug(core, tenant, "GALA")
    ticket = await ticket_types.get_product(core, tenant, "gala", "general")
    assert (found.id, ticket.event_id, ticket.price_cents, ticket.currency, ticket.remaining) == (event.id, event.id, 1250, "GBP", 40)
    with pytest.raises(NotFound) as missing:
        await ticket_types.get_product(core, tenant, "gala", "vip")
    assert "has no ticket type `vip`. See `/ticket list gala`" in slack_sentence(missing.value)
    assert (missing.value.kind, missing.value.asked) == (Thing.TICKET_TYPE, "vip")


async def test_lowering_capacity_below_seats_held_is_refused(core, make_tenant, owner_engine):
    tenant = await make_tenant()
    event = await events.create_event(core, tenant, name="Gala", starts="2026-07-01 19:00", capacity=100)
    ticket = await ticket_types.add_ticket_type(core, tenant, event=event.slug, name="General", price="10", capacity=50)
    async with owner_engine.begin() as connection:
        await connection.execute(Product.__table__.update().where(Product.id == ticket.id).values(sold=30))
        await connection.execute(Event.__table__.update().where(Event.id == event.id).values(sold=30))
    with pytest.raises(Invalid, match="less than the 30 “General” seats already sold or held"):
        await ticket_types.update_ticket_type(core, tenant, event="gala", ticket="general", capacity=20)
    with pytest.raises(Invalid, match="less than the 50 seats its ticket types promise"):
        await events.update_event(core, tenant, slug="gala", capacity=25)
    await ticket_types.update_ticket_type(core, tenant, event="gala", ticket="general", capacity=None)
    with pytest.raises(Invalid, match="less than the 30 seats already sold or held"):
        await events.update_event(core, tenant, slug="gala", capacity=25)


async def test_venue_capacity_cannot_drop_below_an_upcoming_event(core, make_tenant):
    tenant = await make_tenant()
    await venues.add_venue(core, tenant, name="Hall A", capacity=300)
    await events.create_event(core, tenant, name="Gala", starts="2026-07-01 19:00", venue="Hall A", capacity=250)
    with pytest.raises(Invalid, match="cannot hold fewer seats than its event “Gala” promises \\(250 seats\\)"):
        await venues.set_venue_capacity(core, tenant, venue="hall a", capacity=200)
    changed = await venues.set_venue_capacity(core, tenant, venue="Hall A", capacity=260)
    assert changed.capacity == 260
    async with core.db.tenant(tenant.account_id) as session:
        assert (await session.execute(select(Venue.capacity))).scalar_one() == 260
