"""Daily analytics rollups and the digest subscriptions that read them."""

import uuid
from datetime import date, datetime, time

from sqlalchemy import (
    BigInteger, Boolean, CheckConstraint, Date, DateTime, ForeignKeyConstraint, Index, Integer, String, Text, Time, text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.enums import DigestKind, sql_values
from db.models.base import Base, Tenant, now_default, tenant_fk


class EventAnalytics(Base):
    __tablename__ = "event_analytics"
    __table_args__ = (
        ForeignKeyConstraint(["account_id", "event_id"], ["events.account_id", "events.id"], ondelete="CASCADE"),
        ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),
        Index("ix_event_analytics_day", "account_id", "day"),
    )

    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    orders: Mapped[int] = mapped_column(Integer, server_default="0")
    tickets_sold: Mapped[int] = mapped_column(Integer, server_default="0")
    revenue_cents: Mapped[int] = mapped_column(Integer, server_default="0")
    refunds: Mapped[int] = mapped_column(Integer, server_default="0")
    refunded_cents: Mapped[int] = mapped_column(Integer, server_default="0")
    check_ins: Mapped[int] = mapped_column(Integer, server_default="0")
    duplicate_scans: Mapped[int] = mapped_column(Integer, server_default="0")
    no_shows: Mapped[int] = mapped_column(Integer, server_default="0")
    # The one currency of the day's revenue and refunds; NULL when there were none or more than one.
    currency: Mapped[str | None] = mapped_column(String(3))
    updated_at: Mapped[datetime] = now_default()


class AccountDaySales(Base):
    """An account's day (each event's own calendar day) in one currency: what the digest totals read."""

    __tablename__ = "account_day_sales"
    __table_args__ = (ForeignKeyConstraint(["account_id"], ["accounts.id"], ondelete="CASCADE"),)

    account_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)  # the order's; a refund's: the payment's
    orders: Mapped[int] = mapped_column(Integer, server_default="0")
    tickets_sold: Mapped[int] = mapped_column(Integer, server_default="0")
    refunds: Mapped[int] = mapped_column(Integer, server_default="0")
    revenue_cents: Mapped[int] = mapped_column(BigInteger, server_default="0")
    refunded_cents: Mapped[int] = mapped_column(BigInteger, server_default="0")
    updated_at: Mapped[datetime] = now_default()


class AccountDaySources(Tenant, Base):
    """An account's paid sales of a day by channel, tracked link source, promoter and currency."""

    __tablename__ = "account_day_sources"
    __extra_args__ = (
        tenant_fk("promoter_user_id", "users"),
        # One row per group (NULLS NOT DISTINCT in migration 0099).
        Index("uq_account_day_sources_group", "account_id", "day", "source", "channel_source", "promoter_user_id",
              "currency", unique=True),
        Index("ix_account_day_sources_promoter", "account_id", "promoter_user_id",
              postgresql_where=text("promoter_user_id IS NOT NULL")),
    )

    day: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(Text)  # orders.source: the channel
    channel_source: Mapped[str | None] = mapped_column(Text)
    promoter_user_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    currency: Mapped[str] = mapped_column(String(3))
    orders: Mapped[int] = mapped_column(Integer, server_default="0")
    tickets: Mapped[int] = mapped_column(Integer, server_default="0")
    cents: Mapped[int] = mapped_column(BigInteger, server_default="0")
    updated_at: Mapped[datetime] = now_default()


class AnalyticsWatermark(Tenant, Base):
    """How far the rollup has read an account's activity, so each run touches only new days."""

    __tablename__ = "analytics_watermarks"
    __extra_args__ = (Index("uq_analytics_watermarks_account", "account_id", unique=True),)

    rolled_up_to: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class DigestSubscription(Tenant, Base):
    __tablename__ = "digest_subscriptions"
    __extra_args__ = (
        tenant_fk("created_by", "users"),
        Index("uq_digest_subscriptions_channel", "account_id", "channel_id", unique=True),
        Index("ix_digest_subscriptions_due", "next_run_at", postgresql_where=text("active")),
        CheckConstraint(f"kind IN {sql_values(DigestKind)}", name="kind"),
    )

    channel_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(Text, server_default=DigestKind.BOTH)
    at_local: Mapped[time] = mapped_column(Time)
    active: Mapped[bool] = mapped_column(Boolean, server_default="true")
    next_run_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = now_default()


class DigestRun(Tenant, Base):
    """One digest per (subscription, local date), whatever the number of replicas."""

    __tablename__ = "digest_runs"
    __extra_args__ = (
        tenant_fk("subscription_id", "digest_subscriptions", ondelete="CASCADE"),
        Index("uq_digest_runs_day", "account_id", "subscription_id", "local_date", unique=True),
    )

    subscription_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    local_date: Mapped[date] = mapped_column(Date)
    late: Mapped[bool] = mapped_column(Boolean, server_default="false")
    created_at: Mapped[datetime] = now_default()
