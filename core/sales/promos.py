"""Promo codes: a percentage or fixed discount, or an unlock of hidden ticket types, for one event.

A code's uses are counted in tickets, held ones included, like seats: a hold takes them with a
conditional UPDATE (`used + qty <= max_uses`, also a CHECK constraint) in the transaction that
creates the order, and every path that gives seats back gives the uses back with them. So no
interleaving of buyers uses a code more often than its maximum, and an expired hold frees its use.
"""

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts.permissions import Action, require
from core.context import TenantContext
from core.errors import Conflict, Invalid, NotFound
from core.events import events, ticket_types
from core.money import amounts
from core.money.amounts import Money, per_currency
from core.services import Services
from db.enums import EventStatus, OrderStatus
from db.models import Event, Order, OrderLine, Product, PromoCode, PromoCodeProduct

CODE_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9_-]{0,39}")

codes_t = PromoCode.__table__
links_t = PromoCodeProduct.__table__
lines_t = OrderLine.__table__
orders_t = Order.__table__
products_t = Product.__table__


@dataclass(frozen=True)
class Promo:
    id: uuid.UUID
    code: str
    event_slug: str
    event_name: str
    event_timezone: str
    currency: str
    percent_off: int | None
    amount_off_cents: int | None
    max_uses: int | None
    used: int
    ends_at: datetime | None
    ended_at: datetime | None
    tickets: tuple[str, ...]  # names of the ticket types it applies to; empty: all of the event's
    unlocks: tuple[str, ...]  # names of the hidden ticket types it unlocks

    def active(self, now: datetime) -> bool:
        return self.ended_at is None and (self.ends_at is None or now < self.ends_at)

    @property
    def remaining(self) -> int | None:
        return None if self.max_uses is None else max(self.max_uses - self.used, 0)


@dataclass(frozen=True)
class PromoReport:
    promo: Promo
    orders: int
    tickets_paid: int
    revenue: tuple[Money, ...]  # per currency, after the discount
    discount: tuple[Money, ...]  # per currency


def normalize_code(text: str | None) -> str:
    """A code as stored: upper-cased; letters, digits, - and _ only, at most 40."""
    code = (text or "").strip().upper()
    if not CODE_PATTERN.fullmatch(code):
        raise Invalid("A promo code is 1–40 letters, digits, - or _ (for example SPRING-20).", field="code",
                      code="promo_malformed")
    return code


def discounted(unit_price_cents: int, *, percent_off: int | None, amount_off_cents: int | None) -> int:
    """The price of one ticket with the code: never below zero; a percentage rounds to the nearest minor unit."""
    if percent_off is not None:
        return unit_price_cents - (unit_price_cents * percent_off + 50) // 100
    if amount_off_cents is not None:
        return max(unit_price_cents - amount_off_cents, 0)
    return unit_price_cents


def _percent(value: str | int | None) -> int | None:
    if value is None:
        return None
    text = str(value).strip().rstrip("%")
    if not text.isdigit() or not 1 <= int(text) <= 100:
        raise Invalid(f"percent must be a whole number from 1 to 100, not “{value}”.", field="percent")
    return int(text)


def _max_uses(value: str | int | None) -> int | None:
    if value is None:
        return None
    text = str(value).strip().replace(",", "")
    if not text.isdigit() or int(text) < 1 or int(text) > 1_000_000:
        raise Invalid(f"max must be a whole number of tickets from 1 to 1,000,000, not “{value}”.", field="max")
    return int(text)


async def _promo(session: AsyncSession, code_row) -> Promo:
    event = (await session.execute(select(Event).where(Event.id == code_row.event_id))).scalar_one()
    linked = (
        await session.execute(
            select(products_t.c.name, products_t.c.hidden)
            .join(links_t, (links_t.c.product_id == products_t.c.id) & (links_t.c.account_id == products_t.c.account_id))
            .where(links_t.c.promo_code_id == code_row.id)
            .order_by(products_t.c.name)
        )
    ).all()
    currency = await ticket_types.event_currency(session, event.id)
    return Promo(
        code_row.id, code_row.code, event.slug, event.name, event.timezone, currency or "USD",
        code_row.percent_off, code_row.amount_off_cents, code_row.max_uses, code_row.used, code_row.ends_at,
        code_row.ended_at, tuple(name for name, _ in linked), tuple(name for name, hidden in linked if hidden),
    )


