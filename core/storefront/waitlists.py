"""The public side of the waitlist: joining from a sold-out event page, and the checkout link of an offer.

Joining uses the event page's signed form token (bound to the browser, like the checkout form), so
it cannot be forged from another site. An offer's link carries its hold's reference signed for
offers of this account (core/storefront/tokens.py): it buys exactly that offer (its ticket type,
quantity and price), and a lapsed or used link gets a page that says so.
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert

from core.crm import contacts
from core.errors import Invalid
from core.sales import orders, payments, waitlist
from core.sales.orders import OrderView
from core.services import Services
from core.storefront import checkout, tokens
from core.storefront.checkout import Refused
from core.storefront.handles import Organizer, find_organizer
from core.storefront.pages import forget, read_event_page
from db.enums import OrderStatus
from db.models import Order, OrderLine, Payment, Product, WaitlistEntry

CONSENT_SOURCE = "event page waitlist"
# Stripe closes a Checkout Session at most 24 hours after it is made; the offer's own expiry closes it first.
LONGEST_SESSION = timedelta(hours=23, minutes=55)
SHORTEST_SESSION = timedelta(minutes=31)


@dataclass(frozen=True)
class WaitlistForm:
    """The waitlist form as submitted: every value a string, checked here."""

    ticket: str
    qty: str
    name: str
    email: str
    consent: bool
    token: str


@dataclass(frozen=True)
class InLine:
    """A place in line: the ticket type's name, the position and how long an offer will hold."""

    ticket: str
    position: int
    quantity: int
    again: bool
    offer_hours: int


@dataclass(frozen=True)
class OfferPage:
    """An offer as its link shows it; `state` is open, bought or lapsed."""

    organizer: Organizer
    order: OrderView
    state: str
    receipt_url: str


def _refuse(code: str, field: str | None = None, **details) -> Refused:
    return Refused(code.replace("_", " "), code=code, field=field, **details)


def _text(value: str, field: str, most: int) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise _refuse(f"{field}_missing", field)
    if len(value) > most:
        raise _refuse(f"{field}_too_long", field, most=most)
    return value


async def join(services: Services, handle: str, event_slug: str, form: WaitlistForm, *, client: str) -> InLine:
    """Put a visitor in line for a sold-out ticket type; every refusal comes before anything is saved."""
    page = await read_event_page(services, (handle or "").lower(), (event_slug or "").lower())
    if page is None:
        raise _refuse("event_unknown")
    account_id = page.organizer.account_id
    if tokens.form_nonce(services.settings.secret_key, form.token, account_id=account_id, event_slug=page.slug,
                         client=client, now=services.clock.now()) is None:
        raise _refuse("form_expired")
    if page.state != "on_sale":
        raise _refuse(f"event_{page.state}")
    offer = page.offer((form.ticket or "").strip().lower())
    if offer is None:
        raise _refuse("ticket_unknown", "ticket")
    if offer.state != "sold_out":
        raise _refuse("waitlist_not_needed", "ticket", ticket=offer.name)
    name = _text(form.name, "name", checkout.MAX_NAME)
    email = _text(form.email, "email", checkout.MAX_EMAIL)
    try:
        email = contacts.normalize_email(email)
    except Invalid:
        raise _refuse("email_invalid", "email") from None
    qty_text = (form.qty or "").strip()
    if not qty_text.isdigit() or len(qty_text) > checkout.MAX_QTY_TEXT or int(qty_text) < 1:
        raise _refuse("qty_invalid", "qty")
    if int(qty_text) > offer.per_order:
        raise _refuse("waitlist_qty_above_max", "qty", most=offer.per_order, ticket=offer.name)
    async with services.db.tenant(account_id) as session:
        product_id = (
            await session.execute(select(Product.id).where(Product.event_id == page.id, Product.slug == offer.slug))
        ).scalar_one()
    try:
        joined = await waitlist.join(
            services, account_id, event_id=page.id, product_id=product_id, email=email, name=name,
            quantity=int(qty_text), consent=form.consent, consent_source=CONSENT_SOURCE,
        )
    except waitlist.OfferTaken:
        raise _refuse("offer_open", "email", email=email) from None
    forget(page.organizer.handle, page.slug)
    return InLine(offer.name, joined.position, joined.quantity, joined.again, page.offer_hours)


