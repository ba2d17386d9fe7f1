"""Orders: hold seats for a pending order, release holds, comp, fulfil, look up and resend.

Capacity is the database's to enforce. A hold moves `events.sold` and `products.sold` with
conditional UPDATEs (`sold + q <= capacity`) in the transaction that inserts the order, so no
interleaving of sellers can oversell and a refused hold leaves nothing behind. Those UPDATEs come
last in the transaction, after the order and its lines are written, so the hot event and product
rows stay locked only until the commit. Locks are taken in one order everywhere (order rows, then
the event row, then product rows) so holds, releases and the events engineer's capacity edits
never deadlock each other.
"""

import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, and_, bindparam, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts.permissions import Action, require
from core.context import TenantContext
from core.crm import contacts, interactions, phones
from core.errors import Conflict, Invalid, NotFound, SoldOut
from core.events import channels, events, ticket_types
from core.jobs import engine, outbox
from core.money import amounts
from core.notices import SaleAlert
from core.ports import PaymentProviderError
from core.sales import promos, tickets
from core.services import Services
from core.storefront import alerts
from db.enums import EventStatus, OrderSource, OrderStatus, WaitlistEntryStatus
from db.models import Account, Event, Order, OrderLine, Payment, Product, PromoCode, User, WaitlistEntry

log = logging.getLogger(__name__)

HOLD = timedelta(minutes=30)
REFERENCE_PREFIX = "EV-"
# No 0/O, 1/I/L: references are read out on the phone.
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_REFERENCE_LENGTH = 6

orders_t = Order.__table__
lines_t = OrderLine.__table__
events_t = Event.__table__
products_t = Product.__table__
payments_t = Payment.__table__
entries_t = WaitlistEntry.__table__


@dataclass(frozen=True)
class Held:
    """A pending order holding seats until `expires_at` (or a settled one, for comps and free tickets)."""

    order_id: uuid.UUID
    reference: str
    status: str
    kind: str
    event_slug: str
    event_name: str
    event_timezone: str
    product_name: str
    quantity: int
    unit_price_cents: int
    total_cents: int
    currency: str
    email: str
    name: str | None
    expires_at: datetime | None
    replayed: bool = False  # the order an earlier submission of the same checkout form made
    promo_code: str | None = None
    list_unit_price_cents: int | None = None


@dataclass(frozen=True)
class Placement:
    """Where an order is placed: a Slack channel and user (selling from Slack), or the public page's one-time form token."""

    source: str = OrderSource.SLACK
    channel: str | None = None
    user_id: uuid.UUID | None = None
    token: str | None = None
    channel_source: str | None = None  # a tracked link's source (`instagram`)
    promoter_id: uuid.UUID | None = None  # a tracked link's promoter

    @classmethod
    def by(cls, tenant: TenantContext) -> "Placement":
        return cls(OrderSource.SLACK, tenant.channel_id, tenant.user_id)


@dataclass(frozen=True)
class TicketLine:
    code: str
    url: str
    attendee: str
    product: str
    status: str


@dataclass(frozen=True)
class OrderView:
    id: uuid.UUID
    reference: str
    status: str
    kind: str
    event_slug: str
    event_name: str
    event_timezone: str
    products: str
    quantity: int
    total_cents: int
    currency: str
    email: str
    name: str | None
    payment_method: str | None
    paid_cents: int
    refunded_cents: int
    checkout_url: str | None
    expires_at: datetime | None
    paid_at: datetime | None
    created_at: datetime
    tickets: tuple[TicketLine, ...]
    emails_sent: int = 0
    source: str = OrderSource.SLACK  # where it was placed: slack | web (the public event page)
    channel_source: str | None = None  # the tracked link's source it came through
    promoter: str | None = None  # the tracked link's promoter (name)
    promo_code: str | None = None


class Full(Exception):
    """A conditional UPDATE found too few seats; turned into SoldOut (after a lazy expiry pass) by the caller."""

    def __init__(self, event_id: uuid.UUID, what: str, remaining: int) -> None:
        super().__init__(what)
        self.event_id = event_id
        self.what = what
        self.remaining = remaining

    def sold_out(self) -> SoldOut:
        if self.remaining <= 0:
            return SoldOut(f"{self.what} is sold out.", remaining=0)
        seats = "seat is" if self.remaining == 1 else "seats are"
        return SoldOut(
            f"Only {self.remaining} {seats} left for {self.what}; sell qty={self.remaining} or fewer.",
            remaining=self.remaining,
        )


