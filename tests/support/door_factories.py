"""Arrange events, attendees and tickets for door tests, through a tenant unit of work."""

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core.context import TenantContext
from core.services import Services
from core.ticket_codes import new_code
from db.models import Attendee, Contact, Event, Order, Product, Ticket


@dataclass(frozen=True)
class DoorEvent:
    id: uuid.UUID
    slug: str
    name: str
    product_id: uuid.UUID


@dataclass(frozen=True)
class DoorTicket:
    id: uuid.UUID
    code: str
    attendee_id: uuid.UUID
    event_id: uuid.UUID
    name: str
    email: str


async def make_event(
    services: Services, tenant: TenantContext, *, name: str = "Summer Gala", channel: str | None = None,
    starts_at: datetime | None = None, ends_at: datetime | None = None, timezone: str = "Europe/Berlin",
) -> DoorEvent:
    """A published event with one ticket type, starting an hour ago unless told otherwise."""
    slug = f"gala-{secrets.token_hex(3)}"
    starts_at = starts_at or datetime.now(UTC) - timedelta(hours=1)
    async with services.db.tenant(tenant.account_id) as session:
        event = Event(
            account_id=tenant.account_id, slug=slug, name=name, starts_at=starts_at,
            ends_at=ends_at or starts_at + timedelta(hours=5), timezone=timezone, status="published",
            sales_channel=channel,
        )
        session.add(event)
        await session.flush()
        product = Product(
            account_id=tenant.account_id, event_id=event.id, slug="general", name="General admission",
            price_cents=2500, currency="EUR",
        )
        session.add(product)
        await session.flush()
        return DoorEvent(event.id, slug, name, product.id)


async def make_ticket(
    services: Services, tenant: TenantContext, event: DoorEvent, *, name: str = "Anna Smith", email: str | None = None,
    order_status: str = "paid", attendee_status: str = "active", ticket_status: str = "valid",
) -> DoorTicket:
    """A paid order with one attendee and one signed ticket."""
    email = email or f"{name.split()[0].lower()}.{secrets.token_hex(3)}@example.test"
    code = new_code(services.settings.secret_key)
    async with services.db.tenant(tenant.account_id) as session:
        first, _, last = name.partition(" ")
        contact = Contact(account_id=tenant.account_id, email=email.lower(), first_name=first, last_name=last or None)
        session.add(contact)
        await session.flush()
        order = Order(
            account_id=tenant.account_id, event_id=event.id, contact_id=contact.id,
            reference=secrets.token_hex(4).upper(), status=order_status, quantity=1, total_cents=2500,
            currency="EUR", email=email, name=name,
        )
        session.add(order)
        await session.flush()
        attendee = Attendee(
            account_id=tenant.account_id, event_id=event.id, order_id=order.id, product_id=event.product_id,
            contact_id=contact.id, name=name, email=email.lower(), status=attendee_status,
        )
        session.add(attendee)
        await session.flush()
        ticket = Ticket(
            account_id=tenant.account_id, attendee_id=attendee.id, event_id=event.id, code=code, status=ticket_status
        )
        session.add(ticket)
        await session.flush()
        return DoorTicket(ticket.id, code, attendee.id, event.id, name, email.lower())
