"""Venues: where events happen, with an optional seat limit every event there stays under."""

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts.permissions import Action, require
from core.context import TenantContext
from core.errors import Invalid, Next, NextStep, NotFound, Thing
from core.services import Services
from core.text import names
from core.time import local_time
from db.enums import EventStatus
from db.models import Event, Venue

MAX_ADDRESS = 300


@dataclass(frozen=True)
class VenueInfo:
    id: uuid.UUID
    name: str
    address: str | None
    capacity: int | None
    timezone: str | None


def _info(venue: Venue) -> VenueInfo:
    return VenueInfo(venue.id, venue.name, venue.address, venue.capacity, venue.timezone)


async def add_venue(
    services: Services, tenant: TenantContext, *, name: str, address: str | None = None,
    capacity: int | str | None = None, timezone: str | None = None,
) -> VenueInfo:
    """Add a venue; its name is unique in the account, whatever the letter case."""
    require(tenant, Action.ADD_VENUES)
    values = {
        "account_id": tenant.account_id,
        "name": names.clean_name(name),
        "address": names.clean_text(address, field="address", limit=MAX_ADDRESS),
        "capacity": names.capacity(capacity),
        "timezone": local_time.zone(timezone).key if timezone else None,
    }
    async with services.db.tenant(tenant.account_id) as session:
        venue = (
            await session.execute(
                insert(Venue).values(**values)
                .on_conflict_do_nothing(index_elements=[Venue.account_id, text("lower(name)")])
                .returning(Venue)
            )
        ).scalar_one_or_none()
    if venue is None:
        raise Invalid(f"There is already a venue called “{values['name']}”; pick it, or choose another name.", field="name")
    return _info(venue)


async def list_venues(services: Services, tenant: TenantContext, *, query: str = "", limit: int = 100) -> list[VenueInfo]:
    """Venues by name; with `query`, those whose name contains it (typeahead)."""
    async with services.db.tenant(tenant.account_id) as session:
        statement = select(Venue).order_by(func.lower(Venue.name), Venue.id).limit(limit)
        if query.strip():
            statement = statement.where(Venue.name.icontains(query.strip(), autoescape=True))
        return [_info(v) for v in (await session.execute(statement)).scalars()]


async def count_venues(services: Services, tenant: TenantContext) -> int:
    async with services.db.tenant(tenant.account_id) as session:
        return (await session.execute(select(func.count()).select_from(Venue))).scalar_one()


async def lock_venue(session: AsyncSession, venue: str | uuid.UUID, *, exclusive: bool = False) -> Venue:
    """The venue by id or by name (any case), locked so its capacity holds until commit."""
    statement = select(Venue).with_for_update(read=not exclusive, key_share=exclusive)
    if isinstance(venue, uuid.UUID):
        statement = statement.where(Venue.id == venue)
    else:
        statement = statement.where(func.lower(Venue.name) == names.clean_name(venue, field="venue").lower())
    found = (await session.execute(statement)).scalar_one_or_none()
    if found is None:
        shown = "That venue no longer exists" if isinstance(venue, uuid.UUID) else f"There is no venue called “{venue}”"
        raise NotFound(
            f"{shown}.", kind=Thing.VENUE, asked=None if isinstance(venue, uuid.UUID) else venue,
            next_step=Next.to(NextStep.ADD_VENUE), field="venue",
        )
    return found


async def set_venue_capacity(services: Services, tenant: TenantContext, *, venue: str | uuid.UUID, capacity: int | str | None) -> VenueInfo:
    """Change a venue's seat limit; refused below the capacity of an event still to come there."""
    require(tenant, Action.CHANGE_VENUES)
    seats = names.capacity(capacity)
    async with services.db.tenant(tenant.account_id) as session:
        row = await lock_venue(session, venue, exclusive=True)
        if seats is not None:
            largest = (
                await session.execute(
                    select(Event.name, Event.capacity)
                    .where(Event.venue_id == row.id, Event.status != EventStatus.CANCELLED)
                    .where(func.coalesce(Event.ends_at, Event.starts_at) >= services.clock.now())
                    .order_by(Event.capacity.desc().nulls_first()).limit(1)
                )
            ).first()
            if largest is not None and (largest.capacity is None or largest.capacity > seats):
                promised = "no limit" if largest.capacity is None else f"{largest.capacity:,} seats"
                raise Invalid(
                    f"{row.name} cannot hold fewer seats than its event “{largest.name}” promises ({promised}); "
                    "lower that event's capacity first.",
                    field="capacity",
                )
        row.capacity = seats
        return _info(row)
