"""Check-in attempts and the door tokens scanners authenticate with."""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Index, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.enums import CheckinResult, sql_values
from db.models.base import Base, Tenant, now_default, tenant_fk


class DoorToken(Tenant, Base):
    __tablename__ = "door_tokens"
    __extra_args__ = (
        tenant_fk("event_id", "events", ondelete="CASCADE"),
        tenant_fk("created_by", "users"),
        Index("uq_door_tokens_hash", "token_hash", unique=True),
        Index("ix_door_tokens_event", "account_id", "event_id"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    name: Mapped[str] = mapped_column(Text)
    token_hash: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = now_default()
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CheckIn(Tenant, Base):
    __tablename__ = "check_ins"
    __extra_args__ = (
        tenant_fk("event_id", "events"),
        tenant_fk("ticket_id", "tickets"),
        tenant_fk("attendee_id", "attendees"),
        tenant_fk("door_token_id", "door_tokens"),
        tenant_fk("user_id", "users"),
        tenant_fk("guest_entry_id", "guest_entries"),
        # The door's invariant: a ticket is admitted at most once.
        Index("uq_check_ins_admitted", "ticket_id", unique=True, postgresql_where=text("result = 'admitted'")),
        # And so is a guest-list entry (migration 0050).
        Index("uq_check_ins_guest_admitted", "guest_entry_id", unique=True, postgresql_where=text("result = 'admitted'")),
        Index("ix_check_ins_guest", "account_id", "guest_entry_id", postgresql_where=text("guest_entry_id IS NOT NULL")),
        # A scanner's retry (same door token, same nonce) is recorded once; `scan_hash` tells a retry from reuse.
        Index(
            "uq_check_ins_door_nonce", "account_id", "door_token_id", "nonce", unique=True,
            postgresql_where=text("nonce IS NOT NULL"),
        ),
        CheckConstraint("nonce IS NULL OR door_token_id IS NOT NULL", name="nonce_needs_door"),
        Index("ix_check_ins_event_time", "account_id", "event_id", "created_at"),
        # An event's admissions, counted index-only on its card.
        Index("ix_check_ins_admitted", "account_id", "event_id", postgresql_where=text("result = 'admitted'")),
        Index("ix_check_ins_created", "account_id", "created_at"),
        Index("ix_check_ins_ticket", "account_id", "ticket_id"),
        Index("ix_check_ins_attendee", "account_id", "attendee_id"),
        CheckConstraint(f"result IN {sql_values(CheckinResult)}", name="result"),
        CheckConstraint("party IS NULL OR party > 0", name="party"),
    )

    event_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    ticket_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    attendee_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    result: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)  # slack | api | scan
    door_token_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    user_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    nonce: Mapped[str | None] = mapped_column(String(128))
    scan_hash: Mapped[str | None] = mapped_column(String(64))
    code: Mapped[str | None] = mapped_column(String(128))
    scanned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    answer: Mapped[dict | None] = mapped_column(JSONB)
    # A guest-list admission: the entry, and how many people came in with it (the guest and companions).
    guest_entry_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    party: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = now_default()
