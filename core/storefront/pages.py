"""What the public pages show: an organizer's upcoming published events, and one event with its ticket types.

Only published facts leave here: names, times, the venue, prices and how many seats are left.
Hidden ticket types appear only with a promo code that unlocks them, and a code shows its prices
next to the prices before it. An event page may be served from a cache for at most
`CACHE_SECONDS`; holds never read it (the database decides), and a hold placed by this process
forgets the event's page at once.
"""

import time
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from core.errors import DomainError
from core.events import events
from core.sales import promos, waitlist
from core.services import Services
from core.storefront.handles import Organizer, find_organizer
from db.enums import EventStatus
from db.models import Event, Product, Venue

FEW_LEFT = 10  # a ticket type with fewer seats left than this says so
CACHE_SECONDS = 1.0
CACHE_ENTRIES = 10_000  # made-up URLs cannot grow the cache past this many events…
CODES_CACHED = 100  # …nor past this many codes an event
UPCOMING_SHOWN = 50


@dataclass(frozen=True)
class Offer:
    """A ticket type as the public sees it; `state` is on_sale, few_left, sold_out, ended or not_yet."""

    slug: str
    name: str
    price_cents: int
    currency: str
    state: str
    remaining: int | None
    max_qty: int
    opens_at: datetime | None
    coded: bool = False  # the page's promo code applies to it (its price is the code's)
    list_price_cents: int | None = None  # the price before the code, when the code changed it
    per_order: int = 10  # the most one order may take, whatever is left (what the waitlist may ask for)

    @property
    def buyable(self) -> bool:
        return self.state in ("on_sale", "few_left")


@dataclass(frozen=True)
class PublicEvent:
    """An event page; `state` is on_sale, cancelled or ended."""

    organizer: Organizer
    id: uuid.UUID
    slug: str
    name: str
    description: str | None
    starts_at: datetime
    ends_at: datetime | None
    timezone: str
    state: str
    venue: str | None
    address: str | None
    offers: tuple[Offer, ...]
    code: str | None = None  # the promo code the page was asked with, once it is known to be usable
    code_refusal: DomainError | None = None  # why the code it was asked with cannot be used (promo_… codes)
    locked: bool = False  # it has hidden ticket types that a code would show
    offer_hours: int = 24  # how long a waitlist offer holds its seats

    @property
    def buyable(self) -> bool:
        return self.state == "on_sale" and any(offer.buyable for offer in self.offers)

    @property
    def waitlisted(self) -> tuple[Offer, ...]:
        """The sold-out ticket types people may wait for."""
        return tuple(offer for offer in self.offers if self.state == "on_sale" and offer.state == "sold_out")

    def offer(self, slug: str) -> Offer | None:
        return next((offer for offer in self.offers if offer.slug == slug), None)


@dataclass(frozen=True)
class Listing:
    slug: str
    name: str
    starts_at: datetime
    timezone: str
    venue: str | None


@dataclass(frozen=True)
class OrganizerPage:
    organizer: Organizer
    events: tuple[Listing, ...]


# (handle, event) → promo code ("" for none) → (expiry, page)
_cache: dict[tuple[str, str], dict[str, tuple[float, PublicEvent | None]]] = {}


def forget(handle: str, event_slug: str) -> None:
    """Drop an event's cached pages, with and without codes (after a hold changed what they show)."""
    _cache.pop((handle, event_slug), None)


async def event_page(services: Services, handle: str, event_slug: str, *,
                     code: str | None = None) -> PublicEvent | None:
    """The published (or cancelled, or ended) event at this URL; None for a draft or nothing at all."""
    key = ((handle or "").strip().lower(), (event_slug or "").strip().lower())
    code = (code or "").strip().upper()
    cached = _cache.get(key, {}).get(code)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    page = await read_event_page(services, *key, code=code or None)
    if len(_cache) >= CACHE_ENTRIES:
        _cache.clear()
    per_code = _cache.setdefault(key, {})
    if len(per_code) >= CODES_CACHED:
        per_code.clear()
    per_code[code] = (time.monotonic() + CACHE_SECONDS, page)
    return page


