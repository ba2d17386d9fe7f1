"""Guest lists against real PostgreSQL: places under concurrency, promoter isolation, single admission."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.errors import Conflict, Forbidden, Invalid, NotFound, SoldOut
from core.guestlists import door, entries, lists, stats
from db.models import CheckIn, Event, GuestEntry, GuestList, Interaction
from tests.support import factories
from tests.support.guest_factories import colleague


async def seats(services, tenant, event_id) -> tuple[int, int]:
    async with services.db.tenant(tenant.account_id) as session:
        sold = (await session.execute(select(Event.sold).where(Event.id == event_id))).scalar_one()
        taken = (await session.execute(select(func.coalesce(func.sum(GuestList.taken), 0)).where(GuestList.event_id == event_id))).scalar_one()
        return sold, int(taken)


async def entry_count(services, tenant) -> int:
    async with services.db.tenant(tenant.account_id) as session:
        return (await session.execute(select(func.count()).select_from(GuestEntry))).scalar_one()


async def test_a_name_with_companions_takes_places_from_the_list_and_the_event(services, make_tenant):
    owner = await make_tenant()
    event = await factories.make_event(services, owner, capacity=100)
    await lists.set_up_list(services, owner, event=event.slug, name="vip", cap="10")

    added = await entries.add_guest(services, owner, event=event.slug, name="Anna Smith", companions="+2", list_name="vip")

    assert (added.list_name, added.companions, added.list_left) == ("vip", 2, 7)
    assert await seats(services, owner, event.id) == (3, 3)
    removed = await entries.remove_guest(services, owner, event=event.slug, name="anna smith")
    assert removed.name == "Anna Smith"
    assert await seats(services, owner, event.id) == (0, 0)


async def test_hundred_simultaneous_adds_on_a_list_with_twenty_places_keep_exactly_twenty(services, make_tenant):
    owner = await make_tenant()
    event = await factories.make_event(services, owner, capacity=500)
    await lists.set_up_list(services, owner, event=event.slug, name="door", cap=20)

    results = await asyncio.gather(
        *(entries.add_guest(services, owner, event=event.slug, name=f"Guest {i}", list_name="door") for i in range(100)),
        return_exceptions=True,
    )

    assert sum(isinstance(r, entries.GuestAdded) for r in results) == 20
    assert all(isinstance(r, entries.GuestAdded | SoldOut) for r in results)
    assert await entry_count(services, owner) == 20
    assert await seats(services, owner, event.id) == (20, 20)


async def test_hundred_simultaneous_adds_with_twenty_seats_left_in_the_room_keep_exactly_twenty(services, make_tenant):
    owner = await make_tenant()
    event = await factories.make_event(services, owner, capacity=20)

    results = await asyncio.gather(
        *(entries.add_guest(services, owner, event=event.slug, name=f"Guest {i}") for i in range(100)),
        return_exceptions=True,
    )

    refused = [r for r in results if not isinstance(r, entries.GuestAdded)]
    assert len(refused) == 80 and all(isinstance(r, SoldOut) for r in refused)
    assert await seats(services, owner, event.id) == (20, 20)


async def test_a_closed_list_refuses_a_promoters_names_with_the_time_it_closed(services, make_tenant):
    owner = await make_tenant()
    event = await factories.make_event(services, owner, timezone="Europe/Berlin")
    promoter = await colleague(services, owner, "promoter")
    await lists.set_up_list(services, owner, event=event.slug, name="early", closes="2027-01-01 20:00",
                            promoter_slack_id=promoter.slack_user_id)
    async with services.db.tenant(owner.account_id) as session:
        row = (await session.execute(select(GuestList).where(GuestList.name == "early"))).scalar_one()
        row.closes_at = datetime.now(UTC) - timedelta(minutes=1)
        closed_at = row.closes_at

    with pytest.raises(Conflict) as refused:
        await entries.add_guest(services, promoter, event=event.slug, name="Late Larry", list_name="early")

    assert refused.value.details["closed_at"] == closed_at
    assert "The early list closed at" in refused.value.message and "Europe/Berlin" in refused.value.message
    assert await entry_count(services, owner) == 0
    await entries.add_guest(services, owner, event=event.slug, name="Late Larry", list_name="early")
    assert await entry_count(services, owner) == 1


async def test_promoters_see_and_add_only_their_own(services, make_tenant):
    owner = await make_tenant()
    event = await factories.make_event(services, owner)
    ana = await colleague(services, owner, "promoter", name="Ana Promo")
    ben = await colleague(services, owner, "promoter", name="Ben Promo")

    await entries.add_guest(services, ana, event=event.slug, name="Ana's Friend", companions=1)
    await entries.add_guest(services, ben, event=event.slug, name="Ben's Friend")
    await entries.add_guest(services, owner, event=event.slug, name="Owner's Friend")

    ana_sees = await entries.list_guests(services, ana, event=event.slug)
    owner_sees = await entries.list_guests(services, owner, event=event.slug)
    assert [r.name for r in ana_sees.rows] == ["Ana's Friend"] and ana_sees.total == 1 and ana_sees.mine_only
    assert [r.list_name for r in ana_sees.rows] == ["ana-promo"]
    assert {r.name for r in owner_sees.rows} == {"Ana's Friend", "Ben's Friend", "Owner's Friend"}
    with pytest.raises(Forbidden):
        await entries.add_guest(services, ana, event=event.slug, name="Sneaky", list_name="ben-promo")
    with pytest.raises(Forbidden):
        await entries.add_guest(services, ana, event=event.slug, name="Sneaky", list_name="guests")
    with pytest.raises(NotFound):
        await entries.remove_guest(services, ana, event=event.slug, name="Ben's Friend")
    ana_stats = await stats.guest_stats(services, ana, event=event.slug)
    assert [(c.label, c.names, c.places) for c in ana_stats.promoters] == [("Ana Promo", 1, 2)]
    owner_stats = await stats.guest_stats(services, owner, event=event.slug)
    assert len(owner_stats.promoters) == 3 and {"Ana Promo", "Ben Promo"} <= {c.label for c in owner_stats.promoters}
    assert owner_stats.total.names == 3


async def test_door_staff_may_not_add_names(services, make_tenant):
    owner = await make_tenant()
    event = await factories.make_event(services, owner)
    door_user = await colleague(services, owner, "door")

    with pytest.raises(Forbidden):
        await entries.add_guest(services, door_user, event=event.slug, name="Nope")


async def test_a_guest_admitted_at_two_doors_at_once_is_admitted_once(services, make_tenant):
    owner = await make_tenant()
    event = await factories.make_event(services, owner)
    added = await entries.add_guest(services, owner, event=event.slug, name="Gina Guest", companions=2, email="gina@example.test")
    doors = [await colleague(services, owner, "door") for _ in range(2)]

    answers = await asyncio.gather(
        *(door.admit_guest(services, doors[i % 2], entry_id=added.entry_id, party=2 + i % 2) for i in range(10))
    )

    assert sorted(a.result for a in answers) == ["admitted"] + ["already_admitted"] * 9
    first = next(a for a in answers if a.result == "admitted")
    assert all(a.party == first.party for a in answers)
    async with services.db.tenant(owner.account_id) as session:
        admitted = (await session.execute(
            select(CheckIn.party).where(CheckIn.guest_entry_id == added.entry_id, CheckIn.result == "admitted")
        )).scalars().all()
        timeline = (await session.execute(select(Interaction.kind, Interaction.body).order_by(Interaction.occurred_at))).all()
    assert admitted == [first.party]
    assert [kind for kind, _ in timeline] == ["guestlist", "checkin"]
    counts = await stats.guest_stats(services, owner, event=event.slug)
    assert (counts.total.arrived, counts.total.people, counts.total.companions_in) == (1, first.party, first.party - 1)


async def test_a_party_larger_than_the_entry_is_refused_and_records_nothing(services, make_tenant):
    owner = await make_tenant()
    event = await factories.make_event(services, owner)
    added = await entries.add_guest(services, owner, event=event.slug, name="Solo Sam")

    with pytest.raises(Invalid):
        await door.admit_guest(services, owner, entry_id=added.entry_id, party=2)
    matches = await door.find_guests(services, owner, event_slug=event.slug, query="solo")
    assert [(m.name, m.admitted_at) for m in matches] == [("Solo Sam", None)]


async def test_an_import_saves_all_or_nothing(services, make_tenant):
    owner = await make_tenant()
    event = await factories.make_event(services, owner, capacity=5)

    with pytest.raises(Invalid) as bad:
        await entries.import_guests(services, owner, event=event.slug, text="Ann, ann@example.test, +1\nBob, not-an-email")
    assert bad.value.message.startswith("Line 2")
    with pytest.raises(SoldOut):
        await entries.import_guests(services, owner, event=event.slug, text="Ann, +2\nBob, +2")
    assert await entry_count(services, owner) == 0

    result = await entries.import_guests(services, owner, event=event.slug, text="Ann, ann@example.test, +1\n\nBob\nann")
    assert (result.added, result.places, result.already_listed) == (2, 3, ["ann"])
    assert await seats(services, owner, event.id) == (3, 3)


async def test_audiences_reach_guests_by_event_and_by_list_name(services, make_tenant):
    from core.campaigns import audiences
    from db.models import Contact

    owner = await make_tenant()
    gala = await factories.make_event(services, owner, slug="gala-guests")
    jazz = await factories.make_event(services, owner, slug="jazz-guests")
    await entries.add_guest(services, owner, event=gala.slug, name="Vera Vip", email="vera@example.test", list_name="vip")
    await entries.add_guest(services, owner, event=jazz.slug, name="Paul Plain", email="paul@example.test")
    added = await entries.add_guest(services, owner, event=jazz.slug, name="Nina Nomail", list_name="vip")
    await door.admit_guest(services, owner, entry_id=added.entry_id)

    async def emails(text: str) -> set[str]:
        async with services.db.tenant(owner.account_id) as session:
            bound = await audiences.bind(session, audiences.parse(text))
            return set((await session.scalars(select(Contact.email).where(bound.condition()))).all())

    assert await emails("event:gala-guests:guestlist") == {"vera@example.test"}
    assert await emails("list:vip") == {"vera@example.test"}
    assert await emails("event:jazz-guests:guestlist and not list:vip") == {"paul@example.test"}
    assert audiences.parse("list:VIP or event:gala-guests:guest-list").text == "list:vip or event:gala-guests:guestlist"
    with pytest.raises(NotFound):
        await emails("list:nobody")


async def test_the_checkin_digest_counts_guests_per_promoter(services, make_tenant):
    from bot.digests.notices import digest as digest_words
    from core.digests import analytics, reports
    from core.digests.notices import Digest

    owner = await make_tenant()
    event = await factories.make_event(services, owner, name="Club", timezone="UTC",
                                       starts_at=datetime.now(UTC) - timedelta(hours=1))
    promoter = await colleague(services, owner, "promoter", name="Ana Promo")
    came = await entries.add_guest(services, promoter, event=event.slug, name="Came Along", companions=2)
    await entries.add_guest(services, promoter, event=event.slug, name="Stayed Home")
    await door.admit_guest(services, owner, entry_id=came.entry_id, party=2)

    now = datetime.now(UTC)
    async with services.db.tenant(owner.account_id) as session:
        await analytics.roll_up(session, owner.account_id, now=now)
        digest = await reports.checkin_digest(session, day=now.date(), now=now)
    [doors] = digest.events
    text = digest_words(Digest(sales=None, checkins=digest, currency="EUR", timezone="UTC"))

    assert (doors.guests.total.names, doors.guests.total.arrived, doors.guests.total.people) == (2, 1, 2)
    assert "Guest lists: 1 of 2 names arrived, 2 people in · Ana Promo 1/2 (+1)" in str(text)


async def test_a_cancelled_or_finished_event_takes_no_guests(services, make_tenant):
    owner = await make_tenant()
    cancelled = await factories.make_event(services, owner, status="cancelled")
    over = await factories.make_event(services, owner, starts_at=datetime.now(UTC) - timedelta(hours=6),
                                      ends_at=datetime.now(UTC) - timedelta(hours=1))

    with pytest.raises(Conflict):
        await entries.add_guest(services, owner, event=cancelled.slug, name="Too Late")
    with pytest.raises(Invalid):
        await entries.add_guest(services, owner, event=over.slug, name="Too Late")
    assert await entry_count(services, owner) == 0


async def test_a_merged_contact_takes_its_guest_list_entries_along(services, make_tenant):
    from core.crm import contacts

    owner = await make_tenant()
    event = await factories.make_event(services, owner)
    await contacts.add_contact(services, owner, email="ann@acme.test", name="Ann Lee")
    added = await entries.add_guest(services, owner, event=event.slug, name="Ann Lee", email="ann.old@example.test")

    survivor = await contacts.merge_contacts(services, owner, duplicate="ann.old@example.test", survivor="ann@acme.test")

    async with services.db.tenant(owner.account_id) as session:
        assert (await session.get(GuestEntry, added.entry_id)).contact_id == survivor.id
