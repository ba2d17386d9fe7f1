"""Arrange sales, refunds and check-ins at chosen times, as rows inserted through a tenant unit of work.

The rollup and the digests read only what these rows say (paid_at, refunded_at, scanned_at,
created_at, ticket and attendee status, the events' and products' seat counters), so tests can
place activity exactly: across midnight in an event's zone, or on the night clocks change.
"""

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import update

from core.context import TenantContext
from core.sales.ticket_codes import new_code
from core.services import Services
from db.models import Attendee, CheckIn, Contact, Event, Order, Payment, Product, Ticket


@dataclass(frozen=True)
class SampleEvent:
    id: uuid.UUID
    slug: str
    name: str
    timezone: str
    product_id: uuid.UUID
    price_cents: int


@dataclass
class SampleOrder:
    id: uuid.UUID
    event: SampleEvent
    quantity: int
    total_cents: int
    payment_id: uuid.UUID | None
    tickets: list[uuid.UUID] = field(default_factory=list)


class AnalyticsData:
    """Builds one account's events, orders, refunds and scans; every row is dated by the caller."""

    def __init__(self, services: Services, tenant: TenantContext, *, currency: str = "EUR") -> None:
        self.services = services
        self.tenant = tenant
        self.currency = currency
        self._contact: uuid.UUID | None = None

    async def event(
        self, name: str, *, starts_at: datetime, ends_at: datetime | None = None, timezone: str = "Europe/Berlin",
        capacity: int | None = None, price_cents: int = 2500, status: str = "published",
    ) -> SampleEvent:
        """An event with one ticket type (the event's capacity, if any, is the ticket type's too)."""
        account = self.tenant.account_id
        async with self.services.db.tenant(account) as session:
            event = Event(
                account_id=account, slug=f"ev-{secrets.token_hex(4)}", name=name, starts_at=starts_at,
                ends_at=ends_at, timezone=timezone, status=status, capacity=capacity,
            )
            session.add(event)
            await session.flush()
            product = Product(
                account_id=account, event_id=event.id, slug="general", name="General admission",
                price_cents=price_cents, currency=self.currency, capacity=capacity,
            )
            session.add(product)
            await session.flush()
            return SampleEvent(event.id, event.slug, name, timezone, product.id, price_cents)

    async def order(
        self, event: SampleEvent, *, paid_at: datetime, quantity: int = 1, kind: str = "sale", status: str = "paid",
    ) -> SampleOrder:
        """A paid order (a comp when kind="comp") with its payment, attendees and valid tickets."""
        account = self.tenant.account_id
        total = 0 if kind == "comp" else event.price_cents * quantity
        async with self.services.db.tenant(account) as session:
            contact = await self._contact_id(session)
            order = Order(
                account_id=account, event_id=event.id, contact_id=contact, reference=secrets.token_hex(5).upper(),
                status=status, kind=kind, quantity=quantity, total_cents=total, currency=self.currency,
                email="buyer@example.test", payment_method="comp" if kind == "comp" else "stripe",
                paid_at=paid_at, created_at=paid_at - timedelta(minutes=2),
            )
            session.add(order)
            await session.flush()
            payment = None
            if kind == "sale":
                payment = Payment(
                    account_id=account, order_id=order.id, provider="stripe", amount_cents=total,
                    currency=self.currency, created_at=paid_at,
                )
                session.add(payment)
            sample = SampleOrder(order.id, event, quantity, total, None)
            for _ in range(quantity):
                attendee = Attendee(
                    account_id=account, event_id=event.id, order_id=order.id, product_id=event.product_id,
                    contact_id=contact, name="Sam Sample", email="buyer@example.test",
                )
                session.add(attendee)
                await session.flush()
                ticket = Ticket(
                    account_id=account, attendee_id=attendee.id, event_id=event.id,
                    code=new_code(self.services.settings.secret_key), created_at=paid_at,
                )
                session.add(ticket)
                await session.flush()
                sample.tickets.append(ticket.id)
            await session.flush()
            sample.payment_id = payment.id if payment else None
            await _take_seats(session, event, quantity)
            return sample

    async def refund(self, order: SampleOrder, *, at: datetime, cents: int | None = None) -> None:
        """Refund a payment (all of it by default: the order, its attendees and tickets end refunded/void)."""
        assert order.payment_id is not None, "a comp has no payment to refund"
        account = self.tenant.account_id
        async with self.services.db.tenant(account) as session:
            payment = await session.get(Payment, order.payment_id)
            payment.refunded_cents = cents if cents is not None else payment.amount_cents
            payment.refunded_at = at
            full = payment.refunded_cents == payment.amount_cents
            payment.status = "refunded" if full else "partially_refunded"
            if full:
                await session.execute(update(Order).where(Order.id == order.id).values(status="refunded", refunded_at=at))
                await session.execute(update(Attendee).where(Attendee.order_id == order.id).values(status="refunded"))
                await session.execute(update(Ticket).where(Ticket.id.in_(order.tickets)).values(status="void", voided_at=at))
                await _take_seats(session, order.event, -order.quantity)

    async def scan(
        self, event: SampleEvent, ticket_id: uuid.UUID | None, *, at: datetime, result: str = "admitted",
        recorded_at: datetime | None = None,
    ) -> None:
        """A check-in attempt scanned at `at` (recorded then, or later for an offline scanner)."""
        account = self.tenant.account_id
        async with self.services.db.tenant(account) as session:
            session.add(CheckIn(
                account_id=account, event_id=event.id, ticket_id=ticket_id, result=result, source="scan",
                scanned_at=at, created_at=recorded_at or at,
            ))

    async def _contact_id(self, session) -> uuid.UUID:
        if self._contact is None:
            contact = Contact(account_id=self.tenant.account_id, email=f"buyer-{secrets.token_hex(3)}@example.test")
            session.add(contact)
            await session.flush()
            self._contact = contact.id
        return self._contact


async def _take_seats(session, event: SampleEvent, seats: int) -> None:
    await session.execute(update(Event).where(Event.id == event.id).values(sold=Event.sold + seats))
    await session.execute(update(Product).where(Product.id == event.product_id).values(sold=Product.sold + seats))
