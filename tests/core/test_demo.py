"""seed-demo: a tour of everything, marked as demo data, added once by its own marker, and removable."""

import asyncio
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from core import demo
from core.campaigns import campaigns
from core.crm import contacts
from core.errors import Conflict, NotFound
from core.events import events, ticket_types
from core.money.amounts import Money
from core.sales import orders, promos, tallies
from db.models import (
    Attendee,
    Campaign,
    CheckIn,
    Company,
    ConsentChange,
    Contact,
    Demo,
    DemoRow,
    DigestSubscription,
    Event,
    Interaction,
    Order,
    OrderLine,
    Payment,
    Product,
    PromoCode,
    Ticket,
    TrackedLink,
    Venue,
)

TABLES = (
    Event, Venue, Product, Order, OrderLine, Payment, Attendee, Ticket, CheckIn, Contact, Company, ConsentChange,
    Interaction, Campaign, DigestSubscription, PromoCode, TrackedLink, Demo, DemoRow,
)
CHANNEL = "C0DEMO"


async def counts(services, tenant) -> dict[str, int]:
    async with services.db.tenant(tenant.account_id) as session:
        return {m.__tablename__: await session.scalar(select(func.count()).select_from(m)) for m in TABLES}


@pytest.fixture
async def tenant(make_tenant):
    return replace(await make_tenant(), channel_id=CHANNEL)


async def own_business(services, tenant) -> None:
    """The user's own data, made before the demo: the docs' example event, a contact and a sale."""
    gala = await events.create_event(services, tenant, name="Summer Gala", starts="2031-07-01 19:00", capacity=50)
    assert gala.slug == "summer-gala"
    await ticket_types.add_ticket_type(services, tenant, event="summer-gala", name="Standard", price="20")
    await events.publish_event(services, tenant, slug="summer-gala")
    await contacts.add_contact(services, tenant, email="own@customer.example", name="Own Customer")
    await orders.comp(services, tenant, event="summer-gala", ticket="standard", email="own@customer.example")


async def test_the_demo_is_a_tour_of_everything(services, tenant):
    summary = await demo.seed_demo(services, tenant)

    assert summary.created and len(summary.events) == 3
    async with services.db.tenant(tenant.account_id) as session:
        demo_events = (await session.execute(select(Event).order_by(Event.starts_at))).scalars().all()
        assert all(e.name.endswith(" (demo)") and e.status == "published" for e in demo_events)
        gala = next(e for e in demo_events if e.name == "Summer Gala (demo)")
        assert gala.venue_id is not None and gala.slug != "summer-gala"
        assert await session.scalar(select(func.count()).select_from(Product).where(Product.event_id == gala.id)) == 3
        people = (await session.execute(select(Contact))).scalars().all()
        assert len(people) == len(demo.PEOPLE) and all(c.email_consent for c in people)
        statuses = (await session.execute(select(Order.status, Order.kind))).all()
        assert ("refunded", "sale") in statuses and ("paid", "comp") in statuses
        assert await session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.result == "admitted")) == 2
        kinds = set((await session.execute(select(Interaction.kind))).scalars())
        assert {"call", "meeting", "note", "purchase", "refund", "checkin"} <= kinds
        [subscription] = (await session.execute(select(DigestSubscription))).scalars().all()
        assert subscription.channel_id == CHANNEL
        marked = {(r.kind, r.row_id) for r in (await session.execute(select(DemoRow))).scalars()}
    assert {("event", e.id) for e in demo_events} <= marked
    assert {("contact", c.id) for c in people} <= marked
    assert ("digest_subscription", subscription.id) in marked
    # A percentage code with two of its uses taken by a paid order, and a tracked link that sold one.
    report = await promos.show_promo(services, tenant, code=demo.PROMO_CODE)
    assert (report.promo.percent_off, report.promo.max_uses, report.promo.used) == (20, 20, 2)
    assert (report.orders, report.tickets_paid, report.discount) == (1, 2, (Money(2 * 700, tenant.currency),))
    assert ("promo_code", report.promo.id) in marked
    async with services.db.tenant(tenant.account_id) as session:
        [link] = (await session.execute(select(TrackedLink))).scalars().all()
        by_source = (await tallies.event_orders(session, gala.id)).sources
    assert (link.event_id, link.source) == (gala.id, demo.LINK_SOURCE) and ("tracked_link", link.id) in marked
    assert [(s.channel, s.orders, s.tickets) for s in by_source if s.source == demo.LINK_SOURCE] == [("web", 1, 1)]
    preview = await campaigns.preview_campaign(services, tenant, slug=summary.campaign)
    assert preview.reachable >= 3  # the vips and the meetup's guest, all with email consent


