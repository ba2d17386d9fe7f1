"""Companies, contacts, consent history, interactions (the timeline) and tracked threads."""

import uuid
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Computed,
    DateTime,
    Index,
    String,
    Text,
    column,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR, UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.enums import Channel, sql_values
from db.models.base import Base, Tenant, now_default, tenant_fk

# The kinds of entry on a contact's timeline, each named once here.
HAND_LOGGED_KINDS = ("note", "call", "meeting", "email")  # written up by a person: /log and its form
LOGGABLE_KINDS = HAND_LOGGED_KINDS + ("slack",)  # ...and Slack messages, by the shortcut or a card's thread
RECORDED_KINDS = ("purchase", "refund", "checkin", "campaign", "guestlist")  # recorded by EventOS itself
INTERACTION_KINDS = LOGGABLE_KINDS + RECORDED_KINDS

CONTACT_SEARCH = (
    "setweight(to_tsvector('simple', coalesce(first_name, '') || ' ' || coalesce(last_name, '')), 'A')"
    " || setweight(to_tsvector('simple', coalesce(email, '')), 'A')"
    " || setweight(to_tsvector('simple', coalesce(phone, '')), 'B')"
    " || setweight(to_tsvector('simple', coalesce(company_name, '')), 'C')"
)


class Company(Tenant, Base):
    __tablename__ = "companies"
    __extra_args__ = (
        Index("uq_companies_name", "account_id", text("lower(name)"), unique=True),
        Index("ix_companies_domain", "account_id", "domain"),
        CheckConstraint("domain IS NULL OR domain = lower(domain)", name="domain_lower"),
    )

    name: Mapped[str] = mapped_column(Text)
    domain: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = now_default()


class Contact(Tenant, Base):
    __tablename__ = "contacts"
    __extra_args__ = (
        tenant_fk("company_id", "companies"),
        tenant_fk("merged_into_id", "contacts"),
        Index("uq_contacts_email", "account_id", "email", unique=True),
        Index("ix_contacts_email_prefix", "account_id", text("email text_pattern_ops")),
        Index("ix_contacts_first_name_prefix", "account_id", text("lower(first_name) text_pattern_ops")),
        Index("ix_contacts_last_name_prefix", "account_id", text("lower(last_name) text_pattern_ops")),
        Index("ix_contacts_search", "search", postgresql_using="gin"),
        Index("ix_contacts_tags", "tags", postgresql_using="gin"),
        Index("ix_contacts_company", "account_id", "company_id"),
        CheckConstraint("email = lower(email)", name="email_lower"),
    )

    company_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    email: Mapped[str] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(32))
    first_name: Mapped[str | None] = mapped_column(Text)
    last_name: Mapped[str | None] = mapped_column(Text)
    # Denormalised for full-text search only; kept in step by core.contacts.
    company_name: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    email_consent: Mapped[bool] = mapped_column(Boolean, server_default="false")
    sms_consent: Mapped[bool] = mapped_column(Boolean, server_default="false")
    unsubscribed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    search: Mapped[str] = mapped_column(TSVECTOR, Computed(CONTACT_SEARCH, persisted=True))
    created_at: Mapped[datetime] = now_default()
    updated_at: Mapped[datetime] = now_default()


class ConsentChange(Tenant, Base):
    __tablename__ = "consent_changes"
    __extra_args__ = (
        tenant_fk("contact_id", "contacts", ondelete="CASCADE"),
        tenant_fk("user_id", "users"),
        Index("ix_consent_changes_contact", "account_id", "contact_id", "created_at"),
        CheckConstraint(f"channel IN {sql_values(Channel)}", name="channel"),
    )

    contact_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    channel: Mapped[str] = mapped_column(Text)
    granted: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(Text)
    user_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = now_default()


class Interaction(Tenant, Base):
    __tablename__ = "interactions"
    __extra_args__ = (
        tenant_fk("contact_id", "contacts", ondelete="CASCADE"),
        tenant_fk("user_id", "users"),
        Index("ix_interactions_timeline", "account_id", "contact_id", text("occurred_at DESC"), text("id DESC")),
        # One Slack message (or one purchase, refund, check-in, campaign send) per contact, once.
        Index(
            "uq_interactions_source", "account_id", "contact_id", "source_key",
            unique=True, postgresql_where=text("source_key IS NOT NULL"),
        ),
        CheckConstraint(f"kind IN {INTERACTION_KINDS!r}", name="kind"),
    )

    contact_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    user_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    kind: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    permalink: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    source_key: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = now_default()


class ContactThread(Tenant, Base):
    """A Slack thread under a posted contact card: its replies are logged to that contact."""

    __tablename__ = "contact_threads"
    __extra_args__ = (
        tenant_fk("contact_id", "contacts", ondelete="CASCADE"),
        Index("uq_contact_threads_thread", "account_id", "channel_id", "thread_ts", unique=True),
    )

    contact_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    channel_id: Mapped[str] = mapped_column(String(32))
    thread_ts: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = now_default()


# Migrations 0004 and 0012: the contacts' search columns for the app role, filtered to the current
# tenant behind a security barrier (core/search.py says which tiers use it).
contact_search = table(
    "contact_search",
    column("id", UUID(as_uuid=True)),
    column("account_id", UUID(as_uuid=True)),
    column("email", Text),
    column("first_name", Text),
    column("last_name", Text),
    column("company_name", Text),
    column("search", TSVECTOR),
)
