"""The waitlist: people in line for a sold-out ticket type, and offers that hold the seats that come back.

Seats come back when a hold expires, an order is refunded or cancelled, or capacity is raised; all
of them lower `sold` below `capacity`. `make_offers`, a job on the ticker, then offers them to the
line in the order people joined: for the person at the head it places a pending order (the offer's
hold, for the event's `waitlist_offer_hours`) with the same conditional capacity UPDATEs as any hold,
marks the entry offered and queues the offer email, all in one transaction. So an offer exists
exactly when its seats are held: two runs at once (replicas) cannot offer one seat twice, because
the capacity UPDATE takes it once; a run that dies leaves nothing half-made; and nobody is offered a
seat another offer holds, because that seat is counted in `sold` like any hold. Runs for one ticket
type take turns (a transaction-scoped advisory lock), so the line is served strictly in order: a
head that wants more seats than are free waits, and nobody behind it jumps ahead.

Meanwhile public buyers and sellers in Slack get only the seats beyond what the line asks for
(`orders._line_first`). An offer not taken expires like any hold (the hold-expiry job), its seats
come back and go to the next person; the entry is settled as `lapsed` (or `bought`) from its order.

Offer emails are a delivery queue on the job engine (`waitlist_offers`, leases, in-doubt resend once).
"""

import hashlib
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, literal_column, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts.permissions import Action, require
from core.context import TenantContext
from core.crm import contacts
from core.errors import DomainError, Invalid
from core.events import events as events_core
from core.events import ticket_types
from core.jobs import engine, mail
from core.jobs.engine import Finished
from core.jobs.policies import WAITLIST_OFFERS
from core.money import amounts
from core.ports import Email
from core.sales import orders
from core.sales.orders import Full
from core.services import Services
from core.storefront import tokens
from core.time import local_time
from db.enums import Channel, OrderStatus, WaitlistEntryStatus, WaitlistOfferStatus
from db.models import Account, Event, Order, OrderLine, Product, WaitlistEntry, WaitlistOffer
from db.models.waitlist import OPEN

log = logging.getLogger(__name__)

entries_t = WaitlistEntry.__table__
offers_t = WaitlistOffer.__table__
orders_t = Order.__table__
lines_t = OrderLine.__table__

OFFER_HOURS_MOST = 24  # a Stripe Checkout Session lives at most 24 hours
OFFER_ENDED = "the offer ended before its email was sent"


@dataclass(frozen=True)
class Joined:
    """A place in line: `position` among those still waiting for the ticket type; `again` when it was updated."""

    position: int
    quantity: int
    again: bool


@dataclass(frozen=True)
class Line:
    """One entry of an event's waitlist; `state` is waiting, offered, bought or lapsed."""

    position: int | None
    name: str | None
    email: str
    ticket: str
    quantity: int
    state: str
    joined_at: datetime
    offered_at: datetime | None
    offer_ends_at: datetime | None
    reference: str | None


@dataclass(frozen=True)
class Waitlist:
    event_slug: str
    event_name: str
    timezone: str
    offer_hours: int
    entries: tuple[Line, ...]

    def count(self, state: str) -> int:
        return sum(1 for entry in self.entries if entry.state == state)


class OfferTaken(DomainError):
    """Joining again while an offer is open: the offer email says what to do."""

    code = "offer_open"


# --- joining ------------------------------------------------------------------------------


async def join(
    services: Services, account_id: uuid.UUID, *, event_id: uuid.UUID, product_id: uuid.UUID, email: str,
    name: str, quantity: int, consent: bool, consent_source: str,
) -> Joined:
    """Put a person in line for a ticket type (or update their place's quantity and name, keeping the place).

    Creates or updates their contact; with `consent`, records email consent the way the CRM does.
    """
    async with services.db.tenant(account_id) as session:
        contact_id = await contacts.upsert_contact(session, account_id, email=email, name=name)
        statement = insert(entries_t).values(
            account_id=account_id, event_id=event_id, product_id=product_id, contact_id=contact_id, email=email,
            name=name, quantity=quantity,
        )
        joined = (
            await session.execute(
                statement.on_conflict_do_update(
                    index_elements=["account_id", "product_id", "email"],
                    index_where=text(OPEN),
                    set_={"quantity": statement.excluded.quantity, "name": statement.excluded.name},
                    where=entries_t.c.status == WaitlistEntryStatus.WAITING,
                ).returning(entries_t.c.id, entries_t.c.created_at, literal_column("xmax::text <> '0'").label("again"))
            )
        ).first()
        if joined is None:
            raise OfferTaken("An offer for these tickets was already emailed to this address.")
        if consent:
            await contacts.record_consent(session, account_id, contact_id=contact_id, channel=Channel.EMAIL, granted=True,
                                          source=consent_source)
        position = await _position(session, product_id, joined.created_at, joined.id)
    return Joined(position, quantity, bool(joined.again))


