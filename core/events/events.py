"""Events: create, edit, list, publish and cancel; times are read in the event's zone, stored in UTC.

An event's zone is the one given, else its venue's, else the account's. Its capacity never
exceeds its venue's (an event at a venue with a limit takes that limit when none is given), and
the capacities of its ticket types never add up to more than its own: every change that could
break that locks the event row first (`FOR NO KEY UPDATE`, which the sellers' `UPDATE events SET
sold = …` also takes), so two concurrent changes cannot both pass the check.
"""

import enum
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from core import keyset
from core.accounts.permissions import Action, require
from core.context import TenantContext
from core.errors import Conflict, Invalid, Next, NextStep, NotFound, NotReady, Thing
from core.events import venues
from core.services import Services
from core.text import lookup, names, slugs
from core.time import local_time
from db.enums import AttendeeStatus, EventStatus, OrderStatus
from db.models import Attendee, Event, Order, Product, Venue

SCOPES = ("upcoming", "past", "all")
PAGE_SIZE = 20


class Unchanged(enum.Enum):
    """Marks an edit argument that was not given (None means: clear it)."""

    TOKEN = 0


UNCHANGED = Unchanged.TOKEN


@dataclass(frozen=True)
class EventInfo:
    id: uuid.UUID
    slug: str
    name: str
    starts_at: datetime
    ends_at: datetime | None
    timezone: str
    status: str
    capacity: int | None
    sold: int
    venue_id: uuid.UUID | None
    venue_name: str | None
    cancelled_at: datetime | None

    @property
    def sales_close_at(self) -> datetime:
        """When selling stops at the latest: the end, or the start of an event without an end."""
        return self.ends_at or self.starts_at


@dataclass(frozen=True)
class Impact:
    """What cancelling an event touches: its orders and the people holding tickets."""

    paid_orders: int
    pending_orders: int
    attendees: int


@dataclass(frozen=True)
class EventPage:
    scope: str
    events: list[EventInfo]
    total: int
    first_position: int
    next_cursor: str | None
    prev_cursor: str | None


def info(event: Event, venue_name: str | None) -> EventInfo:
    return EventInfo(
        event.id, event.slug, event.name, event.starts_at, event.ends_at, event.timezone, event.status,
        event.capacity, event.sold, event.venue_id, venue_name, event.cancelled_at,
    )


def sales_close(event: Event | EventInfo) -> datetime:
    return event.ends_at or event.starts_at


async def load_event(session: AsyncSession, slug: str, *, lock: bool = False) -> Event:
    """The event row by slug or name (core.text.lookup); `lock` takes FOR NO KEY UPDATE (as sellers do)."""
    event = await lookup.find(session, Event, slug, lock=lock, key_share=True)
    if event is None:
        near = await lookup.closest(session, Event, slug)
        raise NotFound(
            f"There is no event `{slug}`.{lookup.did_you_mean(near)}", kind=Thing.EVENT, asked=slug, suggestions=near,
            next_step=Next.to(NextStep.LIST_EVENTS), field="event",
        )
    return event


async def venue_name(session: AsyncSession, venue_id: uuid.UUID | None) -> str | None:
    if venue_id is None:
        return None
    return (await session.execute(select(Venue.name).where(Venue.id == venue_id))).scalar_one_or_none()


async def get_event_by_slug(services: Services, tenant: TenantContext, slug: str) -> EventInfo:
    """The event with this slug; NotFound with a sentence when there is none."""
    async with services.db.tenant(tenant.account_id) as session:
        event = await load_event(session, slug)
        return info(event, await venue_name(session, event.venue_id))