async def read_event_page(services: Services, handle: str, event_slug: str, *,
                          code: str | None = None) -> PublicEvent | None:
    """The event page read from the database, not the cache; with `code`, priced and unlocked by that promo code."""
    organizer = await find_organizer(services, handle)
    if organizer is None:
        return None
    now = services.clock.now()
    async with services.db.tenant(organizer.account_id) as session:
        event = (
            await session.execute(select(Event).where(Event.slug == event_slug, Event.status != EventStatus.DRAFT))
        ).scalar_one_or_none()
        if event is None:
            return None
        venue = None
        if event.venue_id is not None:
            venue = (await session.execute(select(Venue.name, Venue.address).where(Venue.id == event.venue_id))).one()
        products = (
            await session.execute(
                select(Product).where(Product.event_id == event.id)
                .order_by(Product.price_cents, Product.created_at, Product.id)
            )
        ).scalars().all()
        coded, refusal = None, None
        if code:
            try:
                coded = await promos.for_page(session, event=event, code=code, now=now)
            except DomainError as refused:
                refusal = refused
        owed = await waitlist.owed_seats(session, event.id)
    if event.status == EventStatus.CANCELLED:
        state = "cancelled"
    elif now >= events.sales_close(event):
        state = "ended"
    else:
        state = "on_sale"
    seats_left = None if event.capacity is None else max(event.capacity - event.sold, 0)
    offers = tuple(
        _offer(product, state, seats_left, now, coded, owed.get(product.id, 0))
        for product in products
        if not product.hidden or (coded is not None and product.id in coded.unlocks)
    )
    return PublicEvent(
        organizer, event.id, event.slug, event.name, event.description, event.starts_at, event.ends_at,
        event.timezone, state, venue.name if venue else None, venue.address if venue else None, offers,
        coded.code if coded else None, refusal, any(product.hidden for product in products), event.waitlist_offer_hours,
    )


def _offer(product: Product, event_state: str, seats_left: int | None, now: datetime,
           coded: promos.PageCode | None, owed: int) -> Offer:
    left = [n for n in (seats_left, None if product.capacity is None else max(product.capacity - product.sold, 0))
            if n is not None]
    # Seats that came back while people wait are the waitlist's (core/sales/waitlist.py).
    remaining = max(min(left) - owed, 0) if left else None
    if event_state != "on_sale" or (product.sales_end is not None and now >= product.sales_end):
        state = "ended"
    elif product.sales_start is not None and now < product.sales_start:
        state = "not_yet"
    elif remaining == 0:
        state = "sold_out"
    elif remaining is not None and remaining < FEW_LEFT:
        state = "few_left"
    else:
        state = "on_sale"
    max_qty = product.max_per_order if remaining is None else min(product.max_per_order, remaining)
    applies = coded is not None and coded.applies_to(product.id)
    price = coded.price(product.id, product.price_cents) if applies else product.price_cents
    return Offer(product.slug, product.name, price, product.currency, state, remaining, max_qty, product.sales_start,
                 applies, product.price_cents if price != product.price_cents else None, product.max_per_order)


async def organizer_page(services: Services, handle: str) -> OrganizerPage | None:
    """The account's published events that still sell (soonest first); None for an unknown handle."""
    organizer = await find_organizer(services, handle)
    if organizer is None:
        return None
    now = services.clock.now()
    async with services.db.tenant(organizer.account_id) as session:
        rows = (
            await session.execute(
                select(Event.slug, Event.name, Event.starts_at, Event.timezone, Venue.name)
                .outerjoin(Venue, Venue.id == Event.venue_id)
                .where(Event.status == EventStatus.PUBLISHED, func.coalesce(Event.ends_at, Event.starts_at) > now)
                .order_by(Event.starts_at, Event.id).limit(UPCOMING_SHOWN)
            )
        ).all()
    return OrganizerPage(organizer, tuple(Listing(*row) for row in rows))
