"""Tickets: one attendee and one signed code per seat, the ticket email (queued, sent once), the ticket page.

Ticket emails are rows in `ticket_emails`, written in the transaction that settles the order,
so an email exists exactly when the sale does. The request that settles the order only queues it;
the ticker sends it on the job engine (core/jobs/engine.py), which marks each attempt before the
mail server is called and records the outcome after. An email whose sender died mid-call is in
doubt: it is sent once more with the same Message-ID (so receivers that de-duplicate can), and
never a third time.
"""

import io
import logging
import re
import uuid
from dataclasses import dataclass
from datetime import datetime

import segno
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.jobs import mail
from core.jobs.engine import Finished
from core.jobs.policies import TICKET_EMAILS
from core.ports import Attachment, Email
from core.sales import ticket_codes
from core.services import Services
from core.time import local_time
from db.enums import AttendeeStatus, DeliveryStatus, EventStatus, TicketStatus
from db.models import (
    Attendee,
    Event,
    Order,
    OrderLine,
    Product,
    Ticket,
    TicketEmail,
    Venue,
)

log = logging.getLogger(__name__)

NO_TICKETS = "the order has no valid tickets any more"

attendees_t = Attendee.__table__
tickets_t = Ticket.__table__
emails_t = TicketEmail.__table__
orders_t = Order.__table__
lines_t = OrderLine.__table__
events_t = Event.__table__
products_t = Product.__table__
venues_t = Venue.__table__


@dataclass(frozen=True)
class TicketPage:
    """What an attendee's ticket page shows."""

    code: str
    url: str
    status: str
    attendee: str
    product: str
    reference: str
    event_name: str
    starts: str
    timezone: str
    venue: str | None
    address: str | None
    qr_svg: str


def ticket_url(services: Services, code: str) -> str:
    return f"{services.settings.base_url}/t/{code}"


def qr_svg(code: str, *, title: str) -> str:
    """The code as an inline SVG QR code (alphanumeric mode, so it stays small)."""
    return segno.make(code, error="m").svg_inline(scale=6, border=2, title=title, omitsize=True)


def qr_png(code: str) -> bytes:
    out = io.BytesIO()
    segno.make(code, error="m").save(out, kind="png", scale=6, border=2)
    return out.getvalue()


def _when(starts_at: datetime, timezone: str) -> str:
    return f"{local_time.local(starts_at, timezone):%A %d %B %Y, %H:%M} ({timezone})"


# --- issuing ----------------------------------------------------------------------------


async def issue(session: AsyncSession, services: Services, *, account_id: uuid.UUID, order_id: uuid.UUID) -> int:
    """One attendee and one ticket per seat of a just-paid order; returns how many were issued."""
    order = (
        await session.execute(
            select(orders_t.c.event_id, orders_t.c.contact_id, orders_t.c.name, orders_t.c.email)
            .where(orders_t.c.id == order_id)
        )
    ).one()
    lines = (
        await session.execute(
            select(lines_t.c.product_id, lines_t.c.quantity).where(lines_t.c.order_id == order_id)
            .order_by(lines_t.c.id)
        )
    ).all()
    attendees = [
        dict(id=uuid.uuid4(), account_id=account_id, event_id=order.event_id, order_id=order_id,
             product_id=line.product_id, contact_id=order.contact_id, name=order.name or order.email,
             email=order.email)
        for line in lines for _ in range(line.quantity)
    ]
    if not attendees:
        return 0
    await session.execute(insert(attendees_t).values(attendees))
    await session.execute(
        insert(tickets_t).values([
            dict(account_id=account_id, attendee_id=a["id"], event_id=order.event_id,
                 code=ticket_codes.new_code(services.settings.secret_key))
            for a in attendees
        ])
    )
    return len(attendees)


async def void_order(session: AsyncSession, order_id: uuid.UUID, *, now: datetime) -> int:
    """Void the tickets of a refunded order; returns how many were still valid."""
    holders = select(attendees_t.c.id).where(attendees_t.c.order_id == order_id).scalar_subquery()
    voided = await session.execute(
        update(tickets_t)
        .where(tickets_t.c.attendee_id.in_(holders), tickets_t.c.status == TicketStatus.VALID)
        .values(status=TicketStatus.VOID, voided_at=now)
    )
    await session.execute(
        update(attendees_t)
        .where(attendees_t.c.order_id == order_id, attendees_t.c.status == AttendeeStatus.ACTIVE)
        .values(status=AttendeeStatus.REFUNDED)
    )
    return voided.rowcount


async def order_tickets(session: AsyncSession, services: Services, order_id: uuid.UUID) -> list[tuple]:
    """(code, url, attendee, ticket type, status) of each ticket of an order."""
    rows = await session.execute(
        select(tickets_t.c.code, attendees_t.c.name, products_t.c.name, tickets_t.c.status)
        .join(attendees_t, attendees_t.c.id == tickets_t.c.attendee_id)
        .join(products_t, products_t.c.id == attendees_t.c.product_id)
        .where(attendees_t.c.order_id == order_id)
        .order_by(tickets_t.c.created_at, tickets_t.c.code)
    )
    return [(code, ticket_url(services, code), name, product, status) for code, name, product, status in rows]


