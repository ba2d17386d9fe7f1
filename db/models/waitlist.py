"""The waitlist of sold-out ticket types (migration 0095): people in line, and the offers emailed to them."""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Index, Integer, Text, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.enums import WaitlistEntryStatus, WaitlistOfferStatus, sql_values
from db.models.attempts import Attempted
from db.models.base import Base, Tenant, now_default, tenant_fk

OPEN = "status IN ('waiting', 'offered')"


class WaitlistEntry(Tenant, Base):
    """A person waiting for seats of one ticket type; `order_id` is the hold of their offer, once made."""

    __tablename__ = "waitlist_entries"
    __extra_args__ = (
        tenant_fk("event_id", "events", ondelete="CASCADE"),
        tenant_fk("product_id", "products", ondelete="CASCADE"),
        tenant_fk("contact_id", "contacts"),
        tenant_fk("order_id", "orders"),
        Index("uq_waitlist_entries_open", "account_id", "product_id", "email", unique=True,
              postgresql_where=text(OPEN)),
        Index("ix_waitlist_entries_line", "account_id", "product_id", "created_at", "id",
              postgresql_where=text("status = 'waiting'")),
        Index("ix_waitlist_entries_event", "account_id", "event_id", "created_at"),
        Index("ix_waitlist_entries_contact", "account_id", "contact_id"),
        Index("uq_waitlist_entries_order", "account_id", "order_id", unique=True),
        Index("ix_waitlist_entries_open", "account_id", postgresql_where=text(OPEN)),
        CheckConstraint("quantity BETWEEN 1 AND 100", name="quantity"),
        CheckConstraint(f"status IN {sql_values(WaitlistEntryStatus)}", name="status"),
        CheckConstraint("(status = 'waiting') = (order_id IS NULL)", name="offer"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    product_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    contact_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    email: Mapped[str] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    quantity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(Text, server_default=WaitlistEntryStatus.WAITING)
    order_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    offered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = now_default()


class WaitlistOffer(Attempted, Tenant, Base):
    """The email of one offer: claimed with a lease on the job engine, sent once (resent once if in doubt)."""

    __tablename__ = "waitlist_offers"
    __extra_args__ = (
        tenant_fk("entry_id", "waitlist_entries", ondelete="CASCADE"),
        tenant_fk("order_id", "orders"),
        Index("uq_waitlist_offers_entry", "account_id", "entry_id", unique=True),
        Index("ix_waitlist_offers_order", "account_id", "order_id"),
        Index("ix_waitlist_offers_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
        CheckConstraint(f"status IN {sql_values(WaitlistOfferStatus)}", name="status"),
    )

    entry_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    order_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    status: Mapped[str] = mapped_column(Text, server_default=WaitlistOfferStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[datetime] = now_default()
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = now_default()
