"""Interactions: the contact timeline (notes, calls, logged Slack messages, purchases, check-ins...)."""

import uuid
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Invalid
from db.models import Interaction
from db.models.crm import INTERACTION_KINDS

MAX_BODY = 20_000


async def record_interaction(
    session: AsyncSession,
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
) -> uuid.UUID | None:
    """Add one entry to a contact's timeline inside the caller's transaction.

    Returns the new interaction's id, or None when `source_key` was already recorded for this
    contact (a Slack message, order, check-in or campaign send is recorded once).
    """
    if kind not in INTERACTION_KINDS:
        raise Invalid(f"Kind must be one of {', '.join(INTERACTION_KINDS)}.")
    body = (body or "").strip()
    if not body:
        raise Invalid("Write something to log: the note is empty.")
    if occurred_at.tzinfo is None:
        raise ValueError("occurred_at must be timezone-aware")
    # The partial unique index decides duplicates, so two concurrent deliveries of one Slack
    # message (or one webhook) leave exactly one row.
    statement = (
        insert(Interaction)
        .values(
            account_id=account_id, contact_id=contact_id, kind=kind, body=body[:MAX_BODY],
            occurred_at=occurred_at, user_id=user_id, permalink=permalink, author=author,
            source_key=source_key,
        )
        .on_conflict_do_nothing(
            index_elements=["account_id", "contact_id", "source_key"],
            index_where=text("source_key IS NOT NULL"),
        )
        .returning(Interaction.id)
    )
    return (await session.execute(statement)).scalar_one_or_none()