async def _load(session: AsyncSession, code: str, *, lock: bool = False):
    statement = select(codes_t).where(codes_t.c.code == normalize_code(code))
    if lock:
        statement = statement.with_for_update()
    row = (await session.execute(statement)).first()
    if row is None:
        raise NotFound(f"There is no promo code {normalize_code(code)}.", field="code")
    return row


# --- organizers -------------------------------------------------------------------------


async def add_promo(
    services: Services, tenant: TenantContext, *, event: str, code: str, percent: str | int | None = None,
    amount: str | int | None = None, tickets: str | None = None, max: str | int | None = None,  # noqa: A002
    until: str | datetime | None = None, hidden: bool = False,
) -> Promo:
    """Create a code for an event; `hidden` makes its ticket types visible only to holders of a code naming them."""
    require(tenant, Action.CREATE_PROMO_CODES)
    clean = normalize_code(code)
    if percent is not None and amount is not None:
        raise Invalid("Give either percent= or amount=, not both.", field="percent")
    percent_off = _percent(percent)
    now = services.clock.now()
    async with services.db.tenant(tenant.account_id) as session:
        row = await events.load_event(session, event, lock=True)
        if row.status == EventStatus.CANCELLED:
            raise Conflict(f"“{row.name}” is cancelled; it sells nothing, so it takes no promo codes.")
        products = [
            await ticket_types.load_product(session, row, slug)
            for slug in dict.fromkeys(part.strip() for part in (tickets or "").split(",") if part.strip())
        ]
        if hidden and not products:
            raise Invalid("hidden=yes hides the ticket types the code names; add tickets=… too.", field="hidden")
        currency = await ticket_types.event_currency(session, row.id) or tenant.currency
        amount_off = amounts.parse_amount(amount, currency, field="amount") if amount is not None else None
        if amount_off == 0:
            raise Invalid("amount must be more than zero.", field="amount")
        ends_at = events.read_time(until, row.timezone, "until")
        if ends_at is not None:
            events.check_future(ends_at, now, row.timezone, "until")
        inserted = await session.execute(
            insert(codes_t)
            .values(account_id=tenant.account_id, event_id=row.id, code=clean, percent_off=percent_off,
                    amount_off_cents=amount_off, max_uses=_max_uses(max), ends_at=ends_at, created_by=tenant.user_id)
            .on_conflict_do_nothing(index_elements=["account_id", "code"])
            .returning(codes_t)
        )
        code_row = inserted.first()
        if code_row is None:
            raise Conflict(f"The code {clean} exists already; codes are unique in the workspace, pick another.",
                           field="code")
        for product in products:
            await session.execute(
                insert(links_t).values(account_id=tenant.account_id, promo_code_id=code_row.id, product_id=product.id)
            )
            if hidden:
                product.hidden = True
        await session.flush()
        return await _promo(session, code_row)


async def list_promos(services: Services, tenant: TenantContext, *, event: str) -> tuple[events.EventInfo, list[Promo]]:
    """An event's codes, newest first."""
    require(tenant, Action.SEE_PROMO_CODES)
    async with services.db.tenant(tenant.account_id) as session:
        row = await events.load_event(session, event)
        codes = (
            await session.execute(select(codes_t).where(codes_t.c.event_id == row.id).order_by(codes_t.c.created_at.desc()))
        ).all()
        return events.info(row, await events.venue_name(session, row.venue_id)), [await _promo(session, c) for c in codes]


@dataclass(frozen=True)
class CodeSales:
    """A code's line on an event's card: uses (held tickets included) and its paid sales."""

    code: str
    used: int
    max_uses: int | None
    orders: int
    tickets: int
    revenue: tuple[Money, ...]  # per currency, after the discount
    discount: tuple[Money, ...]  # per currency


@dataclass(frozen=True)
class _Sold:
    orders: int = 0
    tickets: int = 0
    revenue: tuple[Money, ...] = ()
    discount: tuple[Money, ...] = ()


