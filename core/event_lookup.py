"""Find an event by the slug people type."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import NotFound
from db.models import Event


async def event_by_slug(session: AsyncSession, slug: str) -> Event:
    """The account's event named by `slug` (any case); NotFound with a hint otherwise."""
    wanted = (slug or "").strip().lower()
    event = (await session.execute(select(Event).where(Event.slug == wanted))).scalar_one_or_none()
    if event is None:
        raise NotFound(f"There is no event “{slug}”; `/event list` shows the slugs.")
    return event