async def test_a_second_run_changes_nothing(services, tenant):
    first = await demo.seed_demo(services, tenant)
    before = await counts(services, tenant)

    again = await demo.seed_demo(services, tenant)

    assert not again.created and set(again.events) == set(first.events)
    assert await counts(services, tenant) == before


async def test_two_runs_at_once_add_the_demo_once(services, tenant):
    results = await asyncio.gather(demo.seed_demo(services, tenant), demo.seed_demo(services, tenant))

    assert sorted(r.created for r in results) == [False, True]
    async with services.db.tenant(tenant.account_id) as session:
        assert await session.scalar(select(func.count()).select_from(Event)) == 3
        assert await session.scalar(select(func.count()).select_from(Demo)) == 1


async def test_the_users_own_summer_gala_neither_stops_the_demo_nor_is_touched_by_it(services, tenant):
    await own_business(services, tenant)
    async with services.db.tenant(tenant.account_id) as session:
        own = (await session.execute(select(Event).where(Event.slug == "summer-gala"))).scalar_one()
        own_before = (own.name, own.sold, own.capacity, own.status)

    summary = await demo.seed_demo(services, tenant)

    assert summary.created and "summer-gala" not in summary.events
    async with services.db.tenant(tenant.account_id) as session:
        own = (await session.execute(select(Event).where(Event.slug == "summer-gala"))).scalar_one()
        assert (own.name, own.sold, own.capacity, own.status) == own_before
        assert own.id not in set((await session.execute(select(DemoRow.row_id))).scalars())
    assert (await events.get_event_by_slug(services, tenant, "summer-gala")).name == "Summer Gala"


async def test_removing_the_demo_deletes_its_rows_and_only_those(services, tenant):
    await own_business(services, tenant)
    before = await counts(services, tenant)
    await demo.seed_demo(services, tenant)

    removed = await demo.remove_demo(services, tenant)

    assert (removed.events, removed.contacts) == (3, len(demo.PEOPLE))
    assert await counts(services, tenant) == before
    with pytest.raises(NotFound, match="no demo data"):
        await demo.remove_demo(services, tenant)
    # Removed, the demo can be added again.
    assert (await demo.seed_demo(services, tenant)).created


async def test_the_accounts_own_promo_code_of_the_same_name_is_neither_used_nor_removed(services, tenant):
    await own_business(services, tenant)
    mine = await promos.add_promo(services, tenant, event="summer-gala", code=demo.PROMO_CODE, percent=5)
    before = await counts(services, tenant)

    summary = await demo.seed_demo(services, tenant)
    assert (await promos.show_promo(services, tenant, code=demo.PROMO_CODE)).orders == 0
    await demo.remove_demo(services, tenant)

    assert summary.created and await counts(services, tenant) == before
    kept = (await promos.show_promo(services, tenant, code=demo.PROMO_CODE)).promo
    assert (kept.id, kept.event_slug, kept.percent_off, kept.used) == (mine.id, "summer-gala", 5, 0)


async def test_a_contact_the_account_had_already_is_used_by_the_demo_and_kept_when_it_goes(services, tenant):
    await contacts.add_contact(services, tenant, email=demo.ADA[0], name="Ada (mine)")
    await demo.seed_demo(services, tenant)

    await demo.remove_demo(services, tenant)

    async with services.db.tenant(tenant.account_id) as session:
        [kept] = (await session.execute(select(Contact))).scalars().all()
        assert (kept.email, kept.first_name) == (demo.ADA[0], "Ada")
        # Her demo timeline went with the demo.
        assert (await session.execute(select(Interaction.kind).where(Interaction.contact_id == kept.id))).all() == []


async def test_the_demo_stays_when_the_users_own_data_points_at_it(services, tenant):
    summary = await demo.seed_demo(services, tenant)
    gala = summary.events[0]
    await campaigns.create_campaign(
        services, tenant, name="My own invite", audience="all", template="announcement", subject="Come", event=gala,
    )
    before = await counts(services, tenant)

    with pytest.raises(Conflict, match="Some of your own data points at the demo"):
        await demo.remove_demo(services, tenant)

    assert await counts(services, tenant) == before


async def test_only_an_admin_adds_or_removes_the_demo(services, make_tenant):
    organizer = await make_tenant(role="organizer")
    with pytest.raises(Exception, match="Only an admin"):
        await demo.seed_demo(services, organizer)
    assert (await counts(services, organizer))["demos"] == 0