def read_time(value: str | datetime | None, timezone: str, field: str) -> datetime | None:
    """A typed local time, a naive local datetime or an aware one, as UTC; None when blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return local_time.to_utc(value, timezone, field=field)
        return value.astimezone(UTC)
    return local_time.parse(value, timezone, field=field)


def shown(at: datetime, timezone: str) -> str:
    return f"{local_time.local(at, timezone):%Y-%m-%d %H:%M} {timezone}"


def check_future(at: datetime, now: datetime, timezone: str, field: str) -> None:
    if at <= now:
        raise Invalid(f"{field} {shown(at, timezone)} is in the past; pick a time after now.", field=field)


def _check_order(starts: datetime, ends: datetime | None, timezone: str) -> None:
    if ends is not None and ends <= starts:
        raise Invalid(
            f"ends ({shown(ends, timezone)}) must be after starts ({shown(starts, timezone)}).", field="ends"
        )


def _fit_venue(seats: int | None, place: Venue | None) -> int | None:
    """The event's capacity at `place`: the venue's limit when none is given, never more than it."""
    if place is None or place.capacity is None:
        return seats
    if seats is None:
        return place.capacity
    if seats > place.capacity:
        raise Invalid(
            f"capacity {seats:,} is more than {place.name} holds ({place.capacity:,} seats); "
            f"lower capacity= to {place.capacity:,} or less, or pick a bigger venue.",
            field="capacity",
        )
    return seats


async def promised_seats(session: AsyncSession, event_id: uuid.UUID, *, leaving_out: uuid.UUID | None = None) -> int:
    """The capacities of the event's ticket types added up (those without a limit count 0)."""
    statement = select(func.coalesce(func.sum(Product.capacity), 0)).where(Product.event_id == event_id)
    if leaving_out is not None:
        statement = statement.where(Product.id != leaving_out)
    return (await session.execute(statement)).scalar_one()


async def create_event(
    services: Services, tenant: TenantContext, *, name: str, starts: str | datetime | None,
    ends: str | datetime | None = None, venue: str | uuid.UUID | None = None, capacity: int | str | None = None,
    timezone: str | None = None, slug: str | None = None,
) -> EventInfo:
    """Create a draft event; its slug comes from the name (`-2`… on collision) unless one is given."""
    require(tenant, Action.CREATE_EVENTS)
    clean = names.clean_name(name)
    seats = names.capacity(capacity)
    chosen = slugs.check(slug) if slug else None
    if timezone:
        local_time.zone(timezone)
    async with services.db.tenant(tenant.account_id) as session:
        place = await venues.lock_venue(session, venue) if venue else None
        zone = timezone or (place.timezone if place else None) or tenant.timezone
        starts_at = read_time(starts, zone, "starts")
        if starts_at is None:
            raise Invalid(f"Add starts=, the date and time it begins, like starts=\"{local_time.EXAMPLE}\".", field="starts")
        ends_at = read_time(ends, zone, "ends")
        check_future(starts_at, services.clock.now(), zone, "starts")
        _check_order(starts_at, ends_at, zone)
        seats = _fit_venue(seats, place)
        values = {
            "account_id": tenant.account_id, "name": clean, "starts_at": starts_at, "ends_at": ends_at,
            "timezone": local_time.zone(zone).key, "capacity": seats, "venue_id": place.id if place else None,
            "created_by": tenant.user_id, "created_channel": tenant.channel_id,
        }
        event_id, _ = await slugs.insert_unique(
            session, Event, values, base=chosen or slugs.slugify(clean, "event"), chosen=chosen is not None,
            scope=[], conflict=[Event.account_id, Event.slug],
            taken_message="Another event already has the slug `{slug}`; choose another slug=.",
        )
        event = (await session.execute(select(Event).where(Event.id == event_id))).scalar_one()
        return info(event, place.name if place else None)