async def _position(session: AsyncSession, product_id: uuid.UUID, created_at: datetime, entry_id: uuid.UUID) -> int:
    return int((
        await session.execute(
            select(func.count()).select_from(entries_t).where(
                entries_t.c.product_id == product_id, entries_t.c.status == WaitlistEntryStatus.WAITING,
                func.row(entries_t.c.created_at, entries_t.c.id) <= func.row(created_at, entry_id),
            )
        )
    ).scalar_one())


async def owed_seats(session: AsyncSession, event_id: uuid.UUID) -> dict[uuid.UUID, int]:
    """Seats each ticket type of the event owes its line (the public page shows only the rest)."""
    rows = await session.execute(
        select(entries_t.c.product_id, func.sum(entries_t.c.quantity))
        .where(entries_t.c.event_id == event_id, entries_t.c.status == WaitlistEntryStatus.WAITING)
        .group_by(entries_t.c.product_id)
    )
    return {product_id: int(seats) for product_id, seats in rows.all()}


# --- offering -----------------------------------------------------------------------------


async def make_offers(services: Services, *, accounts_at_once: int = 50) -> int:
    """The ticker's job: settle finished offers and offer free seats to the lines of every account."""
    async with services.db.system() as session:
        accounts = (
            await session.execute(
                select(entries_t.c.account_id)
                .where(entries_t.c.status.in_((WaitlistEntryStatus.WAITING, WaitlistEntryStatus.OFFERED)))
                .distinct().limit(accounts_at_once)
            )
        ).scalars().all()

    async def offer(account_id: uuid.UUID) -> int:
        return await offer_seats(services, account_id)

    return await engine.each(accounts, offer, what="waitlist offers of account")


async def offer_seats(services: Services, account_id: uuid.UUID) -> int:
    """Settle the account's finished offers, then offer free seats to each line; returns how many offers were made."""
    now = services.clock.now()
    async with services.db.tenant(account_id) as session:
        await settle(session, now=now)
        products = (
            await session.execute(
                select(entries_t.c.product_id).where(entries_t.c.status == WaitlistEntryStatus.WAITING).distinct()
            )
        ).scalars().all()
    made = 0
    for product_id in products:
        async with services.db.tenant(account_id) as session:
            made += await _serve_line(session, services, account_id, product_id)
    return made


async def settle(session: AsyncSession, *, now: datetime) -> None:
    """Offers whose hold ended: bought when it was paid (refunded later still counts), lapsed otherwise."""
    await session.execute(
        update(entries_t)
        .where(entries_t.c.status == WaitlistEntryStatus.OFFERED, orders_t.c.id == entries_t.c.order_id,
               orders_t.c.status != OrderStatus.PENDING)
        .values(
            status=case((orders_t.c.status.in_((OrderStatus.PAID, OrderStatus.REFUNDED)), WaitlistEntryStatus.BOUGHT),
                        else_=WaitlistEntryStatus.LAPSED),
            settled_at=now,
        )
    )


async def _serve_line(session: AsyncSession, services: Services, account_id: uuid.UUID, product_id: uuid.UUID) -> int:
    """Offer free seats of one ticket type to its line, head first, in the caller's transaction."""
    # One server of a line at a time (the key is the ticket type), so the line is served in order.
    key = int.from_bytes(hashlib.blake2b(product_id.bytes, digest_size=8).digest(), "big", signed=True)
    await session.execute(select(func.pg_advisory_xact_lock(key)))
    product = (await session.execute(select(Product).where(Product.id == product_id))).scalar_one()
    event = (await session.execute(select(Event).where(Event.id == product.event_id))).scalar_one()
    now = services.clock.now()
    try:
        ticket_types.ensure_on_sale(event, product, now=now)
    except DomainError:
        return 0  # not on sale (yet, or any more): the line waits, and the list says so
    made = 0
    while True:
        head = (
            await session.execute(
                select(entries_t).where(entries_t.c.product_id == product_id, entries_t.c.status == WaitlistEntryStatus.WAITING)
                .order_by(entries_t.c.created_at, entries_t.c.id).limit(1).with_for_update()
            )
        ).first()
        if head is None:
            return made
        try:
            # A savepoint: seats that are short leave no order behind, and the head keeps its place.
            async with session.begin_nested():
                held = await orders.hold_for_offer(
                    session, services, account_id, (event, product), qty=head.quantity, email=head.email,
                    name=head.name, hold=timedelta(hours=event.waitlist_offer_hours),
                )
        except Full:
            return made
        await session.execute(
            update(entries_t).where(entries_t.c.id == head.id)
            .values(status=WaitlistEntryStatus.OFFERED, order_id=held.order_id, offered_at=now)
        )
        await session.execute(insert(offers_t).values(account_id=account_id, entry_id=head.id, order_id=held.order_id,
                                                      next_attempt_at=now))
        log.info("waitlist: offered %d × %s of event %s (order %s)", head.quantity, product.slug, event.slug,
                 held.reference)
        made += 1


# --- the offer email ----------------------------------------------------------------------