def new_reference() -> str:
    """`EV-7K3F9Q`: short, unambiguous, random."""
    body = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(_REFERENCE_LENGTH))
    return REFERENCE_PREFIX + body


def normalize_reference(text: str) -> str:
    """What people type (`ev-7k3f9q`, `7K3F9Q`) as the stored reference."""
    ref = (text or "").strip().upper()
    return ref if ref.startswith(REFERENCE_PREFIX) else REFERENCE_PREFIX + ref


def _check_qty(qty: int) -> None:
    if qty < 1:
        raise Invalid("qty must be at least 1.", field="qty")


# --- holding seats ----------------------------------------------------------------------


async def hold_seats(
    services: Services, tenant: TenantContext, *, event: str, ticket: str, qty: int = 1, email: str,
    name: str | None = None, code: str | None = None,
) -> Held:
    """Reserve seats for a pending order that expires in 30 minutes; SoldOut says how many are left."""
    require(tenant, Action.SELL_TICKETS)
    return await place_hold(
        services, tenant.account_id, Placement.by(tenant), event=event, ticket=ticket, qty=qty, email=email, name=name,
        code=code,
    )


async def place_hold(
    services: Services, account_id: uuid.UUID, placement: Placement, *, event: str, ticket: str, qty: int, email: str,
    name: str | None = None, phone: str | None = None, code: str | None = None,
) -> Held:
    """The hold behind every sale, whoever places it (permissions are the caller's); free tickets settle at once.

    With a form token, the order already placed under it is returned (`replayed`) instead of a second one.
    """
    email = contacts.normalize_email(email)
    _check_qty(qty)

    async def hold(session: AsyncSession) -> Held:
        found = await _find_ticket(session, services, event, ticket, qty, comp=False)
        await _line_first(session, found, qty)
        applied = await _apply_code(session, services, found, code)
        price = applied.unit_price_cents if applied else found[1].price_cents
        settle = "free" if price == 0 else None
        return await _create_order(
            session, services, account_id, placement, found, qty, email, name, kind="sale", settle_as=settle,
            phone=phone, applied=applied,
        )

    return await _holding(services, account_id, hold)


async def comp(
    services: Services, tenant: TenantContext, *, event: str, ticket: str, email: str, name: str | None = None,
    qty: int = 1, code: str | None = None,
) -> Held:
    """Issue free tickets at once (drafts included): seats, a settled comp order, tickets and their email.

    A code given with a comp counts its uses (a sponsor's allowance of guest passes, say).
    """
    require(tenant, Action.COMP_TICKETS)
    email = contacts.normalize_email(email)
    _check_qty(qty)

    async def give(session: AsyncSession) -> Held:
        found = await _find_ticket(session, services, event, ticket, qty, comp=True)
        applied = await _apply_code(session, services, found, code)
        return await _create_order(
            session, services, tenant.account_id, Placement.by(tenant), found, qty, email, name, kind="comp",
            settle_as="comp", applied=applied,
        )

    return await _holding(services, tenant.account_id, give)


async def _holding(services: Services, account_id: uuid.UUID, work) -> Held:
    """Run a hold; when full, release the event's lapsed holds once and try again."""
    for attempt in (1, 2):
        try:
            async with services.db.tenant(account_id) as session:
                held = await work(session)
        except Full as full:
            if attempt == 1 and await release_expired_holds(services, account_id, event_id=full.event_id):
                continue
            raise full.sold_out() from None
        return held
    raise AssertionError("unreachable")


async def _find_ticket(
    session: AsyncSession, services: Services, event_slug: str, ticket_slug: str, qty: int, *, comp: bool
) -> tuple[Event, Product]:
    """The event and ticket type to sell, checked for sale without locking anything."""
    event = await events.load_event(session, event_slug)
    product = await ticket_types.load_product(session, event, ticket_slug)
    ticket_types.ensure_on_sale(event, product, now=services.clock.now(), comp=comp)
    if qty > product.max_per_order:
        raise Invalid(
            f"qty can be at most {product.max_per_order} per order for “{product.name}”; split it into several orders.",
            field="qty",
        )
    return event, product


