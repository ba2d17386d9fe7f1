"""Orders and their lines, payments, attendees, tickets and processed payment webhooks."""

import uuid
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.enums import AttendeeStatus, DeliveryStatus, OrderSource, OrderStatus, PaymentStatus, TicketStatus, sql_values
from db.models.attempts import Attempted
from db.models.base import Base, Tenant, now_default, tenant_fk


class Order(Tenant, Base):
    __tablename__ = "orders"
    __extra_args__ = (
        tenant_fk("event_id", "events"),
        tenant_fk("contact_id", "contacts"),
        tenant_fk("created_by", "users"),
        tenant_fk("promoter_user_id", "users"),
        Index("uq_orders_reference", "account_id", "reference", unique=True),
        Index("ix_orders_event", "account_id", "event_id", "created_at"),
        Index("ix_orders_event_status", "account_id", "event_id", "status"),
        Index("ix_orders_contact", "account_id", "contact_id", "created_at"),
        Index("ix_orders_paid", "account_id", "paid_at"),
        Index("ix_orders_hold_expiry", "expires_at", postgresql_where=text("status = 'pending'")),
        Index("uq_orders_checkout", "checkout_session_id", unique=True),
        Index(
            "uq_orders_checkout_token", "account_id", "checkout_token",
            unique=True, postgresql_where=text("checkout_token IS NOT NULL"),
        ),
        Index("ix_orders_promoter", "account_id", "promoter_user_id", "event_id",
              postgresql_where=text("promoter_user_id IS NOT NULL")),
        CheckConstraint(f"source IN {sql_values(OrderSource)}", name="source"),
        CheckConstraint(
            "channel_source IS NULL OR channel_source ~ '^[a-z0-9][a-z0-9_-]{0,31}$'", name="channel_source"
        ),
        CheckConstraint(f"status IN {sql_values(OrderStatus)}", name="status"),
        CheckConstraint("total_cents >= 0", name="total"),
        CheckConstraint("quantity > 0", name="quantity"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    contact_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    reference: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(Text, server_default=OrderStatus.PENDING)
    kind: Mapped[str] = mapped_column(Text, server_default="sale")  # sale | comp
    source: Mapped[str] = mapped_column(Text, server_default=OrderSource.SLACK)  # where it was placed: slack | web
    # The public checkout form's one-time token: a form submitted twice makes one order.
    checkout_token: Mapped[str | None] = mapped_column(Text)
    # Copied from the tracked link the buyer followed (migration 0070): `instagram`, and/or the promoter.
    channel_source: Mapped[str | None] = mapped_column(Text)
    promoter_user_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    quantity: Mapped[int] = mapped_column(Integer)
    total_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    email: Mapped[str] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    payment_method: Mapped[str | None] = mapped_column(Text)  # stripe | cash | bank | comp
    checkout_session_id: Mapped[str | None] = mapped_column(Text)
    checkout_url: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refunded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    slack_channel: Mapped[str | None] = mapped_column(String(32))
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = now_default()


class OrderLine(Tenant, Base):
    __tablename__ = "order_lines"
    __extra_args__ = (
        tenant_fk("order_id", "orders", ondelete="CASCADE"),
        tenant_fk("product_id", "products"),
        Index("ix_order_lines_order", "account_id", "order_id"),
        Index("ix_order_lines_product", "account_id", "product_id"),
        tenant_fk("promo_code_id", "promo_codes"),
        Index("ix_order_lines_promo_code", "account_id", "promo_code_id", postgresql_where=text("promo_code_id IS NOT NULL")),
        CheckConstraint("quantity > 0", name="quantity"),
        CheckConstraint("unit_price_cents >= 0", name="unit_price"),
        CheckConstraint(
            "list_unit_price_cents IS NULL OR list_unit_price_cents >= unit_price_cents", name="list_price"
        ),
    )

    order_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    product_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    quantity: Mapped[int] = mapped_column(Integer)
    # What each ticket cost the buyer; with a promo code, the price before it is kept beside it.
    unit_price_cents: Mapped[int] = mapped_column(Integer)
    promo_code_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    list_unit_price_cents: Mapped[int | None] = mapped_column(Integer)


class ProductSales(Base):
    """Paid seats and revenue of a ticket type, kept by triggers on orders and order_lines (migration 0010)."""

    __tablename__ = "product_sales"
    __table_args__ = (
        ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(["account_id", "product_id"], ["products.account_id", "products.id"], ondelete="CASCADE"),
    )

    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    product_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    paid_seats: Mapped[int] = mapped_column(Integer, server_default="0")
    revenue_cents: Mapped[int] = mapped_column(BigInteger, server_default="0")


class OrderTally(Tenant, Base):
    """An event's settled orders counted per state, kind, channel, source, promoter and currency,
    kept by triggers on orders and payments (migration 0098); held orders are not tallied."""

    __tablename__ = "order_tallies"
    __extra_args__ = (
        ForeignKeyConstraint(["account_id", "event_id"], ["events.account_id", "events.id"], ondelete="CASCADE"),
        Index(
            "uq_order_tallies_key", "account_id", "event_id", "status", "kind", "source",
            text("coalesce(channel_source, '')"),
            text("coalesce(promoter_user_id, '00000000-0000-0000-0000-000000000000'::uuid)"),
            "currency", unique=True,
        ),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    status: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    channel_source: Mapped[str | None] = mapped_column(Text)
    promoter_user_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    currency: Mapped[str] = mapped_column(String(3))
    orders: Mapped[int] = mapped_column(Integer, server_default="0")
    tickets: Mapped[int] = mapped_column(Integer, server_default="0")
    cents: Mapped[int] = mapped_column(BigInteger, server_default="0")
    refunded_cents: Mapped[int] = mapped_column(BigInteger, server_default="0")  # partial refunds, capped per order


class Payment(Tenant, Base):
    __tablename__ = "payments"
    __extra_args__ = (
        tenant_fk("order_id", "orders"),
        tenant_fk("refunded_by", "users"),
        Index("ix_payments_order", "account_id", "order_id"),
        Index("ix_payments_refunded_by", "account_id", "refunded_by", postgresql_where=text("refunded_by IS NOT NULL")),
        Index("ix_payments_refunded", "account_id", "refunded_at", postgresql_where=text("refunded_at IS NOT NULL")),
        Index(
            "uq_payments_provider_ref", "account_id", "provider", "provider_ref",
            unique=True, postgresql_where=text("provider_ref IS NOT NULL"),
        ),
        CheckConstraint(f"status IN {sql_values(PaymentStatus)}", name="status"),
        CheckConstraint("amount_cents >= 0", name="amount"),
        CheckConstraint("refunded_cents >= 0 AND refunded_cents <= amount_cents", name="refunded"),
    )

    order_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    provider: Mapped[str] = mapped_column(Text)  # stripe | cash | bank | comp
    provider_ref: Mapped[str | None] = mapped_column(Text)  # Stripe PaymentIntent id
    status: Mapped[str] = mapped_column(Text, server_default=PaymentStatus.SUCCEEDED)
    amount_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    refunded_cents: Mapped[int] = mapped_column(Integer, server_default="0")
    created_at: Mapped[datetime] = now_default()
    refunded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Whose refund raised refunded_cents last; None when it was made in Stripe (the dashboard, say).
    refunded_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))


class Attendee(Tenant, Base):
    __tablename__ = "attendees"
    __extra_args__ = (
        tenant_fk("event_id", "events"),
        tenant_fk("order_id", "orders"),
        tenant_fk("product_id", "products"),
        tenant_fk("contact_id", "contacts"),
        Index("ix_attendees_event", "account_id", "event_id"),
        Index("ix_attendees_event_active", "account_id", "event_id", postgresql_where=text("status = 'active'")),
        Index("ix_attendees_order", "account_id", "order_id"),
        Index("ix_attendees_contact", "account_id", "contact_id"),
        Index("ix_attendees_event_email", "account_id", "event_id", "email"),
        Index("ix_attendees_event_name", "account_id", "event_id", text("lower(name) text_pattern_ops")),
        CheckConstraint(f"status IN {sql_values(AttendeeStatus)}", name="status"),
    )

    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    order_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    product_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    contact_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    name: Mapped[str] = mapped_column(Text)
    email: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default=AttendeeStatus.ACTIVE)
    created_at: Mapped[datetime] = now_default()


