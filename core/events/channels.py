"""The channel that hears an event's news: sales, sell-outs, door status, check-in conflicts.

One rule: the event's own sales channel, else the account's sales channel, else the channel the
event was created in. A channel someone chose (for the event, then for the account) beats the one
the event merely started in. The door's live status message adds one override of its own
(`core.door.checkins.door_channel`): once posted, door news follows that message.
"""

import uuid

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Account, Event


def news_channel_of_event() -> ColumnElement[str | None]:
    """SQL for the news channel of the `events` row a query selects from."""
    account_channel = select(Account.sales_channel).where(Account.id == Event.account_id).scalar_subquery()
    return func.coalesce(Event.sales_channel, account_channel, Event.created_channel)


async def news_channel(session: AsyncSession, event_id: uuid.UUID) -> str | None:
    """The channel that hears this event's news, or None when neither the event nor the account has one."""
    return (await session.execute(select(news_channel_of_event()).where(Event.id == event_id))).scalar_one()