async def _line_first(session: AsyncSession, found: tuple[Event, Product], qty: int) -> None:
    """While people wait for a ticket type, the seats that come back are theirs: sell only those beyond the line.

    The waitlist's offers take them (core/sales/waitlist.py); a read, not a lock, because the
    capacity UPDATEs still decide, and the line only grows while the ticket type is sold out.
    """
    event, product = found
    waiting = (
        await session.execute(
            select(func.coalesce(func.sum(entries_t.c.quantity), 0))
            .where(entries_t.c.product_id == product.id, entries_t.c.status == WaitlistEntryStatus.WAITING)
        )
    ).scalar_one()
    if not waiting:
        return
    seats = (await session.execute(select(events_t.c.capacity, events_t.c.sold).where(events_t.c.id == event.id))).one()
    left = [n - sold for n, sold in ((seats.capacity, seats.sold), (product.capacity, product.sold)) if n is not None]
    free = min(left) - int(waiting) if left else None
    if free is not None and free < qty:
        raise Full(event.id, f"“{product.name}” at “{event.name}”", max(free, 0))


async def hold_for_offer(
    session: AsyncSession, services: Services, account_id: uuid.UUID, found: tuple[Event, Product], *, qty: int,
    email: str, name: str | None, hold: timedelta,
) -> Held:
    """The hold of a waitlist offer, in the caller's transaction: seats taken like any hold, for `hold`; Full if short."""
    return await _create_order(
        session, services, account_id, Placement(OrderSource.WEB), found, qty, email, name, kind="sale", settle_as=None,
        hold=hold,
    )


async def _apply_code(
    session: AsyncSession, services: Services, found: tuple[Event, Product], code: str | None
) -> promos.Applied | None:
    if code is None or not code.strip():
        return None
    event, product = found
    return await promos.apply(session, event=event, product=product, code=code, now=services.clock.now())


# The statements every sale sends, built once so each reuses its compiled form.
_QTY = bindparam("qty", type_=Integer)
_TAKE_EVENT_SEATS = (
    update(events_t)
    .where(
        events_t.c.id == bindparam("row_id"), events_t.c.status.in_(bindparam("statuses", expanding=True)),
        or_(events_t.c.capacity.is_(None), events_t.c.sold + _QTY <= events_t.c.capacity),
    )
    .values(sold=events_t.c.sold + _QTY)
    .returning(events_t.c.id)
)
_TAKE_PRODUCT_SEATS = (
    update(products_t)
    .where(products_t.c.id == bindparam("row_id"),
           or_(products_t.c.capacity.is_(None), products_t.c.sold + _QTY <= products_t.c.capacity))
    .values(sold=products_t.c.sold + _QTY)
    .returning(products_t.c.id)
)
_ORDER_COLUMNS = (
    "account_id", "event_id", "contact_id", "kind", "quantity", "total_cents", "currency", "email", "name", "status",
    "payment_method", "paid_at", "expires_at", "slack_channel", "created_by", "source", "checkout_token",
    "channel_source", "promoter_user_id", "reference",
)
# No conflict target: a reference drawn twice and a form token used before both turn into "nothing".
_INSERT_ORDER = (
    insert(orders_t)
    .values({name: bindparam(name, type_=orders_t.c[name].type) for name in _ORDER_COLUMNS})
    .on_conflict_do_nothing()
    .returning(orders_t.c.id)
)
_LINE_COLUMNS = ("account_id", "order_id", "product_id", "quantity", "unit_price_cents", "promo_code_id", "list_unit_price_cents")
_INSERT_LINE = insert(lines_t).values({name: bindparam(name, type_=lines_t.c[name].type) for name in _LINE_COLUMNS})


