"""Accounts (one per Slack workspace) and their users."""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from db.enums import AccountStatus, sql_values
from db.models.base import Base, Tenant, now_default, uuid_pk

ROLES = ("owner", "admin", "organizer", "sales", "promoter", "door")


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (
        Index(
            "uq_accounts_slack_workspace",
            text("coalesce(slack_enterprise_id, '')"),
            text("coalesce(slack_team_id, '')"),
            unique=True,
            postgresql_where=text("slack_team_id IS NOT NULL OR slack_enterprise_id IS NOT NULL"),
        ),
        Index("uq_accounts_slug", "slug", unique=True),
        CheckConstraint(f"default_role IN {ROLES!r}", name="default_role"),
        CheckConstraint(f"status IN {sql_values(AccountStatus)}", name="status"),
        CheckConstraint("currency ~ '^[A-Z]{3}$'", name="currency"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    name: Mapped[str] = mapped_column(Text)
    slack_team_id: Mapped[str | None] = mapped_column(String(32))
    slack_enterprise_id: Mapped[str | None] = mapped_column(String(32))
    timezone: Mapped[str] = mapped_column(Text, server_default="UTC")
    currency: Mapped[str] = mapped_column(String(3), server_default="USD")
    sales_channel: Mapped[str | None] = mapped_column(String(32))
    default_role: Mapped[str] = mapped_column(Text, server_default="sales")
    status: Mapped[str] = mapped_column(Text, server_default=AccountStatus.ACTIVE)
    stripe_account_id: Mapped[str | None] = mapped_column(Text)
    # The organizer's name in public URLs (/e/{slug}/…), given when the first link is asked for.
    slug: Mapped[str | None] = mapped_column(String(48))
    created_at: Mapped[datetime] = now_default()
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class User(Tenant, Base):
    __tablename__ = "users"
    __extra_args__ = (
        Index("uq_users_slack_user", "account_id", "slack_user_id", unique=True),
        CheckConstraint(f"role IN {ROLES!r}", name="role"),
    )

    slack_user_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(Text, server_default="")
    email: Mapped[str | None] = mapped_column(Text)
    role: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = now_default()
