"""Deliveries from the chat platform that may come more than once (retries, duplicates)."""

from datetime import timedelta

from sqlalchemy import ColumnElement, bindparam, delete, exists, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.services import Services
from db.models import SlackDelivery, SlackRequestSignature

# Slack retries an event within minutes (three times: at once, after 1 and after 5 minutes), and a
# signed request verifies for five minutes: a day covers both with room for clock skew.
KEEP_FOR = timedelta(days=1)


async def first_delivery(services: Services, *, event_id: str, team_id: str | None) -> bool:
    """Record an event id; True only for the one delivery that recorded it first."""
    # The primary key decides under any concurrency: of N simultaneous copies exactly one inserts.
    async with services.db.system() as session:
        recorded = await session.execute(
            insert(SlackDelivery)
            .values(event_id=event_id, team_id=team_id)
            .on_conflict_do_nothing(index_elements=["event_id"])
            .returning(SlackDelivery.event_id)
        )
        return recorded.first() is not None


async def first_signed_request(session: AsyncSession, *, signature: str) -> bool:
    """Record a verified request's signature in the caller's transaction; False for an exact replay."""
    recorded = await session.execute(_RECORD_SIGNATURE, {"signature": signature})
    return recorded.first() is not None


_RECORD_SIGNATURE = (
    insert(SlackRequestSignature)
    .values(signature=bindparam("signature"))
    .on_conflict_do_nothing(index_elements=["signature"])
    .returning(SlackRequestSignature.signature)
)


def signed_request_recorded() -> ColumnElement[bool]:
    """Records a verified request's signature (bound as `signature`) within the statement that selects this;
    true only for the statement that recorded it first, false for an exact replay."""
    return exists(select(_RECORD_SIGNATURE.cte("recorded_signature")))


async def forget_old_deliveries(services: Services) -> int:
    """Drop event ids and request signatures past any retry or replay window (the ticker runs this)."""
    async with services.db.system() as session:
        events = await session.execute(delete(SlackDelivery).where(SlackDelivery.received_at < func.now() - KEEP_FOR))
        signatures = await session.execute(
            delete(SlackRequestSignature).where(SlackRequestSignature.received_at < func.now() - KEEP_FOR)
        )
    return events.rowcount + signatures.rowcount
