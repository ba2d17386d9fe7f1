"""Guests at the door: find a name on an event's lists and admit it once, with how many came in.

The partial unique index uq_check_ins_guest_admitted (one `admitted` check-in per entry) decides
who admits an entry, exactly as uq_check_ins_admitted does for a ticket: INSERT … ON CONFLICT DO
NOTHING waits for a concurrent admission of the same entry, so two doors never both admit it.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts.permissions import Action, require
from core.context import TenantContext
from core.crm.interactions import record_interaction
from core.door.tokens import resolve_door_token
from core.errors import Invalid, NotFound
from core.events.events import load_event
from core.services import Services
from db.enums import CheckinResult, EventStatus
from db.models import CheckIn, DoorToken, Event, GuestEntry, GuestList, User

SEARCH_LIMIT = 10

check_ins_t = CheckIn.__table__


@dataclass(frozen=True)
class GuestMatch:
    entry_id: uuid.UUID
    name: str
    companions: int
    list_name: str
    note: str | None
    admitted_at: datetime | None
    party: int | None
    admitted_by: str | None


@dataclass(frozen=True)
class GuestAdmission:
    result: str  # admitted | already_admitted | not_valid (the event was cancelled)
    name: str
    list_name: str
    event_name: str
    timezone: str
    party: int  # people in with this entry: now, or at the first admission
    companions: int
    at: datetime
    by: str | None


@dataclass(frozen=True)
class Door:
    """Who admits: a Slack user, or a scanner's door token (limited to its event)."""

    source: str  # slack | scan | api
    user_id: uuid.UUID | None = None
    door_token_id: uuid.UUID | None = None
    event_id: uuid.UUID | None = None


def _admission():
    """Each entry's admitted check-in with its party, time and who let it in."""
    return (
        select(
            CheckIn.guest_entry_id, CheckIn.party, CheckIn.scanned_at,
            func.coalesce(DoorToken.name, User.name).label("by"),
        )
        .outerjoin(DoorToken, and_(DoorToken.account_id == CheckIn.account_id, DoorToken.id == CheckIn.door_token_id))
        .outerjoin(User, and_(User.account_id == CheckIn.account_id, User.id == CheckIn.user_id))
        .where(CheckIn.result == CheckinResult.ADMITTED, CheckIn.guest_entry_id.is_not(None))
    )


async def find_guests(services: Services, tenant: TenantContext, *, event_slug: str, query: str) -> list[GuestMatch]:
    """An event's guest-list names starting with `query` (or with that email), door role and up."""
    require(tenant, Action.CHECK_PEOPLE_IN)
    async with services.db.tenant(tenant.account_id) as session:
        event = await load_event(session, event_slug)
        return await search(session, event.id, query)


async def search(session: AsyncSession, event_id: uuid.UUID, query: str) -> list[GuestMatch]:
    """The matching entries of one event, A to Z, with their admission if any."""
    query = " ".join((query or "").split()).lower()
    if not query:
        raise Invalid("Say whom to find: a name, or the start of one.")
    admission = _admission().subquery()
    rows = await session.execute(
        select(
            GuestEntry.id, GuestEntry.name, GuestEntry.companions, GuestList.name, GuestEntry.note,
            admission.c.scanned_at, admission.c.party, admission.c.by,
        )
        .join(GuestList, and_(GuestList.account_id == GuestEntry.account_id, GuestList.id == GuestEntry.list_id))
        .outerjoin(admission, admission.c.guest_entry_id == GuestEntry.id)
        .where(
            GuestEntry.event_id == event_id,
            or_(func.lower(GuestEntry.name).startswith(query, autoescape=True), GuestEntry.email == query),
        )
        .order_by(func.lower(GuestEntry.name), GuestEntry.id)
        .limit(SEARCH_LIMIT)
    )
    return [GuestMatch(*row) for row in rows]


async def admit_guest(
    services: Services, tenant: TenantContext, *, entry_id: uuid.UUID, party: int | None = None
) -> GuestAdmission:
    """Admit a guest-list entry with `party` people (default: the guest and every companion), once."""
    require(tenant, Action.CHECK_PEOPLE_IN)
    async with services.db.tenant(tenant.account_id) as session:
        return await admit(session, services, tenant.account_id, Door("slack", user_id=tenant.user_id), entry_id, party)


