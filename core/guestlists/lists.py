"""An event's guest lists: found or made on first use, set up by organizers (owner, cap, closing time)."""

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts.permissions import Action, require
from core.context import TenantContext
from core.errors import Conflict, Invalid, Next, NextStep, NotFound, SoldOut, Thing
from core.events.events import load_event, read_time, shown
from core.guestlists import access
from core.services import Services
from core.text.slugs import slugify
from db.enums import EventStatus
from db.models import Event, GuestList, User

DEFAULT_LIST = "guests"
_LIST_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_LIST_NAME = 40

lists_t = GuestList.__table__


@dataclass(frozen=True)
class ListInfo:
    id: uuid.UUID
    name: str
    promoter: str | None
    cap: int | None
    taken: int
    closes_at: datetime | None
    timezone: str


def list_name(value: str | None) -> str | None:
    """A list name as stored (`vip`, `anna-b`), or None when not given."""
    if value is None or not value.strip():
        return None
    name = value.strip().lower()
    if len(name) > MAX_LIST_NAME or not _LIST_NAME.match(name):
        raise Invalid(
            f"A list name is lower-case letters, digits and dashes, like list=vip, not “{value.strip()}”.", field="list"
        )
    return name


async def for_adding(
    session: AsyncSession, services: Services, tenant: TenantContext, event: Event, name: str | None
) -> GuestList:
    """The list a name goes on, made on first use; checks its owner and (for promoters) its closing time. Not locked."""
    now = services.clock.now()
    if event.status == EventStatus.CANCELLED:
        raise Conflict(f"“{event.name}” is cancelled; it takes no guests.")
    # Names are added at the door during the night too; only a finished event takes none.
    if event.ends_at is not None and now >= event.ends_at:
        raise Invalid(f"“{event.name}” is over; it takes no more guests.")
    name = list_name(name) or await _default_name(session, tenant, event)
    row = await _find_or_make(session, tenant, event, name)
    access.check_list_owner(tenant, name, row.promoter_id)
    # Organizers may still add late names; promoters are held to the closing time.
    if row.closes_at is not None and row.closes_at <= now and not access.sees_all(tenant):
        raise Conflict(
            f"The {name} list closed at {shown(row.closes_at, event.timezone)}; ask an organizer to add late names.",
            list=name, closed_at=row.closes_at,
        )
    return row


async def _default_name(session: AsyncSession, tenant: TenantContext, event: Event) -> str:
    """Organizers default to `guests`; a promoter to their one list at the event, or a new one named after them."""
    if access.sees_all(tenant):
        return DEFAULT_LIST
    mine = (
        await session.execute(
            select(GuestList.name).where(GuestList.event_id == event.id, GuestList.promoter_id == tenant.user_id)
            .order_by(GuestList.name).limit(4)
        )
    ).scalars().all()
    if len(mine) == 1:
        return mine[0]
    if mine:
        shown_names = ", ".join(mine[:3]) + (", …" if len(mine) > 3 else "")
        raise Invalid(f"You have several lists at this event ({shown_names}); say which with list=NAME.", field="list")
    user_name = (await session.execute(select(User.name).where(User.id == tenant.user_id))).scalar_one_or_none()
    return slugify(user_name or "", "promoter")[:MAX_LIST_NAME].strip("-") or "promoter"


async def _find_or_make(session: AsyncSession, tenant: TenantContext, event: Event, name: str) -> GuestList:
    """The event's list by name; a promoter's new list is theirs. Concurrent first uses make one list."""
    promoter = None if access.sees_all(tenant) else tenant.user_id
    await session.execute(
        insert(lists_t)
        .values(account_id=tenant.account_id, event_id=event.id, name=name, promoter_id=promoter, created_by=tenant.user_id)
        .on_conflict_do_nothing(index_elements=["account_id", "event_id", "name"])
    )
    return (
        await session.execute(select(GuestList).where(GuestList.event_id == event.id, GuestList.name == name))
    ).scalar_one()