async def _paid_with_codes(session: AsyncSession, *where) -> dict[uuid.UUID, _Sold]:
    """Paid orders' lines with a code, per code: orders, tickets, revenue after the discount and the discount
    given, the money summed per currency (an order is in one; a code's orders may be in several)."""
    rows = await session.execute(
        select(
            lines_t.c.promo_code_id, orders_t.c.currency,
            func.count(func.distinct(lines_t.c.order_id)),
            func.sum(lines_t.c.quantity),
            func.sum(lines_t.c.quantity * lines_t.c.unit_price_cents),
            func.sum(lines_t.c.quantity * (lines_t.c.list_unit_price_cents - lines_t.c.unit_price_cents)),
        )
        .join(orders_t, (orders_t.c.id == lines_t.c.order_id) & (orders_t.c.account_id == lines_t.c.account_id))
        .where(lines_t.c.promo_code_id.is_not(None), orders_t.c.status == OrderStatus.PAID, *where)
        .group_by(lines_t.c.promo_code_id, orders_t.c.currency)
    )
    per_code: dict[uuid.UUID, list] = {}
    for code_id, currency, orders, tickets, revenue, discount in rows:
        per_code.setdefault(code_id, []).append((currency, orders, int(tickets), int(revenue), int(discount)))
    return {
        code_id: _Sold(
            sum(r[1] for r in found), sum(r[2] for r in found),
            per_currency((r[0], r[3]) for r in found), per_currency((r[0], r[4]) for r in found),
        )
        for code_id, found in per_code.items()
    }


async def event_code_sales(session: AsyncSession, event_id: uuid.UUID) -> list[CodeSales]:
    """Every code of an event with its uses and paid sales, most tickets sold first."""
    sold = await _paid_with_codes(session, orders_t.c.event_id == event_id)
    rows = await session.execute(
        select(codes_t.c.id, codes_t.c.code, codes_t.c.used, codes_t.c.max_uses).where(codes_t.c.event_id == event_id)
    )
    found = []
    for code_id, code, used, max_uses in rows:
        paid = sold.get(code_id, _Sold())
        found.append(CodeSales(code, used, max_uses, paid.orders, paid.tickets, paid.revenue, paid.discount))
    return sorted(found, key=lambda c: (-c.tickets, -c.used, c.code))


async def show_promo(services: Services, tenant: TenantContext, *, code: str) -> PromoReport:
    """A code with what it sold: paid orders and tickets, revenue after the discount, the discount given."""
    require(tenant, Action.SEE_PROMO_CODES)
    async with services.db.tenant(tenant.account_id) as session:
        code_row = await _load(session, code)
        sold = (await _paid_with_codes(session, lines_t.c.promo_code_id == code_row.id)).get(code_row.id, _Sold())
        return PromoReport(await _promo(session, code_row), sold.orders, sold.tickets, sold.revenue, sold.discount)


async def end_promo(services: Services, tenant: TenantContext, *, code: str) -> tuple[Promo, bool]:
    """Stop a code from now on (orders already placed keep it); False if it had ended before."""
    require(tenant, Action.END_PROMO_CODES)
    now = services.clock.now()
    async with services.db.tenant(tenant.account_id) as session:
        code_row = await _load(session, code, lock=True)
        ended = await session.execute(
            update(codes_t).where(codes_t.c.id == code_row.id, codes_t.c.ended_at.is_(None))
            .values(ended_at=now).returning(codes_t)
        )
        fresh = ended.first()
        return await _promo(session, fresh or code_row), fresh is not None


# --- selling with a code ----------------------------------------------------------------


@dataclass(frozen=True)
class Applied:
    """A code applied to one ticket type: the price per ticket before and after it."""

    promo_id: uuid.UUID
    code: str
    list_unit_price_cents: int
    unit_price_cents: int


async def _usable(session: AsyncSession, *, event: Event, code: str, now: datetime):
    """The code's row if it can be used at this event now; Invalid or Conflict with a code saying why not.

    Codes: promo_malformed, promo_unknown, promo_other_event, promo_expired, promo_used_up.
    """
    clean = normalize_code(code)
    code_row = (await session.execute(select(codes_t).where(codes_t.c.code == clean))).first()
    if code_row is None or code_row.event_id != event.id:
        raise Invalid(f"{clean} is not a promo code for “{event.name}”; check its spelling.", field="code",
                      code="promo_unknown" if code_row is None else "promo_other_event")
    if code_row.ended_at is not None or (code_row.ends_at is not None and now >= code_row.ends_at):
        raise Invalid(f"The promo code {code_row.code} has expired.", field="code", code="promo_expired")
    if code_row.max_uses is not None and code_row.used >= code_row.max_uses:
        raise Conflict(f"The promo code {code_row.code} has been used up.", code="promo_used_up", field="code")
    return code_row


