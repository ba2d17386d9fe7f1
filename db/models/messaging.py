"""The outbox of Slack messages that must not be lost, and Slack deliveries and signed requests already seen."""

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Index, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from db.enums import DeliveryStatus, sql_values
from db.models.attempts import Attempted
from db.models.base import Base, Tenant, now_default


class OutboxMessage(Attempted, Tenant, Base):
    __tablename__ = "outbox"
    __extra_args__ = (
        # The producer names each message; a second enqueue of the same key is a no-op.
        Index("uq_outbox_dedupe", "account_id", "dedupe_key", unique=True),
        Index("ix_outbox_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
        CheckConstraint(f"status IN {sql_values(DeliveryStatus)}", name="status"),
    )

    dedupe_key: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)  # post | update | ephemeral
    channel_id: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict] = mapped_column(JSONB)
    status: Mapped[str] = mapped_column(Text, server_default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[datetime] = now_default()
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    message_ts: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = now_default()


class SlackDelivery(Base):
    """A Slack event_id already handled; outside RLS because it is checked before the tenant is known."""

    __tablename__ = "slack_deliveries"

    event_id: Mapped[str] = mapped_column(Text, primary_key=True)
    team_id: Mapped[str | None] = mapped_column(String(32))
    received_at: Mapped[datetime] = now_default()


class SlackRequestSignature(Base):
    """The signature of a signed Slack request already answered: an exact replay within its 5 minutes is dropped."""

    __tablename__ = "slack_request_signatures"
    __table_args__ = (Index("ix_slack_request_signatures_received", "received_at"),)

    signature: Mapped[str] = mapped_column(String(80), primary_key=True)
    received_at: Mapped[datetime] = now_default()
