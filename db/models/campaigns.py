"""Campaigns and their per-recipient send records."""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Index, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.enums import CampaignStatus, Channel, RecipientStatus, sql_values
from db.models.attempts import Attempted
from db.models.base import Base, Tenant, now_default, tenant_fk


class Campaign(Tenant, Base):
    __tablename__ = "campaigns"
    __extra_args__ = (
        tenant_fk("event_id", "events"),
        tenant_fk("created_by", "users"),
        Index("uq_campaigns_slug", "account_id", "slug", unique=True),
        Index("ix_campaigns_due", "scheduled_at", postgresql_where=text("status IN ('scheduled', 'sending')")),
        CheckConstraint(f"status IN {sql_values(CampaignStatus)}", name="status"),
        CheckConstraint(f"channel IN {sql_values(Channel)}", name="channel"),
    )

    event_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    slug: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(Text)
    audience: Mapped[str] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(Text)
    template: Mapped[str] = mapped_column(Text)
    message: Mapped[str | None] = mapped_column(Text)  # migration 0008
    status: Mapped[str] = mapped_column(Text, server_default=CampaignStatus.DRAFT)
    scheduled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    report_channel: Mapped[str | None] = mapped_column(String(32))
    sent_count: Mapped[int] = mapped_column(Integer, server_default="0")
    failed_count: Mapped[int] = mapped_column(Integer, server_default="0")
    skipped_count: Mapped[int] = mapped_column(Integer, server_default="0")
    created_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = now_default()


class CampaignRecipient(Attempted, Tenant, Base):
    __tablename__ = "campaign_recipients"
    __extra_args__ = (
        tenant_fk("campaign_id", "campaigns", ondelete="CASCADE"),
        tenant_fk("contact_id", "contacts", ondelete="CASCADE"),
        # No double send: one row per (campaign, contact), claimed before sending.
        Index("uq_campaign_recipients_contact", "account_id", "campaign_id", "contact_id", unique=True),
        Index("ix_campaign_recipients_todo", "account_id", "campaign_id", "status"),
        CheckConstraint(f"status IN {sql_values(RecipientStatus)}", name="status"),
    )

    campaign_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    contact_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    status: Mapped[str] = mapped_column(Text, server_default=RecipientStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[datetime] = now_default()  # migration 0040
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = now_default()
