"""An event export (attendees, orders, check-ins or guests): one CSV per question, streamed in pages."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from sqlalchemy import Select, and_, func, select

from core.accounts.permissions import Action, require
from core.context import TenantContext
from core.errors import Invalid
from core.events.events import load_event
from core.exports._csv_file import Written, local, money, write_csv
from core.exports.streaming import Export, stream
from core.guestlists import access as guest_access
from core.services import Services
from core.time.local_time import zone
from db.enums import CheckinResult
from db.models import (
    Attendee,
    CheckIn,
    DoorToken,
    GuestEntry,
    GuestList,
    Order,
    OrderLine,
    Payment,
    Product,
    Ticket,
    User,
)

WHATS = ("attendees", "orders", "checkins", "guests")


@dataclass(frozen=True)
class _Sheet:
    header: Sequence[str]
    query: Select
    row: Callable[[object], Sequence[object]]


def what_to_export(what: str | None) -> str:
    choice = (what or "attendees").strip().lower()
    if choice not in WHATS:
        raise Invalid(f"Export what=attendees, orders, checkins or guests, not “{what}”.", field="what")
    return choice


async def export_event(
    services: Services, tenant: TenantContext, *, event: str, what: str | None, out: BinaryIO
) -> Export:
    """Write the CSV into `out`: sales and up export everything; promoters their own guests; door staff nothing."""
    choice = what_to_export(what)
    if choice == "guests":
        require(tenant, Action.EXPORT_GUEST_LISTS)
    else:
        require(tenant, Action(f"export {choice}"))
    async with services.db.tenant(tenant.account_id) as session:
        row = await load_event(session, event)
        sheet = _SHEETS[choice](row.id, row.timezone, tenant)
        written: Written = await write_csv(out, sheet.header, stream(session, sheet.query, sheet.row))
        day = services.clock.now().astimezone(zone(row.timezone)).strftime("%Y-%m-%d")
    return Export(f"{row.slug}-{choice}-{day}.csv", f"{row.name}: {choice}", written.rows, written.size)


def _zone_label(column: str, timezone: str) -> str:
    return f"{column} ({timezone})"


def _attendees(event_id, timezone: str, tenant: TenantContext) -> _Sheet:
    tz = zone(timezone)
    admitted = (
        select(CheckIn.ticket_id, CheckIn.scanned_at)
        .where(CheckIn.event_id == event_id, CheckIn.result == CheckinResult.ADMITTED, CheckIn.ticket_id.is_not(None))
        .subquery()
    )
    query = (
        select(
            Attendee.name, Attendee.email, Product.name.label("ticket_type"), Attendee.status, Order.reference,
            Order.kind, Order.currency, Order.created_at, Order.paid_at, Ticket.code, admitted.c.scanned_at,
            OrderLine.unit_price_cents,
        )
        .join(Product, and_(Product.account_id == Attendee.account_id, Product.id == Attendee.product_id))
        .join(Order, and_(Order.account_id == Attendee.account_id, Order.id == Attendee.order_id))
        .join(OrderLine, and_(OrderLine.account_id == Attendee.account_id, OrderLine.order_id == Attendee.order_id,
                              OrderLine.product_id == Attendee.product_id))
        .outerjoin(Ticket, and_(Ticket.account_id == Attendee.account_id, Ticket.attendee_id == Attendee.id))
        .outerjoin(admitted, admitted.c.ticket_id == Ticket.id)
        .where(Attendee.event_id == event_id)
        .order_by(Attendee.created_at, Attendee.id)
    )
    header = (
        "name", "email", "ticket_type", "status", "order", "kind", "price", "currency",
        _zone_label("ordered_at", timezone), _zone_label("paid_at", timezone), "ticket_code",
        _zone_label("checked_in_at", timezone),
    )
    return _Sheet(header, query, lambda r: (
        r.name, r.email, r.ticket_type, r.status, r.reference, r.kind,
        money(r.unit_price_cents, r.currency), r.currency, local(r.created_at, tz),
        local(r.paid_at, tz), r.code, local(r.scanned_at, tz),
    ))


def _orders(event_id, timezone: str, tenant: TenantContext) -> _Sheet:
    tz = zone(timezone)
    refunded = (
        select(func.coalesce(func.sum(Payment.refunded_cents), 0))
        .where(Payment.account_id == Order.account_id, Payment.order_id == Order.id)
        .scalar_subquery()
    )
    query = (
        select(
            Order.reference, Order.status, Order.kind, Order.name, Order.email, Order.quantity, Order.total_cents,
            refunded.label("refunded_cents"), Order.currency, Order.payment_method, Order.created_at, Order.paid_at,
        )
        .where(Order.event_id == event_id)
        .order_by(Order.created_at, Order.id)
    )
    header = (
        "order", "status", "kind", "name", "email", "quantity", "total", "refunded", "currency", "payment_method",
        _zone_label("ordered_at", timezone), _zone_label("paid_at", timezone),
    )
    return _Sheet(header, query, lambda r: (
        r.reference, r.status, r.kind, r.name, r.email, r.quantity, money(r.total_cents, r.currency),
        money(int(r.refunded_cents), r.currency), r.currency, r.payment_method, local(r.created_at, tz),
        local(r.paid_at, tz),
    ))


def _checkins(event_id, timezone: str, tenant: TenantContext) -> _Sheet:
    tz = zone(timezone)
    query = (
        select(
            CheckIn.scanned_at, CheckIn.result, func.coalesce(Attendee.name, GuestEntry.name).label("name"),
            Attendee.email, Ticket.code, GuestList.name.label("guest_list"), CheckIn.party,
            func.coalesce(DoorToken.name, User.name).label("door"), CheckIn.source,
        )
        .outerjoin(Attendee, and_(Attendee.account_id == CheckIn.account_id, Attendee.id == CheckIn.attendee_id))
        .outerjoin(Ticket, and_(Ticket.account_id == CheckIn.account_id, Ticket.id == CheckIn.ticket_id))
        .outerjoin(GuestEntry, and_(GuestEntry.account_id == CheckIn.account_id, GuestEntry.id == CheckIn.guest_entry_id))
        .outerjoin(GuestList, and_(GuestList.account_id == GuestEntry.account_id, GuestList.id == GuestEntry.list_id))
        .outerjoin(DoorToken, and_(DoorToken.account_id == CheckIn.account_id, DoorToken.id == CheckIn.door_token_id))
        .outerjoin(User, and_(User.account_id == CheckIn.account_id, User.id == CheckIn.user_id))
        .where(CheckIn.event_id == event_id)
        .order_by(CheckIn.created_at, CheckIn.id)
    )
    header = (
        _zone_label("scanned_at", timezone), "result", "name", "email", "ticket_code", "guest_list", "people",
        "door", "source",
    )
    return _Sheet(header, query, lambda r: (
        local(r.scanned_at, tz), r.result, r.name, r.email, r.code, r.guest_list,
        r.party if r.party is not None else (1 if r.result == CheckinResult.ADMITTED else 0), r.door, r.source,
    ))


def _guests(event_id, timezone: str, tenant: TenantContext) -> _Sheet:
    tz = zone(timezone)
    admitted = (
        select(CheckIn.guest_entry_id, CheckIn.party, CheckIn.scanned_at)
        .where(CheckIn.event_id == event_id, CheckIn.result == CheckinResult.ADMITTED, CheckIn.guest_entry_id.is_not(None))
        .subquery()
    )
    query = (
        select(
            GuestEntry.name, GuestEntry.companions, GuestList.name.label("list_name"), User.name.label("promoter"),
            GuestEntry.email, GuestEntry.note, GuestEntry.created_at, admitted.c.party, admitted.c.scanned_at,
        )
        .join(GuestList, and_(GuestList.account_id == GuestEntry.account_id, GuestList.id == GuestEntry.list_id))
        .outerjoin(User, and_(User.account_id == GuestEntry.account_id, User.id == GuestEntry.promoter_id))
        .outerjoin(admitted, admitted.c.guest_entry_id == GuestEntry.id)
        .where(GuestEntry.event_id == event_id)
        .order_by(GuestEntry.created_at, GuestEntry.id)
    )
    if (mine := guest_access.owner_filter(tenant)) is not None:
        query = query.where(GuestEntry.promoter_id == mine)
    header = (
        "name", "companions", "list", "promoter", "email", "note", _zone_label("added_at", timezone), "people_in",
        _zone_label("arrived_at", timezone),
    )
    return _Sheet(header, query, lambda r: (
        r.name, r.companions, r.list_name, r.promoter, r.email, r.note, local(r.created_at, tz),
        r.party or 0, local(r.scanned_at, tz),
    ))


_SHEETS = {"attendees": _attendees, "orders": _orders, "checkins": _checkins, "guests": _guests}
