"""Arrange door tests: a running event with a ticket type, and real tickets issued by comp orders."""

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from core.context import TenantContext
from core.sales import orders
from core.services import Services
from db.models import Attendee, Order, Ticket
from tests.support import factories

TICKET_TYPE = "ga"


@dataclass(frozen=True)
class DoorEvent:
    id: uuid.UUID
    slug: str
    name: str


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
    starts_at: datetime | None = None, timezone: str = "Europe/Berlin", created_channel: str | None = None,
) -> DoorEvent:
    """A published event with one ticket type, its doors open (it started an hour ago) unless told otherwise."""
    starts_at = starts_at or datetime.now(UTC) - timedelta(hours=1)
    event = await factories.make_event(
        services, tenant, name=name, starts_at=starts_at, ends_at=starts_at + timedelta(hours=5), timezone=timezone,
        sales_channel=channel, created_channel=created_channel,
    )
    await factories.make_product(services, tenant, event, slug=TICKET_TYPE)
    return DoorEvent(event.id, event.slug, name)


async def make_ticket(
    services: Services, tenant: TenantContext, event: DoorEvent, *, name: str = "Anna Smith", email: str | None = None,
    order_status: str = "paid", attendee_status: str = "active", ticket_status: str = "valid",
) -> DoorTicket:
    """One comped ticket (orders.comp issues it at once); the statuses given then overwrite the issued ones."""
    email = email or f"{name.split()[0].lower()}.{uuid.uuid4().hex[:6]}@example.test"
    organizer = replace(tenant, role="organizer")
    held = await orders.comp(services, organizer, event=event.slug, ticket=TICKET_TYPE, email=email, name=name)
    async with services.db.tenant(tenant.account_id) as session:
        ticket = (
            await session.execute(
                select(Ticket.id, Ticket.code, Ticket.attendee_id, Attendee.email)
                .join(Attendee, Attendee.id == Ticket.attendee_id)
                .where(Attendee.order_id == held.order_id)
            )
        ).one()
        await session.execute(update(Order).where(Order.id == held.order_id).values(status=order_status))
        await session.execute(update(Attendee).where(Attendee.id == ticket.attendee_id).values(status=attendee_status))
        await session.execute(update(Ticket).where(Ticket.id == ticket.id).values(status=ticket_status))
    return DoorTicket(ticket.id, ticket.code, ticket.attendee_id, event.id, name, ticket.email)
