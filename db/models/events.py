"""Venues, events and products (ticket types)."""

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.enums import EventStatus, sql_values
from db.models.base import Base, Tenant, now_default, tenant_fk


class Venue(Tenant, Base):
    __tablename__ = "venues"
    __extra_args__ = (
        Index("uq_venues_name", "account_id", text("lower(name)"), unique=True),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity"),
    )

    name: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    capacity: Mapped[int | None] = mapped_column(Integer)
    timezone: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = now_default()


class Event(Tenant, Base):
    __tablename__ = "events"
    __extra_args__ = (
        tenant_fk("venue_id", "venues"),
        tenant_fk("created_by", "users"),
        Index("uq_events_slug", "account_id", "slug", unique=True),
        Index("ix_events_starts", "account_id", "starts_at"),
        Index("ix_events_door_window", "starts_at", postgresql_where=text("status = 'published'")),
        CheckConstraint(f"status IN {sql_values(EventStatus)}", name="status"),
        CheckConstraint("ends_at IS NULL OR ends_at > starts_at", name="ends_after_starts"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity"),
        CheckConstraint("sold >= 0 AND (capacity IS NULL OR sold <= capacity)", name="sold"),
        CheckConstraint("waitlist_offer_hours BETWEEN 1 AND 24", name="waitlist_offer_hours"),
    )

    venue_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    slug: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    timezone: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default=EventStatus.DRAFT)
    capacity: Mapped[int | None] = mapped_column(Integer)
    # Seats held by pending orders plus seats sold; guarded by the check constraint above.
    sold: Mapped[int] = mapped_column(Integer, server_default="0")
    sales_channel: Mapped[str | None] = mapped_column(String(32))
    created_channel: Mapped[str | None] = mapped_column(String(32))
    door_status_channel: Mapped[str | None] = mapped_column(String(32))
    door_status_ts: Mapped[str | None] = mapped_column(String(32))
    door_status_posted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # How long a waitlist offer holds its seats (`/event waitlist EVENT offer_hours=…`; migration 0095).
    waitlist_offer_hours: Mapped[int] = mapped_column(Integer, server_default="24")
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = now_default()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Product(Tenant, Base):
    __tablename__ = "products"
    __extra_args__ = (
        tenant_fk("event_id", "events", ondelete="CASCADE"),
        Index("uq_products_slug", "account_id", "event_id", "slug", unique=True),
        CheckConstraint("price_cents >= 0", name="price"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity"),
        CheckConstraint("sold >= 0 AND (capacity IS NULL OR sold <= capacity)", name="sold"),
        CheckConstraint("max_per_order > 0", name="max_per_order"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency"),
        CheckConstraint(
            "sales_start IS NULL OR sales_end IS NULL OR sales_end > sales_start", name="window"
        ),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    slug: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text)
    price_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    capacity: Mapped[int | None] = mapped_column(Integer)
    # Seats held by pending orders plus seats sold; guarded by the check constraint above.
    sold: Mapped[int] = mapped_column(Integer, server_default="0")
    max_per_order: Mapped[int] = mapped_column(Integer, server_default="10")
    sales_start: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sales_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Offered only with a promo code naming it (guest passes, sponsors); never listed publicly.
    hidden: Mapped[bool] = mapped_column(Boolean, server_default="false")
    created_at: Mapped[datetime] = now_default()
