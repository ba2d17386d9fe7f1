"""Public checkout: the form's checks, the same database-enforced hold as selling from Slack, then Stripe Checkout.

Free tickets confirm at once. The form's one-time token makes a form submitted several times
(at once or later) one order; every refusal is a `Refused` with a code and the field to fix,
raised before anything is saved.
"""

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from core.crm import contacts, phones
from core.errors import Conflict, DomainError, Invalid, SoldOut
from core.sales import orders, payments
from core.sales.orders import OrderView, Placement
from core.services import Services
from core.storefront import links, tokens
from core.storefront.handles import Organizer, event_url, find_organizer
from core.storefront.pages import Offer, PublicEvent, forget, read_event_page
from db.enums import Channel, OrderSource, OrderStatus
from db.models import Order

MAX_NAME = 120
MAX_EMAIL = 254
MAX_PHONE = 32
MAX_QTY_TEXT = 6
CONSENT_SOURCE = "event page checkout"


class Refused(DomainError):
    """A checkout the buyer must change; `code` says what, `field` where (details: numbers for the sentence)."""

    code = "refused"


@dataclass(frozen=True)
class CheckoutForm:
    """The checkout form as submitted: every value a string, checked here."""

    ticket: str
    qty: str
    name: str
    email: str
    phone: str
    consent: bool
    token: str
    code: str = ""  # a promo code: from the page's link (?code=) or typed on the page
    via: str = ""  # a tracked link's token (?via=): the order records its source and promoter


@dataclass(frozen=True)
class Placed:
    """A checkout that went through: pay at `pay_url` (Stripe), or see the order page at `receipt_url`."""

    reference: str
    status: str
    pay_url: str | None
    receipt_url: str


@dataclass(frozen=True)
class Receipt:
    organizer: Organizer
    order: OrderView


def new_form_token(services: Services, page: PublicEvent, client: str) -> str:
    return tokens.form_token(services.settings.secret_key, account_id=page.organizer.account_id,
                             event_slug=page.slug, client=client, now=services.clock.now())


def receipt_url(services: Services, organizer: Organizer, event_slug: str, reference: str) -> str:
    key = tokens.receipt_key(services.settings.secret_key, account_id=organizer.account_id, reference=reference)
    return f"{event_url(services, organizer.handle, event_slug)}/orders/{key}"


def _refuse(code: str, field: str | None = None, **details) -> Refused:
    return Refused(code.replace("_", " "), code=code, field=field, **details)


def _text(value: str, field: str, most: int, *, required: bool) -> str:
    value = " ".join((value or "").split())
    if required and not value:
        raise _refuse(f"{field}_missing", field)
    if len(value) > most:
        raise _refuse(f"{field}_too_long", field, most=most)
    return value


def _read_form(form: CheckoutForm, timezone: str) -> tuple[str, str, str | None, int]:
    """Name, email, phone (E.164) and quantity, in the order the form asks for them."""
    name = _text(form.name, "name", MAX_NAME, required=True)
    email = _text(form.email, "email", MAX_EMAIL, required=True)
    try:
        email = contacts.normalize_email(email)
    except Invalid:
        raise _refuse("email_invalid", "email") from None
    phone = _text(form.phone, "phone", MAX_PHONE, required=False) or None
    if phone:
        try:
            phone = phones.normalize_phone(phone, phones.region_for_timezone(timezone))
        except Invalid:
            raise _refuse("phone_invalid", "phone") from None
    qty_text = (form.qty or "").strip()
    if not qty_text.isdigit() or len(qty_text) > MAX_QTY_TEXT or int(qty_text) < 1:
        raise _refuse("qty_invalid", "qty")
    return name, email, phone, int(qty_text)


async def check_out(services: Services, handle: str, event_slug: str, form: CheckoutForm, *, client: str) -> Placed:
    """Hold the seats for a public buyer and send them to pay (free tickets are confirmed at once)."""
    typed_code = (form.code or "").strip()
    page = await read_event_page(services, (handle or "").lower(), (event_slug or "").lower(), code=typed_code or None)
    if page is None:
        raise _refuse("event_unknown")
    organizer = page.organizer
    nonce = tokens.form_nonce(services.settings.secret_key, form.token, account_id=organizer.account_id,
                              event_slug=page.slug, client=client, now=services.clock.now())
    if nonce is None:
        raise _refuse("form_expired")
    if page.state != "on_sale":
        raise _refuse(f"event_{page.state}")
    # A form sent again (a double click on the last seats or the last use of a code) goes to its
    # first order, sold out or used up or not; the hold finds that order by the form's token.
    replayed = await _token_used(services, organizer.account_id, nonce)
    if page.code_refusal is not None and not replayed:
        raise promo_refusal(page.code_refusal, typed_code)
    offer = page.offer((form.ticket or "").strip().lower())
    if offer is None:
        raise _refuse("ticket_unknown", "ticket")
    name, email, phone, qty = _read_form(form, page.timezone)
    if not replayed:
        _check_offer(services, offer, qty)
    # A code counts (and prices) only the ticket types it applies to; another one chosen sells at its own price.
    code = page.code if offer.coded and not replayed else None
    placement = await _placement(services, page, nonce, form.via)
    held = await _hold(services, organizer, page, offer.slug, qty, email, name, phone, placement, code)
    forget(organizer.handle, page.slug)
    if form.consent and not held.replayed:
        await _record_consent(services, organizer.account_id, email)
    receipt = receipt_url(services, organizer, page.slug, held.reference)
    if held.status != OrderStatus.PENDING:
        return Placed(held.reference, held.status, None, receipt)
    try:
        pay_url = await payments.start_checkout(services, organizer.account_id, held, return_url=receipt)
    except payments.PaymentFailed:
        raise _refuse("payment_failed") from None
    return Placed(held.reference, held.status, pay_url, receipt)


