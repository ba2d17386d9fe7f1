"""Promo codes (discounts and unlocks for an event's ticket types, with a use limit the database enforces) and
tracked links (a public link per source or promoter)."""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Index, Integer, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, Tenant, now_default, tenant_fk


class PromoCode(Tenant, Base):
    __tablename__ = "promo_codes"
    __extra_args__ = (
        tenant_fk("event_id", "events", ondelete="CASCADE"),
        tenant_fk("created_by", "users"),
        # Codes are typed by buyers in any case: stored upper-cased, unique per account.
        Index("uq_promo_codes_code", "account_id", "code", unique=True),
        Index("ix_promo_codes_event", "account_id", "event_id"),
        Index("ix_promo_codes_created_by", "account_id", "created_by"),
        CheckConstraint("code = upper(code) AND length(code) BETWEEN 1 AND 40", name="code"),
        CheckConstraint("percent_off IS NULL OR percent_off BETWEEN 1 AND 100", name="percent_off"),
        CheckConstraint("amount_off_cents IS NULL OR amount_off_cents > 0", name="amount_off"),
        CheckConstraint("percent_off IS NULL OR amount_off_cents IS NULL", name="one_discount"),
        CheckConstraint("max_uses IS NULL OR max_uses > 0", name="max_uses"),
        # Uses are counted in tickets, held ones included; the check makes the limit the database's.
        CheckConstraint("used >= 0 AND (max_uses IS NULL OR used <= max_uses)", name="used"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    code: Mapped[str] = mapped_column(Text)
    percent_off: Mapped[int | None] = mapped_column(Integer)
    amount_off_cents: Mapped[int | None] = mapped_column(Integer)
    max_uses: Mapped[int | None] = mapped_column(Integer)
    used: Mapped[int] = mapped_column(Integer, server_default="0")
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = now_default()


class PromoCodeProduct(Base):
    """The ticket types a code applies to; a code without rows applies to every ticket type of its event."""

    __tablename__ = "promo_code_products"
    __table_args__ = (
        tenant_fk("promo_code_id", "promo_codes", ondelete="CASCADE"),
        tenant_fk("product_id", "products", ondelete="CASCADE"),
        Index("ix_promo_code_products_product", "account_id", "product_id"),
    )

    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    promo_code_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    product_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)


SOURCE_PATTERN = "^[a-z0-9][a-z0-9_-]{0,31}$"


class TrackedLink(Tenant, Base):
    """A public event link for one source (instagram) and/or promoter; orders placed through it copy both."""

    __tablename__ = "tracked_links"
    __extra_args__ = (
        tenant_fk("event_id", "events", ondelete="CASCADE"),
        tenant_fk("promoter_id", "users"),
        tenant_fk("created_by", "users"),
        Index("uq_tracked_links_token", "account_id", "token", unique=True),
        # One link per event, source and promoter (NULLS NOT DISTINCT in migration 0070).
        Index("uq_tracked_links_target", "account_id", "event_id", "source", "promoter_id", unique=True),
        Index("ix_tracked_links_promoter", "account_id", "promoter_id"),
        Index("ix_tracked_links_created_by", "account_id", "created_by"),
        CheckConstraint("token ~ '^[a-z0-9]{8,16}$'", name="token"),
        CheckConstraint(f"source IS NULL OR source ~ '{SOURCE_PATTERN}'", name="source"),
        CheckConstraint("source IS NOT NULL OR promoter_id IS NOT NULL", name="target"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    token: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(Text)
    promoter_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = now_default()