async def send_offers(services: Services, *, limit: int = 50, account_id: uuid.UUID | None = None) -> int:
    """The ticker's job: send due offer emails (new ones, retries, any a crash left behind)."""
    return await mail.send_due(
        services, WAITLIST_OFFERS, compose, key="waitlist-offer", nothing_to_send=Finished(WaitlistOfferStatus.ENDED, OFFER_ENDED),
        limit=limit, account_id=account_id,
    )


async def compose(session: AsyncSession, services: Services, order_id: uuid.UUID, *, key: str) -> Email | None:
    """The offer email of an offer's hold, or None when the hold already ended."""
    order = (await session.execute(select(orders_t).where(orders_t.c.id == order_id))).one()
    if order.status != OrderStatus.PENDING:
        return None
    event = (await session.execute(select(Event).where(Event.id == order.event_id))).scalar_one()
    product = (
        await session.execute(select(Product.name).join(lines_t, lines_t.c.product_id == Product.id)
                              .where(lines_t.c.order_id == order_id))
    ).scalar_one()
    handle = (await session.execute(select(Account.slug))).scalar_one()
    link = offer_url(services, handle, event.slug, tokens.offer_key(
        services.settings.secret_key, account_id=order.account_id, reference=order.reference))
    context = {
        "event": event.name, "when": _local(event.starts_at, event.timezone), "ticket": product,
        "quantity": order.quantity, "total": amounts.format_amount(order.total_cents, order.currency),
        "until": _local(order.expires_at, event.timezone), "link": link, "buyer": order.name or order.email,
        "reference": order.reference,
    }
    subject = re.sub(r"\s+", " ", f"Seats for {event.name} are yours until {context['until']}").strip()
    return Email(
        to=order.email, subject=subject,
        text=services.templates.get_template("email/waitlist_offer.txt.j2").render(**context),
        html=services.templates.get_template("email/waitlist_offer.html.j2").render(**context),
        key=key,
    )


def offer_url(services: Services, handle: str, event_slug: str, key: str) -> str:
    return f"{services.settings.base_url}/e/{handle}/{event_slug}/offers/{key}"


def _local(at: datetime, timezone: str) -> str:
    return f"{local_time.local(at, timezone):%A %d %B %Y, %H:%M} ({timezone})"


# --- reading and settings -----------------------------------------------------------------


async def waitlist(services: Services, tenant: TenantContext, *, event: str, offer_hours: str | None = None) -> Waitlist:
    """An event's waitlist: the line with positions, who was offered, who bought and who let it lapse.

    With `offer_hours`, first sets how long the event's offers hold their seats (organizers).
    """
    require(tenant, Action.SEE_WAITLISTS)
    hours = None
    if offer_hours is not None:
        require(tenant, Action.CHANGE_HOW_LONG_WAITLIST_OFFERS_LAST)
        text_value = offer_hours.strip().lower().removesuffix("h")
        if not text_value.isdigit() or not 1 <= int(text_value) <= OFFER_HOURS_MOST:
            raise Invalid(f"offer_hours is a whole number of hours from 1 to {OFFER_HOURS_MOST}, like offer_hours=12.",
                          field="offer_hours")
        hours = int(text_value)
    async with services.db.tenant(tenant.account_id) as session:
        found = await events_core.load_event(session, event)
        if hours is not None:
            await session.execute(update(Event).where(Event.id == found.id).values(waitlist_offer_hours=hours))
        await settle(session, now=services.clock.now())
        rows = (
            await session.execute(
                select(entries_t, Product.name.label("ticket"), orders_t.c.reference, orders_t.c.expires_at)
                .join(Product, Product.id == entries_t.c.product_id)
                .outerjoin(orders_t, orders_t.c.id == entries_t.c.order_id)
                .where(entries_t.c.event_id == found.id)
                .order_by(Product.name, entries_t.c.created_at, entries_t.c.id)
            )
        ).all()
        offer = (await session.execute(select(Event.waitlist_offer_hours).where(Event.id == found.id))).scalar_one()
    positions: dict[uuid.UUID, int] = {}
    lines = []
    for row in rows:
        position = None
        if row.status == WaitlistEntryStatus.WAITING:
            position = positions[row.product_id] = positions.get(row.product_id, 0) + 1
        lines.append(Line(position, row.name, row.email, row.ticket, row.quantity, row.status, row.created_at,
                          row.offered_at, row.expires_at if row.status == WaitlistEntryStatus.OFFERED else None, row.reference))
    return Waitlist(found.slug, found.name, found.timezone, offer, tuple(lines))


async def conversions(session: AsyncSession, *, since: datetime, until: datetime) -> tuple[int, int]:
    """Waitlist offers bought (orders paid) between `since` and `until`: (orders, seats)."""
    row = (
        await session.execute(
            select(func.count(), func.coalesce(func.sum(orders_t.c.quantity), 0))
            .select_from(entries_t).join(orders_t, orders_t.c.id == entries_t.c.order_id)
            .where(orders_t.c.status == OrderStatus.PAID, orders_t.c.paid_at >= since, orders_t.c.paid_at < until)
        )
    ).one()
    return int(row[0]), int(row[1])
