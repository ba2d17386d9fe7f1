"""Payments: Stripe Checkout for held orders, manual payments, refunds and Stripe's webhook events.

Stripe delivers an event more than once, concurrently and out of order. Each event is applied
in one tenant transaction that first locks the order row, then inserts its `processed_webhooks`
row (a unique key), then changes state with conditional updates: a duplicate finds the row and
changes nothing, and the delivery that settles an order is the only one that queues its email
and sale alert. A refund is recorded on the payment (keyed by the PaymentIntent) even before
the completion arrives; the completion then sees it and settles the order as refunded.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, case, false, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts.permissions import Action, require
from core.context import TenantContext
from core.crm import interactions
from core.errors import Conflict, DomainError, Invalid, Next, NextStep, NotReady
from core.events import channels
from core.jobs import outbox
from core.money import amounts
from core.notices import PaidWithoutSeats
from core.ports import (
    ChargeRefunded,
    CheckoutCompleted,
    CheckoutExpired,
    CheckoutLine,
    CheckoutPaymentFailed,
    PaymentNotFound,
    PaymentProviderError,
    Unhandled,
    Unreadable,
)
from core.sales import orders, tickets
from core.sales.orders import (
    Held,
    OrderView,
    events_t,
    orders_t,
    payments_t,
    products_t,
)
from core.services import Services
from core.time.local_time import wall_clock
from db.enums import EventStatus, OrderStatus, PaymentStatus
from db.models import Account, OrderLine, ProcessedWebhook, User

log = logging.getLogger(__name__)

MANUAL_METHODS = ("cash", "bank")
# Stripe wants a session to live at least 30 minutes; the hold's own expiry closes it first.
CHECKOUT_GRACE = timedelta(minutes=2)

lines_t = OrderLine.__table__
webhooks_t = ProcessedWebhook.__table__


class PaymentFailed(DomainError):
    code = "payment_provider"


@dataclass(frozen=True)
class Sale:
    order: Held
    payment_url: str | None


def _provider(error: PaymentProviderError) -> PaymentFailed:
    return PaymentFailed(str(error))


# --- selling ----------------------------------------------------------------------------


async def sell(
    services: Services, tenant: TenantContext, *, event: str, ticket: str, qty: int = 1, email: str,
    name: str | None = None, code: str | None = None,
) -> Sale:
    """Hold the seats (priced with a promo code, if given) and, with Stripe configured, create the payment link."""
    held = await orders.hold_seats(services, tenant, event=event, ticket=ticket, qty=qty, email=email, name=name,
                                   code=code)
    if held.status != OrderStatus.PENDING or services.payments is None:
        return Sale(held, None)
    return Sale(held, await start_checkout(services, tenant.account_id, held))


def _line_name(held: Held) -> str:
    """What Stripe Checkout lists: the ticket type and event, and the promo code that priced it."""
    name = f"{held.product_name} · {held.event_name}"
    return f"{name} · code {held.promo_code}" if held.promo_code else name


async def start_checkout(
    services: Services, account_id: uuid.UUID, held: Held, *, return_url: str | None = None, keep_hold: bool = False,
) -> str:
    """Create the Stripe Checkout Session of a pending order and remember it; returns its URL.

    The buyer comes back to `return_url` (the public order page), or to the plain thank-you page.
    When Stripe fails, the seats go back at once, unless `keep_hold` (a waitlist offer keeps its seats).
    """
    async with services.db.tenant(account_id) as session:
        connected = (await session.execute(select(Account.stripe_account_id))).scalar_one_or_none()
    base = services.settings.base_url
    try:
        checkout = await services.payments.create_checkout(
            order_id=str(held.order_id), account_id=str(account_id), reference=held.reference,
            currency=held.currency, customer_email=held.email,
            lines=[CheckoutLine(_line_name(held), held.unit_price_cents, held.quantity)],
            success_url=return_url or f"{base}/checkout/paid?order={held.reference}",
            cancel_url=return_url or f"{base}/checkout/cancelled?order={held.reference}",
            expires_at=held.expires_at + CHECKOUT_GRACE, connected_account=connected,
        )
    except PaymentProviderError as error:
        if keep_hold:
            raise PaymentFailed(f"{error} Nothing was charged; try again in a minute.") from None
        # No link, no sale: give the seats back at once instead of holding them for 30 minutes.
        async with services.db.tenant(account_id) as session:
            await orders.release(session, [held.order_id], status=OrderStatus.CANCELLED, now=services.clock.now())
        raise PaymentFailed(f"{error} Nothing was sold; try again in a minute.") from None
    async with services.db.tenant(account_id) as session:
        await session.execute(
            update(orders_t)
            .where(orders_t.c.id == held.order_id, orders_t.c.checkout_session_id.is_(None))
            .values(checkout_session_id=checkout.session_id, checkout_url=checkout.url, payment_method="stripe")
        )
    return checkout.url


# --- manual payments --------------------------------------------------------------------


async def mark_paid(services: Services, tenant: TenantContext, *, reference: str, method: str = "cash") -> OrderView:
    """Record a cash or bank payment for a pending order and issue its tickets."""
    require(tenant, Action.RECORD_PAYMENTS)
    method = (method or "").strip().lower()
    if method not in MANUAL_METHODS:
        raise Invalid(f"method must be cash or bank, not “{method}”.", field="method")
    account_id = tenant.account_id
    async with services.db.tenant(account_id) as session:
        order = await orders.find_order(session, reference)
        connected = (await session.execute(select(Account.stripe_account_id))).scalar_one_or_none()
    if order.status == OrderStatus.PENDING and order.checkout_session_id and services.payments is not None:
        # Close the card payment link first, so the buyer cannot pay twice.
        try:
            state = await services.payments.expire_checkout(order.checkout_session_id, connected_account=connected)
        except PaymentProviderError as error:
            raise _provider(error) from None
        if state == "complete":
            raise Conflict(f"{order.reference} was just paid by card; its tickets are on their way.")
    now = services.clock.now()
    async with services.db.tenant(account_id) as session:
        moved = (
            await session.execute(
                update(orders_t)
                .where(orders_t.c.id == order.id, orders_t.c.status == OrderStatus.PENDING)
                .values(status=OrderStatus.PAID, paid_at=now, payment_method=method)
                .returning(orders_t.c.id)
            )
        ).first()
        if moved is None:
            current = await orders.find_order(session, order.reference)
            raise _not_payable(current)
        await session.execute(
            insert(payments_t).values(account_id=account_id, order_id=order.id, provider=method,
                                      amount_cents=order.total_cents, currency=order.currency)
        )
        # Queues the ticket email and the sale alert; the ticker sends them, never this request.
        await orders.fulfil(session, services, account_id, order.id)
    async with services.db.tenant(account_id) as session:
        return await orders.order_view(session, services, order.id)


def _not_payable(order) -> DomainError:
    if order.status == OrderStatus.PAID:
        return Conflict(f"{order.reference} is already paid.")
    if order.status == OrderStatus.REFUNDED:
        return Conflict(f"{order.reference} was refunded.", next_step=Next.to(NextStep.SELL_NEW))
    return Conflict(f"{order.reference} is {order.status} and its seats went back on sale.", next_step=Next.to(NextStep.SELL_AGAIN))


# --- refunds ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RefundPlan:
    """What a refund would do, shown for confirmation; `refunded_cents` is what was refunded when it was made."""

    reference: str
    cents: int
    currency: str
    provider: str
    refunded_cents: int
    full: bool  # nothing is left to refund after it: the order is refunded, its tickets void


async def plan_refund(
    services: Services, tenant: TenantContext, *, reference: str, amount: str | None = None
) -> RefundPlan:
    """Check a refund without making it (organizers): how much goes back, and how."""
    require(tenant, Action.REFUND_ORDERS)
    async with services.db.tenant(tenant.account_id) as session:
        order, payment, _ = await _refundable(session, reference)
    return _plan(order, payment, amount)


async def _refundable(session: AsyncSession, reference: str):
    order = await orders.find_order(session, reference)
    payment = (
        await session.execute(
            select(payments_t).where(payments_t.c.order_id == order.id)
            .order_by(payments_t.c.created_at.desc()).limit(1)
        )
    ).first()
    connected = (await session.execute(select(Account.stripe_account_id))).scalar_one_or_none()
    return order, payment, connected


def _plan(order, payment, amount: str | None) -> RefundPlan:
    if payment is None:
        raise Conflict(f"{order.reference} is {order.status} and has no payment to refund.")
    if payment.provider in ("comp", "free"):
        raise Invalid(f"{order.reference} was free ({payment.provider}); there is no payment to refund.")
    left = payment.amount_cents - payment.refunded_cents
    if left <= 0:
        raise Conflict(f"{order.reference} is already refunded in full.")
    cents = left if amount is None else amounts.parse_amount(amount, payment.currency, field="amount")
    if cents <= 0:
        raise Invalid("amount must be more than 0.", field="amount")
    if cents > left:
        raise Invalid(
            f"amount can be at most {amounts.format_amount(left, payment.currency)}, what is left to refund on "
            f"{order.reference}.", field="amount",
        )
    return RefundPlan(order.reference, cents, payment.currency, payment.provider, payment.refunded_cents, cents == left)


async def refund(
    services: Services, tenant: TenantContext, *, reference: str, amount: str | None = None,
    seen_refunded: int | None = None,
) -> OrderView:
    """Refund all that is left of an order's payment, or `amount` of it; through Stripe for card payments.

    With `seen_refunded` (a confirmed plan's `refunded_cents`), nothing happens if the payment's
    refunds changed since the plan was shown: a confirmation is applied at most once.
    """
    require(tenant, Action.REFUND_ORDERS)
    account_id = tenant.account_id
    async with services.db.tenant(account_id) as session:
        order, payment, connected = await _refundable(session, reference)
        if seen_refunded is not None and payment is not None and payment.refunded_cents != seen_refunded:
            raise await _refunded_since(session, tenant, order, payment.id)
    cents = _plan(order, payment, amount).cents
    if payment.provider == "stripe":
        if services.payments is None:
            raise NotReady(f"{order.reference} was paid through Stripe, which is not configured here; set STRIPE_API_KEY.")
        try:
            # Keyed by what was refunded before: a retried command or a second click replays, a second refund is new.
            await services.payments.refund(
                payment_intent=payment.provider_ref, amount_cents=cents, connected_account=connected,
                idempotency_key=f"order:{order.id}:refund:{payment.refunded_cents}:{cents}",
            )
        except PaymentProviderError as error:
            raise _provider(error) from None
    total = payment.refunded_cents + cents
    now = services.clock.now()
    async with services.db.tenant(account_id) as session:
        await orders.find_order(session, order.reference, lock=True)
        if payment.provider == "stripe":
            recorded = await _locked_payment(session, payment.id)
            if recorded.refunded_cents == total and recorded.refunded_by is not None:
                # A click racing this one with the same plan recorded this very Stripe refund (one key, one refund).
                raise await _refunded_since(session, tenant, order, payment.id)
            changed = await _record_refund_total(session, payment.id, total, now=now, by=tenant.user_id)
        else:
            changed = await _add_manual_refund(session, payment.id, payment.refunded_cents, cents, now=now, by=tenant.user_id)
            if changed is None:
                raise await _refunded_since(session, tenant, order, payment.id)
        await _settle_refund(session, services, account_id, order.id, changed)
        return await orders.order_view(session, services, order.id)


async def _locked_payment(session: AsyncSession, payment_id: uuid.UUID):
    return (
        await session.execute(
            select(payments_t.c.refunded_cents, payments_t.c.refunded_by).where(payments_t.c.id == payment_id)
            .with_for_update()
        )
    ).one()


async def _refunded_since(session: AsyncSession, tenant: TenantContext, order, payment_id: uuid.UUID) -> Conflict:
    """What the stored refund says, for a confirmation pressed after its order was refunded: who, how much and when.

    The time is in the event's zone; "you" when the asking person made it, their name otherwise, and
    Stripe when it was made there.
    """
    row = (
        await session.execute(
            select(payments_t.c.refunded_cents, payments_t.c.amount_cents, payments_t.c.currency,
                   payments_t.c.refunded_at, payments_t.c.refunded_by, User.name, events_t.c.timezone)
            .select_from(payments_t)
            .join(events_t, events_t.c.id == order.event_id)
            .outerjoin(User, and_(User.account_id == payments_t.c.account_id, User.id == payments_t.c.refunded_by))
            .where(payments_t.c.id == payment_id)
        )
    ).one()
    how_much = (
        f"{amounts.format_amount(row.refunded_cents, row.currency)}, in full" if row.refunded_cents >= row.amount_cents
        else f"{amounts.format_amount(row.refunded_cents, row.currency)} of {amounts.format_amount(row.amount_cents, row.currency)}"
    )
    when = wall_clock(row.refunded_at, row.timezone) if row.refunded_at else "earlier"
    by_you = row.refunded_by is not None and row.refunded_by == tenant.user_id
    if by_you:
        said = f"You already refunded {order.reference} ({how_much}) on {when}"
    elif row.refunded_by is not None:
        said = f"{row.name or 'Someone else'} refunded {order.reference} ({how_much}) on {when}, since this confirmation was shown"
    else:
        said = f"{order.reference} was refunded in Stripe ({how_much}) on {when}, since this confirmation was shown"
    return Conflict(
        f"{said}; nothing more was refunded.", code="refunded_since",
        next_step=Next.to(NextStep.SHOW_ORDER, reference=order.reference),
        refunded_cents=row.refunded_cents, currency=row.currency, refunded_at=row.refunded_at, by_you=by_you,
        by=None if by_you else row.name,
    )


def _payment_status(refunded, amount):
    return case(
        (refunded >= amount, PaymentStatus.REFUNDED),
        (refunded > 0, PaymentStatus.PARTIALLY_REFUNDED),
        else_=PaymentStatus.SUCCEEDED,
    )


async def _record_refund_total(session: AsyncSession, payment_id: uuid.UUID, total: int, *, now,
                               by: uuid.UUID | None = None):
    """Raise a payment's refunded total to `total` (never lower it: refund events arrive in any order).

    `by` (who refunded from EventOS) is recorded when the total grows, or when Stripe's event about
    this very refund arrived first and recorded it with nobody; a refund made in Stripe records nobody.
    """
    refunded = func.least(func.greatest(payments_t.c.refunded_cents, total), payments_t.c.amount_cents)
    grows = payments_t.c.refunded_cents < refunded
    claims = payments_t.c.refunded_by.is_(None) & (payments_t.c.refunded_cents == refunded) if by is not None else false()
    return (
        await session.execute(
            update(payments_t).where(payments_t.c.id == payment_id)
            .values(refunded_cents=refunded, status=_payment_status(refunded, payments_t.c.amount_cents), refunded_at=now,
                    refunded_by=case((grows | claims, by), else_=payments_t.c.refunded_by))
            .returning(payments_t.c.id, payments_t.c.amount_cents, payments_t.c.refunded_cents, payments_t.c.currency)
        )
    ).first()


async def _add_manual_refund(session: AsyncSession, payment_id: uuid.UUID, seen: int, cents: int, *, now,
                             by: uuid.UUID | None):
    """Add `cents` on top of the `seen` refunded total; None when another refund came first (like Stripe's key)."""
    refunded = payments_t.c.refunded_cents + cents
    return (
        await session.execute(
            update(payments_t)
            .where(payments_t.c.id == payment_id, payments_t.c.refunded_cents == seen, refunded <= payments_t.c.amount_cents)
            .values(refunded_cents=refunded, status=_payment_status(refunded, payments_t.c.amount_cents), refunded_at=now,
                    refunded_by=by)
            .returning(payments_t.c.id, payments_t.c.amount_cents, payments_t.c.refunded_cents, payments_t.c.currency)
        )
    ).first()


async def _settle_refund(session: AsyncSession, services: Services, account_id: uuid.UUID, order_id: uuid.UUID,
                         payment) -> None:
    """After a payment's refunded total grew: a full refund refunds the order, voids its tickets, frees its seats."""
    now = services.clock.now()
    order = (await session.execute(select(orders_t).where(orders_t.c.id == order_id))).one()
    if payment.refunded_cents >= payment.amount_cents and order.status == OrderStatus.PAID:
        moved = (
            await session.execute(
                update(orders_t).where(orders_t.c.id == order_id, orders_t.c.status == OrderStatus.PAID)
                .values(status=OrderStatus.REFUNDED, refunded_at=now).returning(orders_t.c.id)
            )
        ).first()
        if moved is not None:
            await tickets.void_order(session, order_id, now=now)
            await orders.give_back_seats(session, [order_id])
    if order.status in (OrderStatus.PAID, OrderStatus.REFUNDED):
        whole = "in full" if payment.refunded_cents >= payment.amount_cents else (
            f"in part, {amounts.format_amount(payment.refunded_cents, payment.currency)} of "
            f"{amounts.format_amount(payment.amount_cents, payment.currency)}")
        await interactions.record_interaction(
            session, account_id, contact_id=order.contact_id, kind="refund",
            body=f"Order {order.reference} refunded {whole}.", occurred_at=now,
            source_key=f"payment:{payment.id}:refunded:{payment.refunded_cents}",
        )


# --- Stripe webhooks --------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookResult:
    outcome: str  # applied | duplicate | ignored
    order_id: uuid.UUID | None = None
    account_id: uuid.UUID | None = None


async def handle_stripe_webhook(services: Services, payload: bytes, signature: str) -> WebhookResult:
    """Verify and apply one Stripe event once; raises InvalidSignature for a bad or stale signature.

    An event of a shape this code does not read, or a refund of a payment Stripe does not know, is
    acknowledged as ignored (and logged): no retry could make it apply.
    """
    if services.payments is None:
        raise NotReady("Stripe is not configured.")
    event = services.payments.parse_webhook(payload, signature)
    if isinstance(event, Unhandled):
        return WebhookResult("ignored")
    if isinstance(event, Unreadable):
        log.warning("stripe event %.80s of type %s has an unexpected shape; ignored", event.id, event.type)
        return WebhookResult("ignored")
    named = event.order
    if isinstance(event, ChargeRefunded) and named.order_id is None and event.payment_intent:
        try:
            named = await services.payments.payment_order(event.payment_intent, connected_account=event.connected_account)
        except PaymentNotFound:
            log.warning("stripe event %s refunds a payment Stripe does not know; ignored", event.id)
            return WebhookResult("ignored")
    account_id, order_id = named.account_id, named.order_id
    if account_id is None or order_id is None:
        return WebhookResult("ignored")
    async with services.db.tenant(account_id) as session:
        stripe_account = (await session.execute(select(Account.id, Account.stripe_account_id))).first()
        # The tenant must exist and the event must come from the Stripe account that tenant charges on.
        if stripe_account is None or (stripe_account.stripe_account_id or None) != (event.connected_account or None):
            log.warning("stripe event %s names account %s it does not belong to; ignored", event.id, account_id)
            return WebhookResult("ignored")
        # Every delivery of events about one order queues here, so they apply one at a time.
        order = (
            await session.execute(select(orders_t).where(orders_t.c.id == order_id).with_for_update())
        ).first()
        if order is None or (not isinstance(event, ChargeRefunded) and order.checkout_session_id != event.session_id):
            log.warning("stripe event %s names an order that is not ours; ignored", event.id)
            return WebhookResult("ignored")
        recorded = (
            await session.execute(
                insert(webhooks_t)
                .values(account_id=account_id, provider="stripe", event_id=event.id, event_type=event.type,
                        payload=event.body)
                .on_conflict_do_nothing(index_elements=["account_id", "provider", "event_id"])
                .returning(webhooks_t.c.id)
            )
        ).first()
        if recorded is None:
            return WebhookResult("duplicate", order_id, account_id)
        match event:
            case CheckoutCompleted():
                await _settle_checkout(session, services, account_id, order, event)
            case CheckoutExpired():
                await orders.release(session, [order.id], status=OrderStatus.EXPIRED, now=services.clock.now())
            case CheckoutPaymentFailed():
                await orders.release(session, [order.id], status=OrderStatus.CANCELLED, now=services.clock.now())
            case ChargeRefunded():
                await _apply_charge_refunded(session, services, account_id, order, event)
    return WebhookResult("applied", order_id, account_id)


async def _stripe_payment(session: AsyncSession, account_id: uuid.UUID, order_id: uuid.UUID, *, intent: str,
                          amount: int, currency: str, refunded: int = 0, now=None):
    """The payment of a PaymentIntent, created by whichever event about it arrives first."""
    status = (PaymentStatus.REFUNDED if amount and refunded >= amount
              else PaymentStatus.PARTIALLY_REFUNDED if refunded else PaymentStatus.SUCCEEDED)
    await session.execute(
        insert(payments_t)
        .values(account_id=account_id, order_id=order_id, provider="stripe", provider_ref=intent, amount_cents=amount,
                currency=currency.upper(), refunded_cents=min(refunded, amount), status=status,
                refunded_at=now if refunded else None)
        .on_conflict_do_nothing(
            index_elements=["account_id", "provider", "provider_ref"],
            index_where=payments_t.c.provider_ref.isnot(None),
        )
    )
    return (
        await session.execute(
            select(payments_t.c.id, payments_t.c.amount_cents, payments_t.c.refunded_cents, payments_t.c.currency)
            .where(payments_t.c.provider == "stripe", payments_t.c.provider_ref == intent)
        )
    ).one()


async def _settle_checkout(session: AsyncSession, services: Services, account_id: uuid.UUID, order,
                           completed: CheckoutCompleted) -> None:
    """A paid Checkout Session: the order is paid (or refunded, when its refund came first)."""
    if not completed.paid:
        return  # an async payment method: its async_payment_succeeded event settles it
    now = services.clock.now()
    intent = completed.payment_intent or f"checkout:{completed.session_id}"
    payment = await _stripe_payment(session, account_id, order.id, intent=intent, amount=completed.amount_total,
                                    currency=completed.currency or order.currency, now=now)
    refunded_in_full = payment.amount_cents > 0 and payment.refunded_cents >= payment.amount_cents
    if order.status in (OrderStatus.PAID, OrderStatus.REFUNDED):
        return
    settled = update(orders_t).where(orders_t.c.id == order.id, orders_t.c.status == order.status)
    if refunded_in_full:
        await session.execute(
            settled.values(status=OrderStatus.REFUNDED, paid_at=now, refunded_at=now, payment_method="stripe"))
        if order.status == OrderStatus.PENDING:
            await orders.give_back_seats(session, [order.id])
        return
    if order.status != OrderStatus.PENDING and not await _retake_seats(session, order):
        await _alert_unseated(session, services, account_id, order)
        return
    await session.execute(settled.values(status=OrderStatus.PAID, paid_at=now, payment_method="stripe"))
    await orders.fulfil(session, services, account_id, order.id)


class _NoSeats(Exception):
    pass


async def _retake_seats(session: AsyncSession, order) -> bool:
    """Hold a lapsed order's seats again when they are still free (the same conditional updates as a hold)."""
    try:
        # A savepoint: taking the event's seats but not the product's must leave no trace.
        async with session.begin_nested():
            took = await session.execute(
                update(events_t)
                .where(events_t.c.id == order.event_id, events_t.c.status != EventStatus.CANCELLED,
                       events_t.c.capacity.is_(None) | (events_t.c.sold + order.quantity <= events_t.c.capacity))
                .values(sold=events_t.c.sold + order.quantity).returning(events_t.c.id)
            )
            if took.first() is None:
                raise _NoSeats
            lines = (await session.execute(select(lines_t.c.product_id, lines_t.c.quantity)
                                           .where(lines_t.c.order_id == order.id).order_by(lines_t.c.product_id))).all()
            for product_id, qty in lines:
                took = await session.execute(
                    update(products_t)
                    .where(products_t.c.id == product_id,
                           products_t.c.capacity.is_(None) | (products_t.c.sold + qty <= products_t.c.capacity))
                    .values(sold=products_t.c.sold + qty).returning(products_t.c.id)
                )
                if took.first() is None:
                    raise _NoSeats
    except _NoSeats:
        return False
    return True


async def _alert_unseated(session: AsyncSession, services: Services, account_id: uuid.UUID, order) -> None:
    """Money arrived for an order whose seats are gone: tell the sales channel so someone refunds it."""
    log.warning("order %s was paid after its hold lapsed and no seats are left", order.reference)
    channel = await channels.news_channel(session, order.event_id)
    if channel:
        await outbox.enqueue(session, account_id=account_id, dedupe_key=f"unseated:{order.id}", channel=channel,
                             notice=PaidWithoutSeats(reference=order.reference, email=order.email))


async def _apply_charge_refunded(session: AsyncSession, services: Services, account_id: uuid.UUID, order,
                                 charge: ChargeRefunded):
    if not charge.payment_intent:
        return
    now = services.clock.now()
    total = charge.amount_refunded
    payment = await _stripe_payment(session, account_id, order.id, intent=charge.payment_intent, amount=charge.amount,
                                    currency=charge.currency or order.currency, refunded=total, now=now)
    payment = await _record_refund_total(session, payment.id, total, now=now)
    await _settle_refund(session, services, account_id, order.id, payment)
