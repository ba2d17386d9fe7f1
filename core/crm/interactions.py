"""Interactions: the contact timeline (notes, calls, logged Slack messages, purchases, check-ins...)."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import FromClause, Insert, Integer, Select, bindparam, select, text, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core import keyset
from core.accounts.permissions import Action, require
from core.context import TenantContext
from core.crm import names
from core.crm.contacts import contact_id_for, upsert_contact
from core.errors import Invalid, NotFound
from core.services import Services
from db.models import Contact, ContactThread, Interaction, User
from db.models.crm import HAND_LOGGED_KINDS as HAND_LOGGED_KINDS  # re-exported: bot's logging command takes these
from db.models.crm import INTERACTION_KINDS, LOGGABLE_KINDS

MAX_BODY = 20_000


_INTERACTIONS = Interaction.__table__
_ENTRY_COLUMNS = ("account_id", "contact_id", "kind", "body", "occurred_at", "user_id", "permalink", "author", "source_key")
# Named apart from the columns so that an entry can be written in the same statement as another row.
_ENTRY_PARAMS = [bindparam(f"entry_{name}", type_=_INTERACTIONS.c[name].type) for name in _ENTRY_COLUMNS]


def timeline_entry_params(
    account_id: uuid.UUID,
    *,
    contact_id: uuid.UUID,
    kind: str,
    body: str,
    occurred_at: datetime,
    user_id: uuid.UUID | None = None,
    permalink: str | None = None,
    author: str | None = None,
    source_key: str | None = None,
) -> dict[str, Any]:
    """The parameters of one timeline entry for `insert_timeline_entry`, checked: a known kind, a body, an aware time."""
    if kind not in INTERACTION_KINDS:
        raise Invalid(f"Kind must be one of {', '.join(INTERACTION_KINDS)}.")
    body = (body or "").strip()
    if not body:
        raise Invalid("Write something to log: the note is empty.", field="text")
    if occurred_at.tzinfo is None:
        raise ValueError("occurred_at must be timezone-aware")
    values = (account_id, contact_id, kind, body[:MAX_BODY], occurred_at, user_id, permalink, author, source_key)
    return {param.key: value for param, value in zip(_ENTRY_PARAMS, values, strict=True)}


def insert_timeline_entry(once_per: FromClause | None = None) -> Insert:
    """The insert of one timeline entry (`timeline_entry_params`), once per row of `once_per` when given (no row, no entry).

    The partial unique index decides duplicates, so two concurrent deliveries of one Slack message
    (or one webhook) leave exactly one row: a `source_key` already recorded for the contact inserts nothing.
    """
    entry = select(*_ENTRY_PARAMS)
    if once_per is not None:
        entry = entry.select_from(once_per)
    return (
        insert(_INTERACTIONS)
        .from_select(_ENTRY_COLUMNS, entry)
        .on_conflict_do_nothing(
            index_elements=["account_id", "contact_id", "source_key"],
            index_where=text("source_key IS NOT NULL"),
        )
    )


# Built once, so every entry reuses its compiled form.
_RECORD = insert_timeline_entry().returning(_INTERACTIONS.c.id)


async def record_interaction(session: AsyncSession, account_id: uuid.UUID, **entry: Any) -> uuid.UUID | None:
    """Add one entry (the keywords of `timeline_entry_params`) to a contact's timeline inside the caller's transaction.

    Returns the new interaction's id, or None when `source_key` was already recorded for this
    contact (a Slack message, order, check-in or campaign send is recorded once).
    """
    return (await session.execute(_RECORD, timeline_entry_params(account_id, **entry))).scalar_one_or_none()


# --- use cases ----------------------------------------------------------------------------

PAGE = 8


@dataclass(frozen=True)
class TimelineEntry:
    id: uuid.UUID
    kind: str
    body: str
    occurred_at: datetime
    logged_by: str | None  # Slack user id of the EventOS user who logged it
    author: str | None  # who said or did it: a Slack user id, a name, or a system source
    permalink: str | None


@dataclass(frozen=True)
class TimelinePage:
    contact_id: uuid.UUID
    entries: list[TimelineEntry]
    older: str | None  # cursor for the next (older) page
    is_first: bool = True


@dataclass(frozen=True)
class Logged:
    contact_id: uuid.UUID
    contact_email: str
    contact_name: str
    interaction_id: uuid.UUID | None  # None: this message was on the timeline already


def _cursor(entry: TimelineEntry) -> str:
    return keyset.cursor(entry.occurred_at, entry.id)


def _parse_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    return keyset.read_cursor(cursor, stale="That page of the timeline is no longer valid; open the contact again.")


def _timeline(*, older: bool) -> Select:
    """A page of the contact's (bound as `contact_id`) timeline, newest first; `older` continues below a cursor."""
    statement = (
        select(Interaction.id, Interaction.kind, Interaction.body, Interaction.occurred_at, User.slack_user_id,
               Interaction.author, Interaction.permalink)
        .outerjoin(User, (User.account_id == Interaction.account_id) & (User.id == Interaction.user_id))
        .where(Interaction.contact_id == bindparam("contact_id"))
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
        .limit(bindparam("rows", type_=Integer))
    )
    if older:
        # Keyset paging on the (contact, occurred_at DESC, id DESC) index: no OFFSET to walk.
        statement = statement.where(
            tuple_(Interaction.occurred_at, Interaction.id) < tuple_(
                bindparam("before_at", type_=Interaction.occurred_at.type), bindparam("before_id", type_=Interaction.id.type)
            )
        )
    return statement