async def take_places(session: AsyncSession, guest_list: GuestList, places: int) -> int | None:
    """Move the list's `taken` by `places` if its cap allows and return the places left (None: no cap); SoldOut otherwise."""
    took = (
        await session.execute(
            update(lists_t)
            .where(lists_t.c.id == guest_list.id, (lists_t.c.cap.is_(None)) | (lists_t.c.taken + places <= lists_t.c.cap))
            .values(taken=lists_t.c.taken + places)
            .returning(lists_t.c.cap - lists_t.c.taken)
        )
    ).first()
    if took is not None:
        return took[0]
    cap, taken = (await session.execute(select(lists_t.c.cap, lists_t.c.taken).where(lists_t.c.id == guest_list.id))).one()
    raise full_list(guest_list.name, cap - taken, places)


async def give_back_places(session: AsyncSession, list_id: uuid.UUID, places: int) -> None:
    await session.execute(update(lists_t).where(lists_t.c.id == list_id).values(taken=lists_t.c.taken - places))


def full_list(name: str, left: int, wanted: int) -> SoldOut:
    if left <= 0:
        return SoldOut(f"The {name} list is full.", remaining=0, list=name)
    places = "place is" if left == 1 else "places are"
    return SoldOut(f"Only {left} {places} left on the {name} list; this needs {wanted}.", remaining=left, list=name)


async def set_up_list(
    services: Services, tenant: TenantContext, *, event: str, name: str, cap: int | str | None = None,
    closes: str | None = None, promoter_slack_id: str | None = None, clear_cap: bool = False,
    clear_closes: bool = False,
) -> ListInfo:
    """Make or change a list: its promoter, cap (places, companions included) and closing time (organizers)."""
    require(tenant, Action.SET_UP_GUEST_LISTS)
    name = list_name(name)
    if name is None:
        raise Invalid("Name the list: `list=vip`.", field="list")
    places = _cap(cap)
    async with services.db.tenant(tenant.account_id) as session:
        row_event = await load_event(session, event)
        closes_at = read_time(closes, row_event.timezone, "closes")
        promoter_id = await _promoter(session, promoter_slack_id) if promoter_slack_id else None
        row = await _find_or_make(session, tenant, row_event, name)
        row = (await session.execute(select(GuestList).where(GuestList.id == row.id).with_for_update())).scalar_one()
        if promoter_id is not None:
            row.promoter_id = promoter_id
        if places is not None or clear_cap:
            if places is not None and places < row.taken:
                raise Conflict(
                    f"The {name} list already has {row.taken} places taken; set cap={row.taken} or more.", field="cap"
                )
            row.cap = places
        if closes_at is not None or clear_closes:
            row.closes_at = closes_at
        await session.flush()
        return await _info(session, row, row_event.timezone)


def _cap(value: int | str | None) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise Invalid(f"cap must be a whole number of places like 50, not “{value}”.", field="cap") from None
    if not 0 <= number <= 100_000:
        raise Invalid("cap must be between 0 and 100,000 places.", field="cap")
    return number


async def _promoter(session: AsyncSession, slack_user_id: str) -> uuid.UUID:
    user = (await session.execute(select(User.id).where(User.slack_user_id == slack_user_id))).scalar_one_or_none()
    if user is None:
        raise NotFound(
            "That person has not used EventOS yet.", kind=Thing.USER, asked=slack_user_id,
            next_step=Next.to(NextStep.OPEN_GUEST_HELP), field="promoter",
        )
    return user


async def _info(session: AsyncSession, row: GuestList, timezone: str) -> ListInfo:
    promoter = (
        (await session.execute(select(User.name).where(User.id == row.promoter_id))).scalar_one_or_none()
        if row.promoter_id else None
    )
    return ListInfo(row.id, row.name, promoter, row.cap, row.taken, row.closes_at, timezone)

