"""Deliveries from the chat platform that may come more than once (retries, duplicates)."""

from datetime import timedelta

from sqlalchemy import delete, func
from sqlalchemy.dialects.postgresql import insert

from core.services import Services
from db.models import SlackDelivery

# Slack retries an event within minutes (three times: at once, after 1 and after 5 minutes).
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


async def forget_old_deliveries(services: Services) -> int:
    """Drop event ids past any retry (the ticker runs this); returns how many were dropped."""
    async with services.db.system() as session:
        result = await session.execute(delete(SlackDelivery).where(SlackDelivery.received_at < func.now() - KEEP_FOR))
    return result.rowcount