class Ticket(Tenant, Base):
    __tablename__ = "tickets"
    __extra_args__ = (
        tenant_fk("attendee_id", "attendees"),
        tenant_fk("event_id", "events"),
        Index("uq_tickets_code", "code", unique=True),
        Index("ix_tickets_attendee", "account_id", "attendee_id"),
        Index("ix_tickets_event", "account_id", "event_id"),
        CheckConstraint(f"status IN {sql_values(TicketStatus)}", name="status"),
    )

    attendee_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    code: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(Text, server_default=TicketStatus.VALID)
    created_at: Mapped[datetime] = now_default()
    voided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ProcessedWebhook(Tenant, Base):
    """A provider event (Stripe event.id) applied once, recorded in the same transaction."""

    __tablename__ = "processed_webhooks"
    __extra_args__ = (
        Index("uq_processed_webhooks_event", "account_id", "provider", "event_id", unique=True),
    )

    provider: Mapped[str] = mapped_column(Text)
    event_id: Mapped[str] = mapped_column(Text)
    event_type: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = now_default()


class TicketEmail(Attempted, Tenant, Base):
    """One ticket email to send (a purchase or a resend): claimed with a lease, sent once."""

    __tablename__ = "ticket_emails"
    __extra_args__ = (
        tenant_fk("order_id", "orders", ondelete="CASCADE"),
        Index("uq_ticket_emails_dedupe", "account_id", "dedupe_key", unique=True),
        Index("ix_ticket_emails_order", "account_id", "order_id"),
        Index("ix_ticket_emails_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
        CheckConstraint(f"status IN {sql_values(DeliveryStatus)}", name="status"),
    )

    order_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    dedupe_key: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[datetime] = now_default()
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = now_default()


class SaleRush(Base):
    """Running totals of an event's public orders while they come fast, shown in one Slack alert (0031)."""

    __tablename__ = "sale_rushes"
    __table_args__ = (
        ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(["account_id", "event_id"], ["events.account_id", "events.id"], ondelete="CASCADE"),
    )

    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_sale_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    orders: Mapped[int] = mapped_column(Integer)
    seats: Mapped[int] = mapped_column(Integer)
    revenue_cents: Mapped[int] = mapped_column(BigInteger)