async def take_event_seats(session: AsyncSession, event: Event, qty: int, *, comp: bool) -> None:
    """Move the event's `sold` by `qty` if the seats are there (a draft's too, for comps); Full otherwise."""
    statuses = (EventStatus.PUBLISHED, EventStatus.DRAFT) if comp else (EventStatus.PUBLISHED,)
    took_event = await session.execute(_TAKE_EVENT_SEATS, {"row_id": event.id, "qty": qty, "statuses": list(statuses)})
    if took_event.first() is None:
        now = (await session.execute(select(events_t.c.status, events_t.c.capacity, events_t.c.sold)
                                     .where(events_t.c.id == event.id))).one()
        if now.status not in statuses:
            raise Conflict(f"“{event.name}” was cancelled a moment ago; it sells nothing.")
        raise Full(event.id, f"“{event.name}”", now.capacity - now.sold)


async def _take_seats(session: AsyncSession, event: Event, product: Product, qty: int, *, comp: bool) -> None:
    """Move `sold` on the event, then the ticket type, if the seats are there; Full otherwise."""
    await take_event_seats(session, event, qty, comp=comp)
    took_product = await session.execute(_TAKE_PRODUCT_SEATS, {"row_id": product.id, "qty": qty})
    if took_product.first() is None:
        now = (await session.execute(select(products_t.c.capacity, products_t.c.sold)
                                     .where(products_t.c.id == product.id))).one()
        raise Full(event.id, f"“{product.name}” at “{event.name}”", now.capacity - now.sold)


async def _create_order(
    session: AsyncSession, services: Services, account_id: uuid.UUID, placement: Placement,
    found: tuple[Event, Product], qty: int, email: str, name: str | None, *, kind: str, settle_as: str | None,
    phone: str | None = None, applied: promos.Applied | None = None, hold: timedelta = HOLD,
) -> Held:
    event, product = found
    now = services.clock.now()
    contact_id = await contacts.upsert_contact(
        session, account_id, email=email, name=name, phone=phone, region=phones.region_for_timezone(event.timezone),
    )
    if kind == "comp":
        price = 0
    else:
        price = applied.unit_price_cents if applied else product.price_cents
    total = price * qty
    expires_at = None if settle_as else now + hold
    values = dict(
        account_id=account_id, event_id=event.id, contact_id=contact_id, kind=kind, quantity=qty,
        total_cents=total, currency=product.currency, email=email, name=(name or "").strip() or None,
        status=OrderStatus.PAID if settle_as else OrderStatus.PENDING, payment_method=settle_as, paid_at=now if settle_as else None,
        expires_at=expires_at, slack_channel=placement.channel, created_by=placement.user_id,
        source=placement.source, checkout_token=placement.token, channel_source=placement.channel_source,
        promoter_user_id=placement.promoter_id,
    )
    for _ in range(8):
        reference = new_reference()
        # The unique indexes decide: a reference clash (1 in ~10^9) just draws again; a form token
        # already used means this is the same form again. A concurrent submission of the same token
        # waits here on the index until the first one's transaction ends, then finds its order.
        order_id = (await session.execute(_INSERT_ORDER, values | {"reference": reference})).scalar_one_or_none()
        if order_id is not None:
            break
        if placement.token is not None and (
            earlier := await _placed_with(session, placement.token, event, product, qty, email)
        ):
            return earlier
    else:
        raise RuntimeError("could not draw a free order reference")
    await session.execute(_INSERT_LINE, dict(
        account_id=account_id, order_id=order_id, product_id=product.id, quantity=qty, unit_price_cents=price,
        promo_code_id=applied.promo_id if applied else None,
        list_unit_price_cents=(0 if kind == "comp" else applied.list_unit_price_cents) if applied else None,
    ))
    if settle_as:
        await session.execute(
            insert(payments_t).values(account_id=account_id, order_id=order_id, provider=settle_as,
                                      amount_cents=total, currency=product.currency)
        )
        await fulfil(session, services, account_id, order_id)
    # Last, right before commit: the event and product rows are every seller's hot rows, and
    # these UPDATEs hold their locks until the transaction ends. Too few seats rolls it all back.
    await _take_seats(session, event, product, qty, comp=kind == "comp")
    if applied:
        await promos.take_uses(session, applied, qty)
    return Held(
        order_id, reference, values["status"], kind, event.slug, event.name, event.timezone, product.name, qty,
        price, total, product.currency, email, values["name"], expires_at,
        promo_code=applied.code if applied else None,
        list_unit_price_cents=applied.list_unit_price_cents if applied else None,
    )