def _check_offer(services: Services, offer: Offer, qty: int) -> None:
    """What the page showed (a second old at most) already refuses; the hold decides the rest."""
    if offer.state == "sold_out":
        raise _refuse("sold_out", "ticket", ticket=offer.name)
    if not offer.buyable:
        raise _refuse(f"ticket_{offer.state}", "ticket", ticket=offer.name, opens_at=offer.opens_at)
    if qty > offer.max_qty:
        if offer.remaining is not None and qty > offer.remaining:
            raise _refuse("qty_above_stock", "qty", most=offer.remaining, ticket=offer.name)
        raise _refuse("qty_above_max", "qty", most=offer.max_qty, ticket=offer.name)
    if offer.price_cents and services.payments is None:
        raise _refuse("payments_unavailable")


async def _token_used(services: Services, account_id: uuid.UUID, nonce: str) -> bool:
    async with services.db.tenant(account_id) as session:
        return (await session.execute(select(Order.id).where(Order.checkout_token == nonce))).first() is not None


async def _placement(services: Services, page: PublicEvent, nonce: str, via: str) -> Placement:
    """A public order, credited to the tracked link it came through (an unknown token credits nobody)."""
    if links.read_token(via) is None:
        return Placement(OrderSource.WEB, token=nonce)
    async with services.db.tenant(page.organizer.account_id) as session:
        found = await links.attribution(session, event_id=page.id, token=via)
    if found is None:
        return Placement(OrderSource.WEB, token=nonce)
    return Placement(OrderSource.WEB, token=nonce, channel_source=found.source, promoter_id=found.promoter_id)


async def _hold(services: Services, organizer: Organizer, page: PublicEvent, ticket: str, qty: int, email: str,
                name: str, phone: str | None, placement: Placement, code: str | None) -> orders.Held:
    try:
        return await orders.place_hold(
            services, organizer.account_id, placement, event=page.slug, ticket=ticket, qty=qty,
            email=email, name=name, phone=phone, code=code,
        )
    except SoldOut as sold_out:
        remaining = int(sold_out.details.get("remaining") or 0)
        if remaining <= 0:
            raise _refuse("sold_out", "ticket", ticket=page.offer(ticket).name) from None
        raise _refuse("qty_above_stock", "qty", most=remaining, ticket=page.offer(ticket).name) from None
    except DomainError as error:
        if error.code.startswith("promo_"):
            # The code ended or ran out between the page and the hold.
            raise promo_refusal(error, code or "") from None
        if error.code == "form_used":
            raise _refuse("form_used", reference=error.details["reference"]) from None
        if isinstance(error, Conflict):
            raise _refuse("event_cancelled") from None
        # The event or ticket type changed between the checks above and the hold (unpublished, closed).
        raise _refuse("ticket_ended", "ticket", ticket=page.offer(ticket).name) from None


def promo_refusal(error: DomainError, typed: str) -> Refused:
    """A promo code the hold or the page refused (promo_… codes), as the page's refusal of the code field."""
    left = int(error.details.get("left") or 0)
    if error.code == "promo_used_up" and left > 0:
        return _refuse("promo_few_left", "code", promo=typed.upper(), most=left)
    return _refuse(error.code, "code", promo=typed.upper(), ticket=error.details.get("ticket"))


async def _record_consent(services: Services, account_id: uuid.UUID, email: str) -> None:
    async with services.db.tenant(account_id) as session:
        contact_id = await contacts.contact_id_for(session, email)
        await contacts.record_consent(session, account_id, contact_id=contact_id, channel=Channel.EMAIL, granted=True,
                                      source=CONSENT_SOURCE)


async def receipt(services: Services, handle: str, event_slug: str, key: str) -> Receipt | None:
    """An order placed on this event's page, by the key in its URL; None for a wrong or forged key."""
    organizer = await find_organizer(services, handle)
    if organizer is None:
        return None
    reference = tokens.receipt_reference(services.settings.secret_key, key, account_id=organizer.account_id)
    if reference is None:
        return None
    async with services.db.tenant(organizer.account_id) as session:
        order_id = (await session.execute(select(Order.id).where(Order.reference == reference))).scalar_one_or_none()
        if order_id is None:
            return None
        view = await orders.order_view(session, services, order_id)
    if view.event_slug != (event_slug or "").lower():
        return None
    return Receipt(organizer, view)