async def _offer_order(services: Services, handle: str, event_slug: str, key: str):
    """The organizer and the order of an offer link, or None for a wrong, forged or foreign link."""
    organizer = await find_organizer(services, handle)
    if organizer is None:
        return None
    reference = tokens.offer_reference(services.settings.secret_key, key, account_id=organizer.account_id)
    if reference is None:
        return None
    async with services.db.tenant(organizer.account_id) as session:
        order_id = (
            await session.execute(
                select(Order.id).join(WaitlistEntry, WaitlistEntry.order_id == Order.id)
                .where(Order.reference == reference)
            )
        ).scalar_one_or_none()
        if order_id is None:
            return None
        view = await orders.order_view(session, services, order_id)
    if view.event_slug != (event_slug or "").lower():
        return None
    return organizer, view


def _state(services: Services, view: OrderView) -> str:
    if view.status in (OrderStatus.PAID, OrderStatus.REFUNDED):
        return "bought"
    if view.status == OrderStatus.PENDING and view.expires_at is not None and view.expires_at > services.clock.now():
        return "open"
    return "lapsed"


async def offer_page(services: Services, handle: str, event_slug: str, key: str) -> OfferPage | None:
    """What an offer's link shows; None for a link that is not an offer of this event."""
    found = await _offer_order(services, handle, event_slug, key)
    if found is None:
        return None
    organizer, view = found
    receipt = checkout.receipt_url(services, organizer, view.event_slug, view.reference)
    return OfferPage(organizer, view, _state(services, view), receipt)


async def take(services: Services, handle: str, event_slug: str, key: str) -> str | None:
    """Buy exactly the offer: where to go next (Stripe Checkout, or the order page of free tickets).

    None for a link that is not an offer of this event; Refused when it lapsed, was used, or Stripe failed.
    """
    page = await offer_page(services, handle, event_slug, key)
    if page is None:
        return None
    if page.state == "bought":
        raise _refuse("offer_used", reference=page.order.reference)
    if page.state == "lapsed":
        raise _refuse("offer_lapsed")
    account_id = page.organizer.account_id
    if page.order.total_cents == 0:
        await _confirm_free(services, account_id, page.order.id)
        return page.receipt_url
    if page.order.checkout_url:
        return page.order.checkout_url
    if services.payments is None:
        raise _refuse("payments_unavailable")
    held = await _held(services, account_id, page.order)
    try:
        return await payments.start_checkout(services, account_id, held, return_url=page.receipt_url, keep_hold=True)
    except payments.PaymentFailed:
        raise _refuse("payment_failed") from None


async def _held(services: Services, account_id: uuid.UUID, view: OrderView) -> orders.Held:
    """The offer's hold as Stripe Checkout is asked to sell it: its one line, at the price it was offered."""
    async with services.db.tenant(account_id) as session:
        unit = (
            await session.execute(select(OrderLine.unit_price_cents).where(OrderLine.order_id == view.id))
        ).scalar_one()
    # The session closes a little after the hold (start_checkout adds the grace), within Stripe's bounds;
    # a session still open when the hold lapses is expired at Stripe first, as for every hold.
    now = services.clock.now()
    closes = max(min(view.expires_at + payments.CHECKOUT_GRACE, now + LONGEST_SESSION), now + SHORTEST_SESSION)
    return orders.Held(
        view.id, view.reference, view.status, view.kind, view.event_slug, view.event_name, view.event_timezone,
        view.products, view.quantity, unit, view.total_cents, view.currency, view.email, view.name,
        closes - payments.CHECKOUT_GRACE,
    )


async def _confirm_free(services: Services, account_id: uuid.UUID, order_id: uuid.UUID) -> None:
    """Free tickets of an offer: confirmed at once, once (the status condition decides between two clicks)."""
    async with services.db.tenant(account_id) as session:
        settled = (
            await session.execute(
                update(Order).where(Order.id == order_id, Order.status == OrderStatus.PENDING)
                .values(status=OrderStatus.PAID, payment_method="free", paid_at=services.clock.now())
                .returning(Order.currency)
            )
        ).scalar_one_or_none()
        if settled is None:
            return
        await session.execute(insert(Payment).values(account_id=account_id, order_id=order_id, provider="free",
                                                     amount_cents=0, currency=settled))
        await orders.fulfil(session, services, account_id, order_id)
