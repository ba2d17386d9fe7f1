"""Names on guest lists: add one, import many, remove one, list them.

A name takes places (the guest and companions) from its list's cap and from the event's capacity
with the same conditional UPDATEs a sale uses (`sold + n <= capacity`), in the transaction that
inserts the entry, so no interleaving of promoters overfills a list or the room. Locks follow one
order everywhere: the entry, the list row, then the event row (last, as in a sale, so the event's
hot row stays locked only until commit).
"""

import uuid
from dataclasses import dataclass

from sqlalchemy import and_, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts.permissions import Action, require
from core.context import TenantContext
from core.crm import contacts
from core.crm.interactions import record_interaction
from core.errors import Conflict, NotFound, SoldOut
from core.events.events import load_event
from core.guestlists import access, lists
from core.guestlists._lines import GuestLine, guest_name, read_lines
from core.guestlists._lines import companions as read_companions
from core.sales import orders
from core.services import Services
from core.text.names import clean_text
from db.enums import CheckinResult
from db.models import CheckIn, Event, GuestEntry, GuestList, User

MAX_NOTE = 300
SHOWN = 200

entries_t = GuestEntry.__table__
events_t = Event.__table__


@dataclass(frozen=True)
class GuestAdded:
    entry_id: uuid.UUID
    name: str
    companions: int
    list_name: str
    event_slug: str
    event_name: str
    email: str | None
    list_left: int | None  # places left on the list, None without a cap


@dataclass(frozen=True)
class ImportResult:
    event_slug: str
    event_name: str
    list_name: str
    added: int
    places: int
    already_listed: list[str]


@dataclass(frozen=True)
class GuestRemoved:
    name: str
    companions: int
    list_name: str
    event_name: str


@dataclass(frozen=True)
class GuestRow:
    id: uuid.UUID
    name: str
    companions: int
    list_name: str
    email: str | None
    note: str | None
    promoter: str | None
    arrived: int | None  # people admitted with this entry, None when not yet


@dataclass(frozen=True)
class GuestListing:
    event_slug: str
    event_name: str
    list_name: str | None
    rows: list[GuestRow]
    total: int
    mine_only: bool


# ----- adding ---------------------------------------------------------------------------------


async def add_guest(
    services: Services, tenant: TenantContext, *, event: str, name: str, companions: int | str | None = 0,
    list_name: str | None = None, email: str | None = None, note: str | None = None,
) -> GuestAdded:
    """Put a name on a list (promoters: their own); SoldOut when the list or the event has too few places."""
    require(tenant, Action.ADD_NAMES_TO_GUEST_LISTS)
    line = GuestLine(guest_name(name), contacts.normalize_email(email) if email else None, read_companions(companions))
    note = clean_text(note, field="note", limit=MAX_NOTE)
    lists.list_name(list_name)

    async def add(session: AsyncSession) -> GuestAdded:
        row_event = await load_event(session, event)
        guest_list = await lists.for_adding(session, services, tenant, row_event, list_name)
        entry_id = await _insert(session, services, tenant, row_event, guest_list, line, note)
        if entry_id is None:
            raise Conflict(f"“{line.name}” is already on a guest list of {row_event.name}.", field="name")
        left = await _take(session, row_event, guest_list, 1 + line.companions)
        return GuestAdded(
            entry_id, line.name, line.companions, guest_list.name, row_event.slug, row_event.name, line.email, left
        )

    return await _with_places(services, tenant, add)


async def import_guests(
    services: Services, tenant: TenantContext, *, event: str, text: str, list_name: str | None = None
) -> ImportResult:
    """Add pasted lines all at once or none: one bad line or too few places saves nothing. Names already listed are skipped."""
    require(tenant, Action.ADD_NAMES_TO_GUEST_LISTS)
    guests = read_lines(text)
    lists.list_name(list_name)

    async def add_all(session: AsyncSession) -> ImportResult:
        row_event = await load_event(session, event)
        guest_list = await lists.for_adding(session, services, tenant, row_event, list_name)
        added, places, skipped = 0, 0, []
        for line in guests:
            if await _insert(session, services, tenant, row_event, guest_list, line, None) is None:
                skipped.append(line.name)
            else:
                added, places = added + 1, places + 1 + line.companions
        if places:
            await _take(session, row_event, guest_list, places)
        return ImportResult(row_event.slug, row_event.name, guest_list.name, added, places, skipped)

    return await _with_places(services, tenant, add_all)


async def _insert(
    session: AsyncSession, services: Services, tenant: TenantContext, event: Event, guest_list: GuestList,
    line: GuestLine, note: str | None,
) -> uuid.UUID | None:
    """Insert the entry (None when the name is on the event's lists already); with an email, link its contact and timeline."""
    entry_id = (
        await session.execute(
            insert(entries_t)
            .values(
                account_id=tenant.account_id, event_id=event.id, list_id=guest_list.id, name=line.name,
                companions=line.companions, email=line.email, note=note, promoter_id=tenant.user_id,
            )
            .on_conflict_do_nothing()
            .returning(entries_t.c.id)
        )
    ).scalar_one_or_none()
    if entry_id is not None and line.email:
        contact_id = await contacts.upsert_contact(session, tenant.account_id, email=line.email, name=line.name)
        await session.execute(update(entries_t).where(entries_t.c.id == entry_id).values(contact_id=contact_id))
        plus = f" (+{line.companions})" if line.companions else ""
        await record_interaction(
            session, tenant.account_id, contact_id=contact_id, kind="guestlist",
            body=f"On the {guest_list.name} guest list for {event.name}{plus}", occurred_at=services.clock.now(),
            user_id=tenant.user_id, source_key=f"guestlist:{entry_id}",
        )
    return entry_id