# Built once: a page costs no statement construction.
_FIRST_PAGE, _OLDER_PAGE = _timeline(older=False), _timeline(older=True)


async def timeline_page(
    session: AsyncSession, contact_id: uuid.UUID, *, older_than: str | None = None, size: int = PAGE,
) -> TimelinePage:
    """One page of a contact's timeline, newest first, continuing below `older_than`."""
    values = {"contact_id": contact_id, "rows": size + 1}
    if older_than:
        values["before_at"], values["before_id"] = _parse_cursor(older_than)
    statement = _OLDER_PAGE if older_than else _FIRST_PAGE
    rows = [TimelineEntry(*row) for row in (await session.execute(statement, values)).all()]
    entries = rows[:size]
    return TimelinePage(contact_id, entries, _cursor(entries[-1]) if len(rows) > size else None, older_than is None)


async def log_interaction(
    services: Services,
    tenant: TenantContext,
    *,
    kind: str,
    body: str,
    email: str | None = None,
    contact_id: uuid.UUID | None = None,
    occurred_at: datetime | None = None,
    author: str | None = None,
    permalink: str | None = None,
    source_key: str | None = None,
    create: bool = False,
    name: str | None = None,
) -> Logged:
    """Log a note, call, meeting, email or Slack message on a contact's timeline (sales and up).

    The contact is `contact_id`, else the one with `email`; with `create`, a new email makes a
    new contact (named `name`) in the same transaction.
    """
    require(tenant, Action.LOG_TO_CONTACT_TIMELINES)
    if kind not in LOGGABLE_KINDS:
        raise Invalid(f"Kind must be one of {', '.join(LOGGABLE_KINDS)}.", field="kind")
    if not (body or "").strip():
        raise Invalid("Write something to log: the note is empty.", field="text")
    async with services.db.tenant(tenant.account_id) as session:
        if contact_id is None and create:
            contact_id = await upsert_contact(session, tenant.account_id, email=email or "", name=name)
        elif contact_id is None:
            contact_id = await contact_id_for(session, email or "")
        contact = await session.scalar(
            select(Contact).where(Contact.id == contact_id, Contact.merged_into_id.is_(None))
        )
        if contact is None:
            raise NotFound("That contact is gone or was merged into another; pick it again.")
        interaction_id = await record_interaction(
            session, tenant.account_id, contact_id=contact_id, kind=kind, body=body,
            occurred_at=occurred_at or services.clock.now(), user_id=tenant.user_id, permalink=permalink,
            author=author, source_key=source_key,
        )
        name = names.display_name(contact.first_name, contact.last_name, contact.email)
        return Logged(contact.id, contact.email, name, interaction_id)


def slack_source_key(channel_id: str, ts: str) -> str:
    """The key that makes one Slack message land on a contact's timeline once."""
    return f"slack:{channel_id}:{ts}"


async def track_thread(
    services: Services, tenant: TenantContext, *, contact_id: uuid.UUID, channel_id: str, thread_ts: str,
) -> None:
    """Remember a posted contact card: replies in its thread are logged to the contact."""
    require(tenant, Action.POST_CONTACT_CARDS)
    async with services.db.tenant(tenant.account_id) as session:
        await session.execute(
            insert(ContactThread)
            .values(account_id=tenant.account_id, contact_id=contact_id, channel_id=channel_id, thread_ts=thread_ts)
            .on_conflict_do_nothing()
        )


async def thread_contact(services: Services, tenant: TenantContext, *, channel_id: str, thread_ts: str) -> uuid.UUID | None:
    """The contact whose posted card started this thread, if any."""
    async with services.db.tenant(tenant.account_id) as session:
        return await session.scalar(
            select(ContactThread.contact_id).where(ContactThread.channel_id == channel_id, ContactThread.thread_ts == thread_ts)
        )


async def log_thread_reply(
    services: Services,
    tenant: TenantContext,
    *,
    channel_id: str,
    thread_ts: str,
    ts: str,
    text: str,
    author: str,
    occurred_at: datetime,
    permalink: str | None = None,
) -> Logged | None:
    """Log a reply posted under a contact card's thread; None when the thread is not a card's."""
    if not (text or "").strip():
        return None
    async with services.db.tenant(tenant.account_id) as session:
        contact = (
            await session.execute(
                select(Contact)
                .join(ContactThread, (ContactThread.account_id == Contact.account_id) & (ContactThread.contact_id == Contact.id))
                .where(ContactThread.channel_id == channel_id, ContactThread.thread_ts == thread_ts)
            )
        ).scalar_one_or_none()
        if contact is None:
            return None
        interaction_id = await record_interaction(
            session, tenant.account_id, contact_id=contact.id, kind="slack", body=text, occurred_at=occurred_at,
            user_id=tenant.user_id, permalink=permalink, author=author, source_key=slack_source_key(channel_id, ts),
        )
        name = names.display_name(contact.first_name, contact.last_name, contact.email)
        return Logged(contact.id, contact.email, name, interaction_id)