async def update_event(
    services: Services, tenant: TenantContext, *, slug: str,
    name: str | Unchanged = UNCHANGED, starts: str | datetime | Unchanged = UNCHANGED,
    ends: str | datetime | None | Unchanged = UNCHANGED, venue: str | uuid.UUID | None | Unchanged = UNCHANGED,
    capacity: int | str | None | Unchanged = UNCHANGED,
) -> EventInfo:
    """Change what was given; the slug and zone stay. Refused when the result breaks a rule."""
    require(tenant, Action.CHANGE_EVENTS)
    async with services.db.tenant(tenant.account_id) as session:
        event = await load_event(session, slug, lock=True)
        if event.status == EventStatus.CANCELLED:
            raise Conflict(f"“{event.name}” is cancelled and can no longer be changed.")
        zone, now = event.timezone, services.clock.now()
        new_name = event.name if name is UNCHANGED else names.clean_name(name)
        if venue is UNCHANGED:
            place = await venues.lock_venue(session, event.venue_id) if event.venue_id else None
        else:
            place = await venues.lock_venue(session, venue) if venue else None
        starts_at = event.starts_at if starts is UNCHANGED else read_time(starts, zone, "starts")
        if starts_at is None:
            raise Invalid("starts cannot be cleared; give the date and time the event begins.", field="starts")
        ends_at = event.ends_at if ends is UNCHANGED else read_time(ends, zone, "ends")
        if starts_at != event.starts_at:
            check_future(starts_at, now, zone, "starts")
        if ends_at is not None and ends_at != event.ends_at:
            check_future(ends_at, now, zone, "ends")
        _check_order(starts_at, ends_at, zone)
        seats = event.capacity if capacity is UNCHANGED else names.capacity(capacity)
        seats = _fit_venue(seats, place)
        if seats is not None:
            await _check_seats_cover(session, event, seats)
        close = ends_at or starts_at
        late = (
            await session.execute(
                select(Product.name, Product.sales_end).where(Product.event_id == event.id, Product.sales_end > close).limit(1)
            )
        ).first()
        if late is not None:
            raise Invalid(
                f"Ticket type “{late.name}” sells until {shown(late.sales_end, zone)}, after the event would end; "
                "move its sales_end first.",
                field="ends" if ends_at else "starts",
            )
        event.name, event.starts_at, event.ends_at = new_name, starts_at, ends_at
        event.venue_id, event.capacity = (place.id if place else None), seats
        await session.flush()
        return info(event, place.name if place else None)


async def _check_seats_cover(session: AsyncSession, event: Event, seats: int) -> None:
    promised = await promised_seats(session, event.id)
    if promised > seats:
        raise Invalid(
            f"capacity {seats:,} is less than the {promised:,} seats its ticket types promise; lower their capacities first.",
            next_step=Next.to(NextStep.EDIT_TICKET_TYPES), field="capacity",
        )
    if event.sold > seats:
        raise Invalid(f"capacity {seats:,} is less than the {event.sold:,} seats already sold or held.", field="capacity")


def _cursor(event: Event) -> str:
    return keyset.cursor(event.starts_at, event.id)


def _read_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    return keyset.read_cursor(cursor, stale="That list is out of date.", next_step=Next.to(NextStep.LIST_EVENTS_AGAIN))


async def list_events(
    services: Services, tenant: TenantContext, *, scope: str = "upcoming", after: str | None = None,
    before: str | None = None, limit: int = PAGE_SIZE,
) -> EventPage:
    """One page of events: upcoming (soonest first), past (latest first) or all (by start).

    Pages are keyset-paged on (starts_at, id): `after`/`before` are the cursors of a page's
    last and first rows, so events added meanwhile never shift or repeat a page.
    """
    if scope not in SCOPES:
        raise Invalid(f"List `upcoming`, `past` or `all` events, not “{scope}”.")
    now = services.clock.now()
    ended = func.coalesce(Event.ends_at, Event.starts_at)
    where = {"upcoming": [ended >= now], "past": [ended < now], "all": []}[scope]
    descending = scope == "past"
    key = tuple_(Event.starts_at, Event.id)

    def beyond(cursor: str, forward: bool):
        point = tuple_(*_read_cursor(cursor))
        return key > point if forward != descending else key < point

    def ordered(forward: bool):
        up = forward != descending
        return (Event.starts_at.asc(), Event.id.asc()) if up else (Event.starts_at.desc(), Event.id.desc())

    backward = before is not None
    statement = select(Event, Venue.name).outerjoin(Venue, Venue.id == Event.venue_id).where(*where)
    if backward:
        statement = statement.where(beyond(before, forward=False))
    elif after is not None:
        statement = statement.where(beyond(after, forward=True))
    statement = statement.order_by(*ordered(not backward)).limit(limit + 1)
    async with services.db.tenant(tenant.account_id) as session:
        rows = list((await session.execute(statement)).all())
        more = len(rows) > limit
        rows = rows[:limit]
        if backward:
            rows.reverse()
        total = (await session.execute(select(func.count()).select_from(Event).where(*where))).scalar_one()
        position = 1
        if rows:
            preceding = select(func.count()).select_from(Event).where(*where, beyond(_cursor(rows[0][0]), forward=False))
            position += (await session.execute(preceding)).scalar_one()
    events = [info(event, place) for event, place in rows]
    has_next = (more and not backward) or (backward and bool(rows))
    has_prev = (more and backward) or (not backward and after is not None and bool(rows))
    return EventPage(
        scope, events, total, position,
        next_cursor=_cursor(rows[-1][0]) if has_next and rows else None,
        prev_cursor=_cursor(rows[0][0]) if has_prev and rows else None,
    )