async def _placed_with(
    session: AsyncSession, token: str, event: Event, product: Product, qty: int, email: str
) -> Held | None:
    """The order an earlier submission of this form token placed; Conflict if it asked for something else."""
    order = (await session.execute(select(orders_t).where(orders_t.c.checkout_token == token))).first()
    if order is None:
        return None
    line = (
        await session.execute(
            select(lines_t.c.product_id, lines_t.c.unit_price_cents, lines_t.c.list_unit_price_cents, PromoCode.code)
            .outerjoin(PromoCode, and_(PromoCode.account_id == lines_t.c.account_id,
                                       PromoCode.id == lines_t.c.promo_code_id))
            .where(lines_t.c.order_id == order.id)
        )
    ).first()
    if (order.event_id, line.product_id, order.quantity, order.email) != (event.id, product.id, qty, email):
        raise Conflict(f"This form was already used for order {order.reference}.", code="form_used",
                       reference=order.reference)
    return Held(
        order.id, order.reference, order.status, order.kind, event.slug, event.name, event.timezone, product.name,
        order.quantity, line.unit_price_cents, order.total_cents, order.currency, order.email, order.name,
        order.expires_at, replayed=True, promo_code=line.code, list_unit_price_cents=line.list_unit_price_cents,
    )


# --- giving seats back ------------------------------------------------------------------


async def give_back_seats(session: AsyncSession, order_ids: list[uuid.UUID]) -> None:
    """Return the seats, and promo code uses, of orders that stopped holding them (the caller changed their status)."""
    if not order_ids:
        return
    per_event = await session.execute(
        select(orders_t.c.event_id, func.sum(orders_t.c.quantity))
        .where(orders_t.c.id.in_(order_ids)).group_by(orders_t.c.event_id).order_by(orders_t.c.event_id)
    )
    for event_id, seats in per_event.all():
        await session.execute(update(events_t).where(events_t.c.id == event_id).values(sold=events_t.c.sold - seats))
    per_product = await session.execute(
        select(lines_t.c.product_id, func.sum(lines_t.c.quantity))
        .where(lines_t.c.order_id.in_(order_ids)).group_by(lines_t.c.product_id).order_by(lines_t.c.product_id)
    )
    for product_id, seats in per_product.all():
        await session.execute(
            update(products_t).where(products_t.c.id == product_id).values(sold=products_t.c.sold - seats)
        )
    # Last, as a hold takes them: order rows, the event, its products, then the code.
    await promos.give_back_uses(session, order_ids)


async def release(session: AsyncSession, order_ids: list[uuid.UUID], *, status: str, now: datetime) -> list[uuid.UUID]:
    """Move pending orders to `status` (expired, cancelled) and free their seats; each order once."""
    if not order_ids:
        return []
    # The status condition makes this run once per order whoever else (ticker, webhook,
    # lazy expiry) releases the same order at the same time.
    released = list(
        (
            await session.execute(
                update(orders_t)
                .where(orders_t.c.id.in_(order_ids), orders_t.c.status == OrderStatus.PENDING)
                .values(status=status, cancelled_at=now)
                .returning(orders_t.c.id)
            )
        ).scalars()
    )
    await give_back_seats(session, released)
    return released


