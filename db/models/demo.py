"""The demo data `eventos seed-demo` adds: one record per account, and every row the demo created."""

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, Tenant, now_default, tenant_fk

DEMO_KINDS = (
    "venue", "event", "contact", "company", "campaign", "digest_subscription", "interaction", "promo_code", "tracked_link",
)


class Demo(Tenant, Base):
    """An account's demo (at most one): claimed before anything is added, so a second run adds nothing."""

    __tablename__ = "demos"
    __extra_args__ = (Index("uq_demos_account", "account_id", unique=True),)

    created_at: Mapped[datetime] = now_default()


class DemoRow(Tenant, Base):
    """A row the demo created, named by its kind and id, so removing the demo removes only its own rows."""

    __tablename__ = "demo_rows"
    __extra_args__ = (
        tenant_fk("demo_id", "demos", ondelete="CASCADE"),
        Index("uq_demo_rows_row", "account_id", "kind", "row_id", unique=True),
        Index("ix_demo_rows_demo", "account_id", "demo_id"),
        CheckConstraint(f"kind IN ({', '.join(repr(k) for k in DEMO_KINDS)})", name="kind"),
    )

    demo_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    kind: Mapped[str] = mapped_column(Text)
    row_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