# --- the ticket email -------------------------------------------------------------------


async def queue_email(session: AsyncSession, *, account_id: uuid.UUID, order_id: uuid.UUID, dedupe_key: str) -> bool:
    """Queue the order's ticket email in the caller's transaction; False when this key was queued before."""
    inserted = await session.execute(
        insert(emails_t)
        .values(account_id=account_id, order_id=order_id, dedupe_key=dedupe_key)
        .on_conflict_do_nothing(index_elements=["account_id", "dedupe_key"])
        .returning(emails_t.c.id)
    )
    return inserted.first() is not None


async def emails_sent(session: AsyncSession, order_id: uuid.UUID) -> int:
    """The order's ticket emails sent or on their way (the ticker sends a queued one within seconds)."""
    return (
        await session.execute(
            select(func.count()).select_from(emails_t)
            .where(emails_t.c.order_id == order_id, emails_t.c.status != DeliveryStatus.DEAD)
        )
    ).scalar_one()


async def send_due(services: Services, *, limit: int = 50, account_id: uuid.UUID | None = None) -> int:
    """The ticker's job: send every account's (or one's) due ticket emails: new ones, retries, any a crash left behind."""
    return await mail.send_due(
        services, TICKET_EMAILS, compose, key="ticket-email", nothing_to_send=Finished(DeliveryStatus.DEAD, NO_TICKETS),
        limit=limit, account_id=account_id,
    )


async def compose(
    session: AsyncSession, services: Services, order_id: uuid.UUID, *, key: str | None = None,
) -> Email | None:
    """The ticket email of an order: HTML and text, one inline QR code per valid ticket, links to the pages."""
    order = (
        await session.execute(
            select(orders_t.c.reference, orders_t.c.email, orders_t.c.name, orders_t.c.event_id)
            .where(orders_t.c.id == order_id)
        )
    ).one()
    event = (
        await session.execute(
            select(events_t.c.name, events_t.c.starts_at, events_t.c.timezone, venues_t.c.name.label("venue"),
                   venues_t.c.address)
            .outerjoin(venues_t, venues_t.c.id == events_t.c.venue_id)
            .where(events_t.c.id == order.event_id)
        )
    ).one()
    valid = [line for line in await order_tickets(session, services, order_id) if line[4] == TicketStatus.VALID]
    if not valid:
        return None
    cards = []
    attachments = []
    for number, (code, url, attendee, product, _status) in enumerate(valid, start=1):
        cid = f"ticket-{number}.{order.reference.lower()}@eventos"
        cards.append({"number": number, "code": code, "url": url, "attendee": attendee, "product": product, "cid": cid})
        attachments.append(Attachment(f"ticket-{number}-{code}.png", qr_png(code), "image/png", content_id=cid))
    context = {
        "event": event.name, "when": _when(event.starts_at, event.timezone), "venue": event.venue,
        "address": event.address, "reference": order.reference, "buyer": order.name or order.email,
        "tickets": cards,
    }
    subject = re.sub(r"\s+", " ", f"Your tickets for {event.name} ({order.reference})").strip()
    return Email(
        to=order.email, subject=subject,
        text=services.templates.get_template("email/tickets.txt.j2").render(**context),
        html=services.templates.get_template("email/tickets.html.j2").render(**context),
        attachments=tuple(attachments), key=key,
    )


# --- the ticket page --------------------------------------------------------------------


async def ticket_page(services: Services, code: str) -> TicketPage | None:
    """The page of a ticket by its code; None for a forged or unknown code (checked before any query)."""
    code = ticket_codes.normalize(code)
    if not ticket_codes.is_authentic(services.settings.secret_key, code):
        return None
    async with services.db.system() as session:
        # One code at a time: the system role cannot list codes (migration 0012).
        account_id = (await session.execute(select(func.ticket_account(code)))).scalar_one_or_none()
    if account_id is None:
        return None
    async with services.db.tenant(account_id) as session:
        row = (
            await session.execute(
                select(tickets_t.c.status, attendees_t.c.name.label("attendee"), products_t.c.name.label("product"),
                       orders_t.c.reference, events_t.c.name.label("event"), events_t.c.starts_at,
                       events_t.c.timezone, events_t.c.status.label("event_status"),
                       venues_t.c.name.label("venue"), venues_t.c.address)
                .join(attendees_t, attendees_t.c.id == tickets_t.c.attendee_id)
                .join(products_t, products_t.c.id == attendees_t.c.product_id)
                .join(orders_t, orders_t.c.id == attendees_t.c.order_id)
                .join(events_t, events_t.c.id == tickets_t.c.event_id)
                .outerjoin(venues_t, venues_t.c.id == events_t.c.venue_id)
                .where(tickets_t.c.code == code)
            )
        ).one()
    status = EventStatus.CANCELLED if row.event_status == EventStatus.CANCELLED else row.status
    return TicketPage(
        code=code, url=ticket_url(services, code), status=status, attendee=row.attendee, product=row.product,
        reference=row.reference, event_name=row.event, starts=_when(row.starts_at, row.timezone),
        timezone=row.timezone, venue=row.venue, address=row.address,
        qr_svg=qr_svg(code, title=f"QR code of ticket {code}"),
    )