async def release_expired_holds(
    services: Services, account_id: uuid.UUID, *, event_id: uuid.UUID | None = None, limit: int = 500
) -> int:
    """Expire the account's lapsed holds (those of one event, if given); returns how many were released.

    A hold with an open Stripe Checkout Session is expired at Stripe first: a session that was
    paid meanwhile keeps its seats, and its completion webhook settles it.
    """
    now = services.clock.now()
    async with services.db.tenant(account_id) as session:
        query = (
            select(orders_t.c.id, orders_t.c.checkout_session_id)
            .where(orders_t.c.status == OrderStatus.PENDING, orders_t.c.expires_at <= now)
            .order_by(orders_t.c.expires_at).limit(limit)
        )
        if event_id is not None:
            query = query.where(orders_t.c.event_id == event_id)
        due = (await session.execute(query)).all()
        connected = (await session.execute(select(Account.stripe_account_id))).scalar_one_or_none()
    if not due:
        return 0
    releasable = []
    for order_id, session_id in due:
        if session_id and services.payments is not None:
            try:
                state = await services.payments.expire_checkout(session_id, connected_account=connected)
            except PaymentProviderError:
                log.warning("could not expire checkout session of order %s; will try again", order_id)
                continue
            if state == "complete":
                continue
        releasable.append(order_id)
    async with services.db.tenant(account_id) as session:
        return len(await release(session, releasable, status=OrderStatus.EXPIRED, now=now))


async def expire_holds(services: Services, *, accounts_at_once: int = 50) -> int:
    """The ticker's job: release every lapsed hold of every account; safe on any number of replicas."""
    now = services.clock.now()
    async with services.db.system() as session:
        accounts = (
            await session.execute(
                select(orders_t.c.account_id)
                .where(orders_t.c.status == OrderStatus.PENDING, orders_t.c.expires_at <= now)
                .distinct().limit(accounts_at_once)
            )
        ).scalars().all()

    async def expire(account_id: uuid.UUID) -> int:
        return await release_expired_holds(services, account_id)

    # One account's failure (Stripe down for its connected account) does not hold up the others.
    return await engine.each(accounts, expire, what="hold expiry of account")


# --- settling ---------------------------------------------------------------------------


async def fulfil(session: AsyncSession, services: Services, account_id: uuid.UUID, order_id: uuid.UUID) -> None:
    """For an order that just became paid: tickets, the purchase on the timeline, the sale alert, the email.

    Called only by the transaction that moved the order to paid, so each happens once.
    """
    order = (await session.execute(select(orders_t).where(orders_t.c.id == order_id))).one()
    event = (
        await session.execute(
            select(events_t.c.name, events_t.c.capacity)
            .where(events_t.c.id == order.event_id)
        )
    ).one()
    products = await _product_names(session, order_id)
    await tickets.issue(session, services, account_id=account_id, order_id=order_id)
    now = services.clock.now()
    if order.kind == "comp":
        body = f"Received {order.quantity} × {products} for {event.name} as a comp (order {order.reference})."
    else:
        where = " on the event page" if order.source == OrderSource.WEB else ""
        amount = amounts.format_amount(order.total_cents, order.currency)
        body = f"Bought {order.quantity} × {products} for {event.name}{where} (order {order.reference}, {amount})."
    await interactions.record_interaction(
        session, account_id, contact_id=order.contact_id, kind="purchase", body=body, occurred_at=now,
        user_id=order.created_by, author="web" if order.source == OrderSource.WEB else None,
        source_key=f"order:{order_id}:purchase",
    )
    if order.kind == "sale":
        await _alert_sale(session, services, account_id, order, event, products)
    await tickets.queue_email(session, account_id=account_id, order_id=order_id, dedupe_key=f"order:{order_id}:tickets")


async def _alert_sale(session: AsyncSession, services: Services, account_id, order, event, products: str) -> None:
    """Queue the sale alert for the event's sales channel (public orders fold into a rush alert), and sold-out."""
    channel = await channels.news_channel(session, order.event_id)
    if not channel:
        return
    sold = (
        await session.execute(
            select(func.coalesce(func.sum(orders_t.c.quantity), 0))
            .where(orders_t.c.event_id == order.event_id, orders_t.c.status == OrderStatus.PAID)
        )
    ).scalar_one()
    if order.source == OrderSource.WEB:
        sale = alerts.Sale(order.event_id, event.name, products, order.quantity, order.total_cents, order.currency,
                           alerts.short_name(order.name, order.email), order.reference, int(sold), event.capacity)
        await alerts.alert_public_sale(session, services, account_id, channel, sale, now=services.clock.now())
    else:
        notice = SaleAlert(
            event=event.name, products=products, quantity=order.quantity, amount_cents=order.total_cents,
            currency=order.currency, method=order.payment_method, buyer=order.name, email=order.email,
            reference=order.reference, sold=int(sold), capacity=event.capacity,
        )
        await outbox.enqueue(session, account_id=account_id, dedupe_key=f"sale:{order.id}", channel=channel,
                             notice=notice)
    await alerts.announce_if_sold_out(session, services, account_id, channel, event_id=order.event_id,
                                      event_name=event.name, capacity=event.capacity)


