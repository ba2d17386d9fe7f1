"""Sale alerts of public orders: one Slack message per rush, updated in place, and sold-out said once.

Slack takes about one message per second per channel; a popular on-sale brings far more orders.
The first public sale after a quiet spell posts an alert; every sale within `RUSH_GAP` of the
previous one folds into that rush: the running totals replace the alert's text while it waits in
the outbox, or go out as one `chat.update` of it once it was sent (one pending update at a time,
whose text later sales replace). The totals live in `sale_rushes`, moved by an upsert in the
transaction that settles the order, so each sale sees exactly the sales committed before it.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.jobs import outbox
from core.services import Services
from core.notices import PublicSale, SoldOut
from db.models import Product, ProductSales, SaleRush

RUSH_GAP = timedelta(seconds=15)

rushes_t = SaleRush.__table__


@dataclass(frozen=True)
class Sale:
    """One settled public order, as the alert tells it."""

    event_id: uuid.UUID
    event_name: str
    products: str
    quantity: int
    total_cents: int
    currency: str
    buyer: str
    reference: str
    sold: int
    capacity: int | None


def short_name(name: str | None, email: str) -> str:
    """`Bea B.` for Bea Buyer: enough for the team, little of the buyer's name in a channel."""
    parts = (name or "").split()
    if not parts:
        return email.split("@", 1)[0]
    return parts[0] if len(parts) == 1 else f"{parts[0]} {parts[-1][0]}."


async def alert_public_sale(session: AsyncSession, services: Services, account_id: uuid.UUID, channel: str,
                            sale: Sale, *, now: datetime) -> None:
    """Fold a settled public order into its event's rush alert (a new alert after a quiet spell)."""
    fresh = rushes_t.c.last_sale_at < literal(now) - RUSH_GAP
    excluded = insert(rushes_t).excluded
    rush = (
        await session.execute(
            insert(rushes_t)
            .values(account_id=account_id, event_id=sale.event_id, started_at=now, last_sale_at=now, orders=1,
                    seats=sale.quantity, revenue_cents=sale.total_cents)
            .on_conflict_do_update(
                index_elements=["account_id", "event_id"],
                set_={
                    "started_at": case((fresh, excluded.started_at), else_=rushes_t.c.started_at),
                    "orders": case((fresh, 1), else_=rushes_t.c.orders + 1),
                    "seats": case((fresh, excluded.seats), else_=rushes_t.c.seats + excluded.seats),
                    "revenue_cents": case((fresh, excluded.revenue_cents),
                                          else_=rushes_t.c.revenue_cents + excluded.revenue_cents),
                    "last_sale_at": func.greatest(rushes_t.c.last_sale_at, excluded.last_sale_at),
                },
            )
            .returning(rushes_t.c.started_at, rushes_t.c.orders, rushes_t.c.seats, rushes_t.c.revenue_cents)
        )
    ).one()
    key = f"rush:{sale.event_id}:{int(rush.started_at.timestamp() * 1_000_000)}"
    notice = PublicSale(
        event=sale.event_name, products=sale.products, quantity=sale.quantity, total_cents=sale.total_cents,
        currency=sale.currency, buyer=sale.buyer, reference=sale.reference, sold=sale.sold, capacity=sale.capacity,
        orders=rush.orders, seats=rush.seats,
    )
    if rush.orders == 1:
        await outbox.enqueue(session, account_id=account_id, dedupe_key=key, channel=channel, notice=notice)
        return
    if await outbox.revise_pending(session, key_prefix=key, notice=notice):
        return
    ts = await outbox.sent_ts(session, dedupe_key=key)
    if ts is not None:
        await outbox.enqueue(session, account_id=account_id, dedupe_key=f"{key}:update:{rush.orders}", channel=channel,
                             notice=notice, kind="update", update_ts=ts)


async def announce_if_sold_out(session: AsyncSession, services: Services, account_id: uuid.UUID, channel: str,
                               *, event_id: uuid.UUID, event_name: str, capacity: int | None) -> None:
    """Say once, ever, that an event sold its last seat (every seat paid for, not just held)."""
    limits = (
        await session.execute(
            select(Product.capacity, func.coalesce(ProductSales.paid_seats, 0))
            .outerjoin(ProductSales, (ProductSales.account_id == Product.account_id)
                       & (ProductSales.product_id == Product.id))
            .where(Product.event_id == event_id)
        )
    ).all()
    paid = sum(seats for _, seats in limits)
    every_type_full = bool(limits) and all(cap is not None and seats >= cap for cap, seats in limits)
    if not ((capacity is not None and paid >= capacity) or every_type_full):
        return
    await outbox.enqueue(session, account_id=account_id, dedupe_key=f"soldout:{event_id}", channel=channel,
                         notice=SoldOut(event=event_name, sold=paid))
