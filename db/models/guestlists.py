"""Guest lists: named lists of free entries for one event, each entry a name with companions."""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Index, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, Tenant, now_default, tenant_fk

MAX_COMPANIONS = 20


class GuestList(Tenant, Base):
    """A named list (`vip`, `anna`) of an event, optionally a promoter's own, with a cap and a closing time."""

    __tablename__ = "guest_lists"
    __extra_args__ = (
        tenant_fk("event_id", "events", ondelete="CASCADE"),
        tenant_fk("promoter_id", "users"),
        tenant_fk("created_by", "users"),
        Index("uq_guest_lists_name", "account_id", "event_id", "name", unique=True),
        # Campaign audiences `list:NAME` look lists up by name across events.
        Index("ix_guest_lists_by_name", "account_id", "name"),
        CheckConstraint("name ~ '^[a-z0-9]+(-[a-z0-9]+)*$'", name="name"),
        CheckConstraint("cap IS NULL OR cap >= 0", name="cap"),
        # Places taken by the list's entries (guests plus companions); the cap holds under any concurrency.
        CheckConstraint("taken >= 0 AND (cap IS NULL OR taken <= cap)", name="taken"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    name: Mapped[str] = mapped_column(String(64))
    promoter_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    cap: Mapped[int | None] = mapped_column(Integer)
    taken: Mapped[int] = mapped_column(Integer, server_default="0")
    closes_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = now_default()


class GuestEntry(Tenant, Base):
    """One name on a list: a free admission for the guest and `companions` more, added by a promoter."""

    __tablename__ = "guest_entries"
    __extra_args__ = (
        tenant_fk("event_id", "events", ondelete="CASCADE"),
        tenant_fk("list_id", "guest_lists", ondelete="CASCADE"),
        tenant_fk("contact_id", "contacts"),
        tenant_fk("promoter_id", "users"),
        # A name is on an event's lists once, whoever added it.
        Index("uq_guest_entries_name", "account_id", "event_id", text("lower(name)"), unique=True),
        # The door finds names by prefix.
        Index("ix_guest_entries_name_prefix", "account_id", "event_id", text("lower(name) text_pattern_ops")),
        Index("ix_guest_entries_list", "account_id", "list_id"),
        Index("ix_guest_entries_promoter", "account_id", "event_id", "promoter_id"),
        Index("ix_guest_entries_contact", "account_id", "contact_id"),
        CheckConstraint(f"companions BETWEEN 0 AND {MAX_COMPANIONS}", name="companions"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    list_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    name: Mapped[str] = mapped_column(Text)
    companions: Mapped[int] = mapped_column(Integer, server_default="0")
    email: Mapped[str | None] = mapped_column(Text)
    contact_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    note: Mapped[str | None] = mapped_column(Text)
    promoter_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = now_default()
