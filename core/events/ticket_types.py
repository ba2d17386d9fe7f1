"""Ticket types (products): what an event sells, at what price, how many, and until when.

Prices are integer minor units of a currency: an event's first ticket type takes the account's, and
every later one its event's, so an event sells in one currency even after the account changes its
own (a checkout cannot mix two). A ticket type's capacity plus those of
its siblings never exceeds the event's capacity; every change that could break it holds the event
row lock (see core.events) while it checks and writes. `products.sold` and `events.sold` count
seats held by pending orders plus seats sold; sellers move them with conditional UPDATEs.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts.permissions import Action, require
from core.context import TenantContext
from core.errors import Conflict, Invalid, Next, NextStep, NotFound, NotReady, Thing
from core.events import events
from core.events.events import UNCHANGED, EventInfo, Unchanged
from core.money import amounts
from core.services import Services
from core.text import lookup, names, slugs
from core.time import local_time
from db.enums import EventStatus
from db.models import Event, Product


@dataclass(frozen=True)
class TicketType:
    id: uuid.UUID
    event_id: uuid.UUID
    slug: str
    name: str
    price_cents: int
    currency: str
    capacity: int | None
    sold: int
    max_per_order: int
    sales_start: datetime | None
    sales_end: datetime | None

    @property
    def remaining(self) -> int | None:
        """Seats left on this ticket type alone (the event's capacity may leave fewer)."""
        return None if self.capacity is None else max(self.capacity - self.sold, 0)


def ticket_info(product: Product) -> TicketType:
    return TicketType(
        product.id, product.event_id, product.slug, product.name, product.price_cents, product.currency,
        product.capacity, product.sold, product.max_per_order, product.sales_start, product.sales_end,
    )


async def load_product(session: AsyncSession, event: Event | EventInfo, slug: str, *, lock: bool = False) -> Product:
    """The event's ticket type by slug or name (core.text.lookup); `lock` takes FOR NO KEY UPDATE. Lock the event row first."""
    scope = [Product.event_id == event.id]
    product = await lookup.find(session, Product, slug, scope=scope, lock=lock, key_share=True)
    if product is None:
        near = await lookup.closest(session, Product, slug, scope=scope)
        raise NotFound(
            f"“{event.name}” has no ticket type `{slug}`.{lookup.did_you_mean(near)}", kind=Thing.TICKET_TYPE, asked=slug,
            suggestions=near, next_step=Next.to(NextStep.LIST_TICKET_TYPES, event=event.slug), field="ticket",
        )
    return product


async def get_product(services: Services, tenant: TenantContext, event: str, slug: str) -> TicketType:
    """The ticket type `slug` of the event with slug `event`; NotFound with a sentence otherwise."""
    async with services.db.tenant(tenant.account_id) as session:
        row = await events.load_event(session, event)
        return ticket_info(await load_product(session, row, slug))


async def list_ticket_types(services: Services, tenant: TenantContext, *, event: str) -> tuple[EventInfo, list[TicketType]]:
    """The event and its ticket types, cheapest first."""
    async with services.db.tenant(tenant.account_id) as session:
        row = await events.load_event(session, event)
        products = (
            await session.execute(
                select(Product).where(Product.event_id == row.id).order_by(Product.price_cents, Product.created_at, Product.id)
            )
        ).scalars()
        return events.info(row, await events.venue_name(session, row.venue_id)), [ticket_info(p) for p in products]


def ensure_on_sale(event: Event | EventInfo, ticket: Product | TicketType, *, now: datetime, comp: bool = False) -> None:
    """Refuse, with a sentence, to sell `ticket` now: cancelled, draft (unless comp), over, or outside its window."""
    if event.status == EventStatus.CANCELLED:
        raise Conflict(f"“{event.name}” is cancelled; it sells nothing.")
    if event.status != EventStatus.PUBLISHED and not comp:
        raise NotReady(f"“{event.name}” is a draft.", next_step=Next.to(NextStep.PUBLISH_EVENT, event=event.slug))
    if now >= events.sales_close(event):
        raise Invalid(f"“{event.name}” is over; it sells nothing more.")
    if comp:
        return
    if ticket.sales_start is not None and now < ticket.sales_start:
        opens = local_time.local(ticket.sales_start, event.timezone)
        raise NotReady(f"Sales for “{ticket.name}” open {opens:%Y-%m-%d %H:%M} ({event.timezone}).")
    if ticket.sales_end is not None and now >= ticket.sales_end:
        closed = local_time.local(ticket.sales_end, event.timezone)
        raise Invalid(f"Sales for “{ticket.name}” closed {closed:%Y-%m-%d %H:%M} ({event.timezone}).")


def _sales_end(value: str | datetime | None, event: Event, now: datetime) -> datetime | None:
    """The last moment to buy, read in the event's zone: in the future and not after the event ends."""
    at = events.read_time(value, event.timezone, "sales_end")
    if at is None:
        return None
    close = events.sales_close(event)
    if at > close:
        ending = "ends" if event.ends_at else "starts"
        raise Invalid(
            f"sales_end {events.shown(at, event.timezone)} is after the event {ending} "
            f"({events.shown(close, event.timezone)}); pick an earlier time.",
            field="sales_end",
        )
    events.check_future(at, now, event.timezone, "sales_end")
    return at


async def _check_promise(session: AsyncSession, event: Event, seats: int | None, *, leaving_out: uuid.UUID | None = None) -> None:
    """Ticket capacities must fit in the event's: say how many seats are left to promise."""
    if seats is None or event.capacity is None:
        return
    promised = await events.promised_seats(session, event.id, leaving_out=leaving_out)
    if promised + seats > event.capacity:
        left = max(event.capacity - promised, 0)
        others = f", and its other ticket types already promise {promised:,}" if promised else ""
        raise Invalid(
            f"capacity {seats:,} is more than “{event.name}” can still promise: it holds {event.capacity:,} seats{others}; "
            f"use capacity={left:,} or less, or raise the event's capacity.",
            field="capacity",
        )


def _open_for_changes(event: Event, now: datetime) -> None:
    if event.status == EventStatus.CANCELLED:
        raise Conflict(f"“{event.name}” is cancelled; its ticket types can no longer change.", field="event")
    if events.sales_close(event) <= now:
        raise Invalid(f"“{event.name}” is over; its ticket types can no longer change.", field="event")


async def event_currency(session: AsyncSession, event_id: uuid.UUID) -> str | None:
    """The currency an event sells in (its first ticket type's); None before it has one."""
    return (
        await session.execute(
            select(Product.currency).where(Product.event_id == event_id).order_by(Product.created_at, Product.id).limit(1)
        )
    ).scalar_one_or_none()


async def add_ticket_type(
    services: Services, tenant: TenantContext, *, event: str, name: str, price: str | int,
    capacity: int | str | None = None, sales_end: str | datetime | None = None, slug: str | None = None,
) -> TicketType:
    """Add a ticket type to an event; its slug is unique within the event."""
    require(tenant, Action.ADD_TICKET_TYPES)
    clean = names.clean_name(name)
    seats = names.capacity(capacity)
    chosen = slugs.check(slug) if slug else None
    now = services.clock.now()
    async with services.db.tenant(tenant.account_id) as session:
        row = await events.load_event(session, event, lock=True)
        _open_for_changes(row, now)
        currency = await event_currency(session, row.id) or tenant.currency
        price_cents = amounts.parse_amount(price, currency)
        ends = _sales_end(sales_end, row, now)
        await _check_promise(session, row, seats)
        values = {
            "account_id": tenant.account_id, "event_id": row.id, "name": clean, "price_cents": price_cents,
            "currency": currency, "capacity": seats, "sales_end": ends,
        }
        product_id, _ = await slugs.insert_unique(
            session, Product, values, base=chosen or slugs.slugify(clean, "ticket"), chosen=chosen is not None,
            scope=[Product.event_id == row.id], conflict=[Product.account_id, Product.event_id, Product.slug],
            taken_message=f"“{row.name}” already has a ticket type `{{slug}}`; choose another slug=.",
        )
        return ticket_info((await session.execute(select(Product).where(Product.id == product_id))).scalar_one())


async def update_ticket_type(
    services: Services, tenant: TenantContext, *, event: str, ticket: str, name: str | Unchanged = UNCHANGED,
    price: str | int | Unchanged = UNCHANGED, capacity: int | str | None | Unchanged = UNCHANGED,
    sales_end: str | datetime | None | Unchanged = UNCHANGED,
) -> TicketType:
    """Change a ticket type; a new price applies to orders placed from now on."""
    require(tenant, Action.CHANGE_TICKET_TYPES)
    now = services.clock.now()
    async with services.db.tenant(tenant.account_id) as session:
        row = await events.load_event(session, event, lock=True)
        _open_for_changes(row, now)
        product = await load_product(session, row, ticket, lock=True)
        if name is not UNCHANGED:
            product.name = names.clean_name(name)
        if price is not UNCHANGED:
            product.price_cents = amounts.parse_amount(price, product.currency)
        if capacity is not UNCHANGED:
            seats = names.capacity(capacity)
            if seats is not None and seats < product.sold:
                raise Invalid(
                    f"capacity {seats:,} is less than the {product.sold:,} “{product.name}” seats already sold or held.",
                    field="capacity",
                )
            await _check_promise(session, row, seats, leaving_out=product.id)
            product.capacity = seats
        if sales_end is not UNCHANGED:
            product.sales_end = _sales_end(sales_end, row, now)
        await session.flush()
        return ticket_info(product)