async def admit(
    session: AsyncSession, services: Services, account_id: uuid.UUID, door: Door, entry_id: uuid.UUID, party: int | None
) -> GuestAdmission:
    """Record one admission attempt of an entry and answer it (the caller's transaction, any door)."""
    found = (
        await session.execute(
            select(GuestEntry, GuestList.name.label("list_name"), Event.name.label("event_name"), Event.timezone,
                   Event.status)
            .join(GuestList, and_(GuestList.account_id == GuestEntry.account_id, GuestList.id == GuestEntry.list_id))
            .join(Event, and_(Event.account_id == GuestEntry.account_id, Event.id == GuestEntry.event_id))
            .where(GuestEntry.id == entry_id)
            # FOR KEY SHARE: a removal running at the same time finishes first (and this finds nothing)
            # or waits for this admission; concurrent admissions do not block each other on it.
            .with_for_update(read=True, key_share=True, of=GuestEntry)
        )
    ).first()
    if found is None or (door.event_id is not None and found.GuestEntry.event_id != door.event_id):
        raise NotFound("That name is no longer on the guest list; search again.")
    entry = found.GuestEntry
    most = 1 + entry.companions
    party = most if party is None else party
    if not 1 <= party <= most:
        raise Invalid(f"{entry.name} can come in with 1 to {most} people, not {party}.", field="party")
    now = services.clock.now()
    answer = GuestAdmission(CheckinResult.ADMITTED, entry.name, found.list_name, found.event_name, found.timezone, party,
                            entry.companions, now, None)
    if found.status == EventStatus.CANCELLED:
        await _record(session, account_id, door, entry, now, CheckinResult.NOT_VALID, None)
        return GuestAdmission(CheckinResult.NOT_VALID, entry.name, found.list_name, found.event_name, found.timezone, 0,
                              entry.companions, now, None)
    if await _record(session, account_id, door, entry, now, CheckinResult.ADMITTED, party) is not None:
        if entry.contact_id is not None:
            await record_interaction(
                session, account_id, contact_id=entry.contact_id, kind="checkin",
                body=f"Checked in at {found.event_name} from the {found.list_name} guest list ({_people(party)})",
                occurred_at=now, user_id=door.user_id, source_key=f"checkin:guest:{entry.id}",
            )
        return answer
    first = (await session.execute(_admission().where(CheckIn.guest_entry_id == entry.id))).one()
    await _record(session, account_id, door, entry, now, CheckinResult.ALREADY_ADMITTED, None)
    return GuestAdmission(CheckinResult.ALREADY_ADMITTED, entry.name, found.list_name, found.event_name, found.timezone,
                          first.party, entry.companions, first.scanned_at, first.by)


def _people(party: int) -> str:
    return "1 person" if party == 1 else f"{party} people"


async def _record(
    session: AsyncSession, account_id: uuid.UUID, door: Door, entry: GuestEntry, at: datetime, result: str,
    party: int | None,
) -> uuid.UUID | None:
    """Insert the attempt; None when it is an admission and the entry was admitted already."""
    return (
        await session.execute(
            insert(check_ins_t)
            .values(
                account_id=account_id, event_id=entry.event_id, guest_entry_id=entry.id, party=party, result=result,
                source=door.source, user_id=door.user_id, door_token_id=door.door_token_id, scanned_at=at,
                answer={"result": result, "guest": {"name": entry.name}},
            )
            .on_conflict_do_nothing()
            .returning(check_ins_t.c.id)
        )
    ).scalar_one_or_none()


async def find_at_door(services: Services, *, token: str | None, query: str) -> list[GuestMatch]:
    """The scanner page's search: names on the lists of the token's event; DoorTokenRefused for a bad token."""
    access = await resolve_door_token(services, token)
    async with services.db.tenant(access.account_id) as session:
        return await search(session, access.event_id, query)


async def admit_at_door(
    services: Services, *, token: str | None, entry_id: uuid.UUID, party: int | None, source: str = "scan"
) -> GuestAdmission:
    """The scanner page's Admit: the entry must be on the token's event."""
    access = await resolve_door_token(services, token)
    door = Door(source if source in ("api", "scan") else "scan", door_token_id=access.token_id, event_id=access.event_id)
    async with services.db.tenant(access.account_id) as session:
        return await admit(session, services, access.account_id, door, entry_id, party)
