"""Queue tables (the outbox, ticket emails): lease due rows across tenants, and back off after a failure."""

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, Table, select, update

from core.services import Services


async def claim_due(
    services: Services, table: Table, *, now: datetime, limit: int, lease: timedelta, where: tuple[Any, ...] = (),
) -> list[Row]:
    """Lease up to `limit` pending, due rows of `table` (id, account_id, next_attempt_at), oldest first.

    The system role sees only these routing columns. `FOR UPDATE SKIP LOCKED` hands concurrent
    claimers disjoint rows, and the lease makes a crashed claimer's rows due again once it lapses.
    """
    due = (
        select(table.c.id)
        .where(
            table.c.status == "pending",
            table.c.next_attempt_at <= now,
            table.c.claimed_until.is_(None) | (table.c.claimed_until < now),
            *where,
        )
        .order_by(table.c.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    async with services.db.system() as session:
        rows = await session.execute(
            update(table)
            .where(table.c.id.in_(due.scalar_subquery()))
            .values(claimed_until=now + lease)
            .returning(table.c.id, table.c.account_id, table.c.next_attempt_at)
        )
        return list(rows)


def backoff(attempts: int, *, first: timedelta, longest: timedelta) -> timedelta:
    """The wait after failed attempt number `attempts`: doubling from `first` up to `longest`, plus up to 20% jitter."""
    return min(first * 2 ** (attempts - 1), longest) * (1 + random.random() / 5)