async def _linked(session: AsyncSession, promo_id: uuid.UUID) -> dict[uuid.UUID, bool]:
    """The ticket types a code names (empty: all of its event's), each with whether it is hidden."""
    rows = await session.execute(
        select(links_t.c.product_id, products_t.c.hidden)
        .join(products_t, (products_t.c.id == links_t.c.product_id) & (products_t.c.account_id == links_t.c.account_id))
        .where(links_t.c.promo_code_id == promo_id)
    )
    return {product_id: hidden for product_id, hidden in rows}


async def apply(session: AsyncSession, *, event: Event, product: Product, code: str, now: datetime) -> Applied:
    """Check a code for this ticket type now and price a ticket with it; nothing is taken yet."""
    code_row = await _usable(session, event=event, code=code, now=now)
    linked = await _linked(session, code_row.id)
    if linked and product.id not in linked:
        raise Invalid(f"The promo code {code_row.code} is not valid for “{product.name}”.", field="code",
                      code="promo_not_for_ticket", ticket=product.name)
    price = discounted(product.price_cents, percent_off=code_row.percent_off,
                       amount_off_cents=code_row.amount_off_cents)
    return Applied(code_row.id, code_row.code, product.price_cents, price)


@dataclass(frozen=True)
class PageCode:
    """A usable code as an event page shows it: what it takes off, on which ticket types, which it unlocks."""

    code: str
    percent_off: int | None
    amount_off_cents: int | None
    products: frozenset[uuid.UUID]  # empty: every ticket type of the event
    unlocks: frozenset[uuid.UUID]  # hidden ticket types shown only with the code

    def applies_to(self, product_id: uuid.UUID) -> bool:
        return not self.products or product_id in self.products

    def price(self, product_id: uuid.UUID, unit_price_cents: int) -> int:
        if not self.applies_to(product_id):
            return unit_price_cents
        return discounted(unit_price_cents, percent_off=self.percent_off, amount_off_cents=self.amount_off_cents)


async def for_page(session: AsyncSession, *, event: Event, code: str, now: datetime) -> PageCode:
    """A code a buyer brought to an event page (a link's ?code= or typed), checked as a hold would check it."""
    code_row = await _usable(session, event=event, code=code, now=now)
    linked = await _linked(session, code_row.id)
    return PageCode(code_row.code, code_row.percent_off, code_row.amount_off_cents, frozenset(linked),
                    frozenset(product_id for product_id, hidden in linked.items() if hidden))


async def take_uses(session: AsyncSession, applied: Applied, qty: int) -> None:
    """Count `qty` uses of the code, if that many are left; the row lock is held until the commit."""
    took = await session.execute(
        update(codes_t)
        .where(codes_t.c.id == applied.promo_id,
               (codes_t.c.max_uses.is_(None)) | (codes_t.c.used + qty <= codes_t.c.max_uses))
        .values(used=codes_t.c.used + qty)
        .returning(codes_t.c.id)
    )
    if took.first() is None:
        left = (await session.execute(select(codes_t.c.max_uses - codes_t.c.used).where(codes_t.c.id == applied.promo_id))).scalar_one()
        if left <= 0:
            raise Conflict(f"The promo code {applied.code} has been used up.", code="promo_used_up", field="code")
        raise Conflict(f"The promo code {applied.code} has {left} use(s) left; buy qty={left} or fewer with it.",
                       code="promo_used_up", field="code", left=left)


async def give_back_uses(session: AsyncSession, order_ids: list[uuid.UUID]) -> None:
    """Return the uses of orders that stopped holding their seats (expired, cancelled, refunded)."""
    per_code = await session.execute(
        select(lines_t.c.promo_code_id, func.sum(lines_t.c.quantity))
        .where(lines_t.c.order_id.in_(order_ids), lines_t.c.promo_code_id.is_not(None))
        .group_by(lines_t.c.promo_code_id).order_by(lines_t.c.promo_code_id)
    )
    for promo_id, uses in per_code.all():
        await session.execute(update(codes_t).where(codes_t.c.id == promo_id).values(used=codes_t.c.used - uses))