async def _take(session: AsyncSession, event: Event, guest_list: GuestList, places: int) -> int | None:
    """The list's places, then the event's seats (a draft's too: guest lists fill before sales open); places left on the list."""
    left = await lists.take_places(session, guest_list, places)
    await orders.take_event_seats(session, event, places, comp=True)
    return left


async def _with_places(services: Services, tenant: TenantContext, work):
    """Run `work` in one transaction; when the event is full, release its lapsed holds once and try again."""
    for attempt in (1, 2):
        try:
            async with services.db.tenant(tenant.account_id) as session:
                return await work(session)
        except orders.Full as full:
            if attempt == 1 and await orders.release_expired_holds(services, tenant.account_id, event_id=full.event_id):
                continue
            raise _event_full(full) from None
    raise AssertionError("unreachable")


def _event_full(full: orders.Full) -> SoldOut:
    if full.remaining <= 0:
        return SoldOut(f"{full.what} is full: no seats are left for guests.", remaining=0)
    seats = "seat is" if full.remaining == 1 else "seats are"
    return SoldOut(f"Only {full.remaining} {seats} left at {full.what}.", remaining=full.remaining)


# ----- removing -------------------------------------------------------------------------------


async def remove_guest(services: Services, tenant: TenantContext, *, event: str, name: str) -> GuestRemoved:
    """Take a name off its list and give its places back (promoters: only names they added)."""
    require(tenant, Action.REMOVE_NAMES_FROM_GUEST_LISTS)
    wanted = guest_name(name)
    async with services.db.tenant(tenant.account_id) as session:
        row_event = await load_event(session, event)
        query = (
            select(GuestEntry, GuestList.name.label("list_name"))
            .join(GuestList, and_(GuestList.account_id == GuestEntry.account_id, GuestList.id == GuestEntry.list_id))
            .where(GuestEntry.event_id == row_event.id, func.lower(GuestEntry.name) == wanted.lower())
            .with_for_update(of=GuestEntry)
        )
        if (mine := access.owner_filter(tenant)) is not None:
            query = query.where(GuestEntry.promoter_id == mine)
        found = (await session.execute(query)).first()
        if found is None:
            raise NotFound(f"“{wanted}” is not on your guest lists for {row_event.name}.", field="name")
        entry = found.GuestEntry
        admitted = (
            await session.execute(
                select(CheckIn.scanned_at).where(CheckIn.guest_entry_id == entry.id, CheckIn.result == CheckinResult.ADMITTED)
            )
        ).scalar_one_or_none()
        if admitted is not None:
            raise Conflict(f"“{entry.name}” has already come in; an admitted guest stays on the list.", field="name")
        places = 1 + entry.companions
        await session.delete(entry)
        await session.flush()
        await lists.give_back_places(session, entry.list_id, places)
        await session.execute(update(events_t).where(events_t.c.id == row_event.id).values(sold=events_t.c.sold - places))
        return GuestRemoved(entry.name, entry.companions, found.list_name, row_event.name)


# ----- listing --------------------------------------------------------------------------------


async def list_guests(services: Services, tenant: TenantContext, *, event: str, list_name: str | None = None) -> GuestListing:
    """The names on an event's lists, A to Z (promoters: their own), with who has arrived."""
    require(tenant, Action.SEE_GUEST_LISTS)
    only = lists.list_name(list_name)
    async with services.db.tenant(tenant.account_id) as session:
        row_event = await load_event(session, event)
        conditions = [GuestEntry.event_id == row_event.id]
        if only:
            conditions.append(GuestList.name == only)
        if (mine := access.owner_filter(tenant)) is not None:
            conditions.append(GuestEntry.promoter_id == mine)
        arrived = (
            select(CheckIn.party)
            .where(CheckIn.guest_entry_id == GuestEntry.id, CheckIn.result == CheckinResult.ADMITTED)
            .scalar_subquery()
        )
        joined = (
            select(
                GuestEntry.id, GuestEntry.name, GuestEntry.companions, GuestList.name.label("list_name"),
                GuestEntry.email, GuestEntry.note, User.name.label("promoter"), arrived.label("arrived"),
            )
            .join(GuestList, and_(GuestList.account_id == GuestEntry.account_id, GuestList.id == GuestEntry.list_id))
            .outerjoin(User, and_(User.account_id == GuestEntry.account_id, User.id == GuestEntry.promoter_id))
            .where(*conditions)
        )
        rows = (await session.execute(joined.order_by(func.lower(GuestEntry.name), GuestEntry.id).limit(SHOWN))).all()
        total = (
            await session.execute(
                select(func.count()).select_from(GuestEntry)
                .join(GuestList, and_(GuestList.account_id == GuestEntry.account_id, GuestList.id == GuestEntry.list_id))
                .where(*conditions)
            )
        ).scalar_one()
    return GuestListing(
        row_event.slug, row_event.name, only, [GuestRow(*row) for row in rows], total, mine is not None
    )