async def search_events(services: Services, tenant: TenantContext, *, query: str = "", limit: int = 50) -> list[EventInfo]:
    """Events not over and not cancelled whose name or slug contains `query`, soonest first (typeahead)."""
    text = (query or "").strip()
    statement = (
        select(Event, Venue.name).outerjoin(Venue, Venue.id == Event.venue_id)
        .where(Event.status != EventStatus.CANCELLED, func.coalesce(Event.ends_at, Event.starts_at) >= services.clock.now())
        .order_by(Event.starts_at, Event.id).limit(limit)
    )
    if text:
        statement = statement.where(Event.name.icontains(text, autoescape=True) | Event.slug.icontains(text, autoescape=True))
    async with services.db.tenant(tenant.account_id) as session:
        return [info(event, place) for event, place in (await session.execute(statement)).all()]


async def publish_event(services: Services, tenant: TenantContext, *, slug: str) -> tuple[EventInfo, bool]:
    """Put a draft on sale; returns the event and whether it changed (publishing twice is harmless)."""
    require(tenant, Action.PUBLISH_EVENTS)
    async with services.db.tenant(tenant.account_id) as session:
        event = await load_event(session, slug, lock=True)
        place = await venue_name(session, event.venue_id)
        if event.status == EventStatus.CANCELLED:
            raise Conflict(f"“{event.name}” was cancelled; a cancelled event cannot be published again.")
        if event.status == EventStatus.PUBLISHED:
            return info(event, place), False
        if sales_close(event) <= services.clock.now():
            raise Invalid(f"“{event.name}” is already over.", next_step=Next.to(NextStep.EDIT_EVENT_DATES, event=event.slug))
        tickets = (await session.execute(select(func.count()).where(Product.event_id == event.id))).scalar_one()
        if not tickets:
            raise NotReady("Add a ticket type before publishing.", next_step=Next.to(NextStep.ADD_FIRST_TICKET_TYPE, event=event.slug))
        event.status = EventStatus.PUBLISHED
        return info(event, place), True


async def impact(session: AsyncSession, event_id: uuid.UUID) -> Impact:
    """Orders by state and active attendees of one event."""
    orders = dict(
        (await session.execute(
            select(Order.status, func.count())
            .where(Order.event_id == event_id, Order.status.in_((OrderStatus.PAID, OrderStatus.PENDING)))
            .group_by(Order.status)
        )).all()
    )
    attendees = (
        await session.execute(select(func.count()).where(Attendee.event_id == event_id, Attendee.status == AttendeeStatus.ACTIVE))
    ).scalar_one()
    return Impact(orders.get(OrderStatus.PAID, 0), orders.get(OrderStatus.PENDING, 0), attendees)


async def cancellation_preview(services: Services, tenant: TenantContext, *, slug: str) -> tuple[EventInfo, Impact]:
    """What cancelling would affect, for the confirmation step; organizers only."""
    require(tenant, Action.CANCEL_EVENTS)
    async with services.db.tenant(tenant.account_id) as session:
        event = await load_event(session, slug)
        if event.status == EventStatus.CANCELLED:
            raise Conflict(f"“{event.name}” is already cancelled.")
        return info(event, await venue_name(session, event.venue_id)), await impact(session, event.id)


async def cancel_event(services: Services, tenant: TenantContext, *, slug: str) -> tuple[EventInfo, Impact, bool]:
    """Cancel an event for good: from then on it sells nothing. Orders stay as they are, for refunds.

    Returns the event, what the cancellation affects, and whether it changed (cancelling twice is harmless).
    """
    require(tenant, Action.CANCEL_EVENTS)
    async with services.db.tenant(tenant.account_id) as session:
        event = await load_event(session, slug, lock=True)
        place = await venue_name(session, event.venue_id)
        changed = event.status != EventStatus.CANCELLED
        if changed:
            event.status = EventStatus.CANCELLED
            event.cancelled_at = services.clock.now()
        return info(event, place), await impact(session, event.id), changed