# How each payment method reads, in Slack, emails and pages alike.
METHOD_LABELS = {"stripe": "card (Stripe)", "cash": "cash", "bank": "bank transfer", "free": "free ticket", "comp": "comp"}


async def _product_names(session: AsyncSession, order_id: uuid.UUID) -> str:
    names = (
        await session.execute(
            select(products_t.c.name).join(lines_t, lines_t.c.product_id == products_t.c.id)
            .where(lines_t.c.order_id == order_id).order_by(products_t.c.name)
        )
    ).scalars().all()
    return ", ".join(names)


# --- reading ----------------------------------------------------------------------------


async def find_order(session: AsyncSession, reference: str, *, lock: bool = False):
    """The order row by reference (`FOR UPDATE` when `lock`); NotFound with a sentence otherwise."""
    ref = normalize_reference(reference)
    query = select(orders_t).where(orders_t.c.reference == ref)
    if lock:
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    if row is None:
        raise NotFound(f"There is no order `{ref}`; references look like EV-7K3F9Q.", field="reference")
    return row


async def order_view(session: AsyncSession, services: Services, order_id: uuid.UUID) -> OrderView:
    """Everything an order card shows about one order, read in the caller's transaction."""
    order = (await session.execute(select(orders_t).where(orders_t.c.id == order_id))).one()
    event = (await session.execute(select(events_t.c.slug, events_t.c.name, events_t.c.timezone)
                                   .where(events_t.c.id == order.event_id))).one()
    paid, refunded = (
        await session.execute(
            select(func.coalesce(func.sum(payments_t.c.amount_cents), 0),
                   func.coalesce(func.sum(payments_t.c.refunded_cents), 0))
            .where(payments_t.c.order_id == order_id)
        )
    ).one()
    lines = await tickets.order_tickets(session, services, order_id)
    sent = await tickets.emails_sent(session, order_id)
    promoter = None
    if order.promoter_user_id is not None:
        promoter = (await session.execute(select(User.name).where(User.id == order.promoter_user_id))).scalar_one()
    code = (
        await session.execute(
            select(PromoCode.code).join(OrderLine, and_(OrderLine.account_id == PromoCode.account_id,
                                                         OrderLine.promo_code_id == PromoCode.id))
            .where(OrderLine.order_id == order_id).limit(1)
        )
    ).scalar_one_or_none()
    return OrderView(
        order.id, order.reference, order.status, order.kind, event.slug, event.name, event.timezone,
        await _product_names(session, order_id), order.quantity, order.total_cents, order.currency, order.email,
        order.name, order.payment_method, int(paid), int(refunded), order.checkout_url, order.expires_at,
        order.paid_at, order.created_at, tuple(TicketLine(*line) for line in lines), sent, order.source,
        order.channel_source, promoter, code,
    )


async def get_order(services: Services, tenant: TenantContext, *, reference: str) -> OrderView:
    require(tenant, Action.LOOK_UP_ORDERS)
    async with services.db.tenant(tenant.account_id) as session:
        order = await find_order(session, reference)
        return await order_view(session, services, order.id)


async def resend(services: Services, tenant: TenantContext, *, reference: str) -> OrderView:
    """Email an order's tickets again (to the order's email address)."""
    require(tenant, Action.RESEND_TICKETS)
    async with services.db.tenant(tenant.account_id) as session:
        order = await find_order(session, reference)
        if order.status != OrderStatus.PAID:
            raise Conflict(f"{order.reference} is {order.status}, so it has no valid tickets to send.")
        await tickets.queue_email(
            session, account_id=tenant.account_id, order_id=order.id,
            dedupe_key=f"order:{order.id}:resend:{uuid.uuid4().hex}",
        )
    async with services.db.tenant(tenant.account_id) as session:
        return await order_view(session, services, order.id)
