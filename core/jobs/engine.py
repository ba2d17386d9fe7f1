"""The one job engine: lease due rows, attempt them, back off with jitter, give up by one rule, report the dead.

`lease_due` is the only claim in the tree. It locks the rows a query selects with
`FOR UPDATE SKIP LOCKED` (concurrent claimers get disjoint rows and never wait for each other)
and stamps them in the same statement, with a lease that makes them due again if the claimer dies.
Campaigns, digest subscriptions and door-status posts lease their rows with it.

Delivery queues (the outbox, ticket emails, campaign recipients: their rules are in
core/jobs/policies.py) go through `drain`, which records each delivery as a fact before and after
the outside call:

1. Claim: up to `limit` due rows get a short lease and this run's token (`claimed_by`). A
   heartbeat renews the lease while this process lives; a killed worker's lease lapses in seconds.
2. Before the call, in its own transaction: the row (still ours) is marked as being attempted
   (`attempt_started_at`, the attempt number) and committed. The queue's worker may instead end the
   row there without a call (nothing left to send, no consent any more).
3. The call: Slack, SMTP or SMS. Meanwhile a transaction of its own keeps the row locked, so no
   claimer takes it from a live worker even if the lease lapses.
4. After the call, in that transaction, or in a fresh one when its connection died: sent (with the
   queue's own writes), a retry after a backoff, or dead by the queue's one give-up rule.

A row a claimer finds still marked as being attempted belongs to a worker that died between 2 and
4: it is in doubt. The queue's worker decides what that means (look in Slack's history for the
message; resend an email with the same Message-ID), and the row keeps `in_doubt` so reports can
count it. A queue that resends in-doubt rows once ends a row found in doubt again without a call.
Everything else is certain: each row is attempted by one claim at a time.
"""

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol, TypeVar

from sqlalchemy import Row, Select, Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.jobs.policies import Queue
from core.services import Services
from core.together import together
from db.enums import DeliveryStatus
from db.session import connection_lost, retry_on_disconnect

log = logging.getLogger(__name__)

T = TypeVar("T")

IN_DOUBT_TWICE = "in doubt: sent, then sent again after its sender stopped mid-call; not sent a third time"


async def lease_due(
    session: AsyncSession, table: Table, *, due: Select, values: dict[str, Any], returning: Sequence[Any],
) -> list[Row]:
    """Lock the rows whose ids `due` selects, skipping rows another claimer holds, and stamp them with `values`."""
    picked = due.with_for_update(skip_locked=True).scalar_subquery()
    rows = await session.execute(update(table).where(table.c.id.in_(picked)).values(**values).returning(*returning))
    return list(rows)


async def each(items: Sequence[T], step: Callable[[T], Awaitable[int]], *, what: str) -> int:
    """Run `step` for every item in turn; one that fails is logged and left for the next tick, the rest go on."""
    done = 0
    for item in items:
        try:
            done += await step(item)
        except Exception:
            log.exception("%s %s failed this run; it is tried again at the next tick", what, item)
    return done


class Doubt(Enum):
    """Whether an earlier attempt of this row may have reached the outside world."""

    NONE = "none"  # never attempted, or every earlier attempt recorded its outcome
    FIRST = "first"  # an earlier attempt's worker died mid-call
    AGAIN = "again"  # ... and the row was in doubt before that too


@dataclass(frozen=True)
class Attempt:
    """One attempt of a row, as marked before the call."""

    row: Row  # the row as it was before this attempt was marked
    number: int
    doubt: Doubt
    prepared: Any  # what the queue's worker built to send

    @property
    def id(self) -> uuid.UUID:
        return self.row.id

    @property
    def account_id(self) -> uuid.UUID:
        return self.row.account_id


@dataclass(frozen=True)
class Sent:
    """The outside world took it; `values` are extra columns to record (a Slack ts)."""

    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Failed:
    """It did not go; `retry` when trying later may succeed (the give-up rule still applies)."""

    reason: str
    retry: bool


@dataclass(frozen=True)
class Finished:
    """The row ends without a call, in `status` (nothing left to send, no consent any more)."""

    status: str
    reason: str | None = None


Outcome = Sent | Failed


class Worker(Protocol):
    """What one queue does with its rows; the engine does the rest."""

    queue: Queue

    async def prepare(self, session: AsyncSession, row: Row, doubt: Doubt) -> Any:
        """In the transaction that marks the attempt: what to send, or a Finished to end the row without a call."""

    async def deliver(self, attempt: Attempt) -> Outcome:
        """The outside call (the row is locked meanwhile); raising counts as a retryable failure."""

    async def recorded(self, session: AsyncSession, attempt: Attempt, outcome: Outcome, status: str) -> None:
        """Extra writes in the transaction that records the outcome (`status` is the row's new status)."""


@dataclass
class Tally:
    """What one drain did."""

    claimed: int = 0
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    ended: int = 0
    in_doubt: int = 0


async def drain(
    services: Services, worker: Worker, *, limit: int, where: Sequence[Any] = (), account_id: uuid.UUID | None = None,
    accounts_at_once: int = 1, lanes: int = 1, stop_on_retry: bool = True,
) -> Tally:
    """Claim up to `limit` due rows of the worker's queue (of one account, if given) and attempt each once.

    Each account's rows are attempted in due order, in `lanes` parallel lanes (so at most that many
    calls are in flight, and in doubt if the process dies), `accounts_at_once` accounts at a time.
    Unless told otherwise, a lane stops at its first retryable failure (the other side is down or
    throttling) and its other claims are given back at once.
    """
    queue = worker.queue
    token = uuid.uuid4()
    claimed = await _claim(services, queue, token=token, limit=limit, where=where, account_id=account_id)
    tally = Tally(claimed=len(claimed))
    if not claimed:
        return tally
    by_account: dict[uuid.UUID, list[Row]] = {}
    for row in claimed:
        by_account.setdefault(row.account_id, []).append(row)
    slots = asyncio.Semaphore(accounts_at_once)

    async def run_lane(rows: list[Row]) -> None:
        for row in rows:
            if not await _one(services, worker, row.account_id, row.id, token, tally) and stop_on_retry:
                break

    async def run_account(rows: list[Row]) -> None:
        async with slots:
            await together(run_lane(rows[lane::lanes]) for lane in range(lanes))

    async with _kept_alive(services, queue, token, set(by_account)):
        try:
            await together(run_account(rows) for rows in by_account.values())
        finally:
            await _release(services, queue, token, set(by_account))
    return tally


async def _claim(
    services: Services, queue: Queue, *, token: uuid.UUID, limit: int, where: Sequence[Any],
    account_id: uuid.UUID | None,
) -> list[Row]:
    """Lease due rows with this run's token: as the system role across tenants, or in one tenant."""
    table = queue.table
    now = services.clock.now()
    due = (
        select(table.c.id)
        .where(
            table.c.status == DeliveryStatus.PENDING,
            table.c.next_attempt_at <= now,
            table.c.claimed_until.is_(None) | (table.c.claimed_until < now),
            *where,
        )
        .order_by(table.c.next_attempt_at)
        .limit(limit)
    )
    values = dict(claimed_until=now + queue.policy.lease, claimed_by=token)
    returning = (table.c.id, table.c.account_id, table.c.next_attempt_at)
    opened = services.db.system() if account_id is None else services.db.tenant(account_id)
    if account_id is not None:
        due = due.where(table.c.account_id == account_id)
    async with opened as session:
        rows = await lease_due(session, table, due=due, values=values, returning=returning)
    return sorted(rows, key=lambda row: row.next_attempt_at)


async def _one(
    services: Services, worker: Worker, account_id: uuid.UUID, row_id: uuid.UUID, token: uuid.UUID, tally: Tally,
) -> bool:
    """Attempt one claimed row; False after a retryable failure."""
    attempt = await _begin(services, worker, account_id, row_id, token, tally)
    if attempt is None:
        return True
    table = worker.queue.table
    outcome: Outcome | None = None
    try:
        # The row stays locked while the call is made, so no claimer takes it from a live worker, even
        # if its lease lapses; the outcome is written in the same transaction.
        async with services.db.tenant(account_id) as session:
            await session.execute(select(table.c.id).where(table.c.id == row_id).with_for_update())
            outcome = await _call(worker, attempt)
            status = await _record(session, services, worker, attempt, outcome, token)
    except Exception as error:
        if outcome is None or not connection_lost(error):
            raise
        log.warning("%s row %s: the database connection was lost during the call; recording the outcome again",
                    worker.queue.name, row_id)
        status = await retry_on_disconnect(lambda: _record_apart(services, worker, attempt, outcome, token))
    if isinstance(outcome, Sent):
        tally.sent += 1
        return True
    if status == DeliveryStatus.PENDING:
        tally.retrying += 1
        return not outcome.retry
    tally.failed += 1
    return True


async def _call(worker: Worker, attempt: Attempt) -> Outcome:
    try:
        return await worker.deliver(attempt)
    except Exception as error:
        # A worker bug counts as a failed attempt, so the row ends dead instead of looping.
        log.exception("%s row %s: the delivery failed unexpectedly", worker.queue.name, attempt.id)
        return Failed(repr(error), retry=True)


async def _begin(
    services: Services, worker: Worker, account_id: uuid.UUID, row_id: uuid.UUID, token: uuid.UUID, tally: Tally,
) -> Attempt | None:
    """Mark the row as being attempted (committed before any call), or end it; None when there is nothing to call."""
    queue = worker.queue
    table = queue.table
    async with services.db.tenant(account_id) as session:
        row = (
            await session.execute(
                select(table).where(table.c.id == row_id, table.c.claimed_by == token, table.c.status == DeliveryStatus.PENDING)
                .with_for_update()
            )
        ).first()
        if row is None:
            return None  # released, or taken over by a later claim after our lease lapsed
        doubt = _doubt(row)
        if doubt is not Doubt.NONE:
            tally.in_doubt += 1
            log.warning("%s row %s of account %s is in doubt: attempt %d stopped mid-call", queue.name, row_id,
                        account_id, row.attempts)
        if doubt is Doubt.AGAIN and queue.resend_in_doubt_once:
            prepared = Finished(queue.dead, IN_DOUBT_TWICE)
        else:
            prepared = await worker.prepare(session, row, doubt)
        now = services.clock.now()
        if isinstance(prepared, Finished):
            await session.execute(
                update(table).where(table.c.id == row_id).values(
                    status=prepared.status, claimed_until=None, claimed_by=None, attempt_started_at=None,
                    in_doubt=row.in_doubt or doubt is not Doubt.NONE, **{queue.error: prepared.reason},
                )
            )
            tally.ended += 1
            return None
        await session.execute(
            update(table).where(table.c.id == row_id).values(
                attempts=row.attempts + 1, attempt_started_at=now,
                first_attempt_at=func.coalesce(table.c.first_attempt_at, now),
                in_doubt=row.in_doubt or doubt is not Doubt.NONE, claimed_until=now + queue.policy.lease,
            )
        )
    return Attempt(row=row, number=row.attempts + 1, doubt=doubt, prepared=prepared)


def _doubt(row: Row) -> Doubt:
    """Whether a row its claimer is about to attempt is in doubt (an earlier attempt never recorded its outcome)."""
    if row.attempt_started_at is None:
        return Doubt.NONE
    return Doubt.AGAIN if row.in_doubt else Doubt.FIRST


async def _record_apart(services: Services, worker: Worker, attempt: Attempt, outcome: Outcome, token: uuid.UUID) -> str:
    async with services.db.tenant(attempt.account_id) as session:
        return await _record(session, services, worker, attempt, outcome, token)


async def _record(
    session: AsyncSession, services: Services, worker: Worker, attempt: Attempt, outcome: Outcome, token: uuid.UUID,
) -> str:
    """Record the outcome (the row is still ours while it holds this claim's token); returns the row's new status."""
    queue = worker.queue
    table = queue.table
    now = services.clock.now()
    first = attempt.row.first_attempt_at or attempt.row.attempt_started_at or now
    if isinstance(outcome, Sent):
        status, values = DeliveryStatus.SENT, {"sent_at": now, queue.error: None, **outcome.values}
    else:
        retry_at = queue.policy.next_attempt(attempts=attempt.number, first_attempt_at=first, now=now) if outcome.retry else None
        status = DeliveryStatus.PENDING if retry_at is not None else queue.dead
        values = {queue.error: outcome.reason[:1000]}
        if retry_at is not None:
            values["next_attempt_at"] = retry_at
    recorded = (
        await session.execute(
            update(table)
            .where(table.c.id == attempt.id, table.c.claimed_by == token, table.c.attempt_started_at.is_not(None))
            .values(status=status, attempt_started_at=None, claimed_until=None, claimed_by=None, **values)
            .returning(table.c.id)
        )
    ).first()
    if recorded is None:
        # Recorded already by a commit whose answer was lost, or a later claim took the row: it finds it in doubt.
        log.warning("%s row %s: the outcome (%s) was not recorded by this claim", queue.name, attempt.id, status)
        return status
    await worker.recorded(session, attempt, outcome, status)
    if status == queue.dead:
        log.error("%s row %s of account %s is %s after %d attempt(s): %s", queue.name, attempt.id, attempt.account_id,
                  status, attempt.number, outcome.reason)
    elif status == DeliveryStatus.PENDING:
        log.warning("%s row %s of account %s failed (%s); tried again at %s", queue.name, attempt.id,
                    attempt.account_id, outcome.reason, values["next_attempt_at"].isoformat())
    return status


@asynccontextmanager
async def _kept_alive(services: Services, queue: Queue, token: uuid.UUID, accounts: set[uuid.UUID]) -> AsyncIterator[None]:
    """Renew this run's leases while it lives, so a short lease lapses only when the worker is gone."""
    table = queue.table

    async def beat() -> None:
        while True:
            await asyncio.sleep(queue.policy.lease.total_seconds() / 3)
            try:
                for account_id in accounts:
                    async with services.db.tenant(account_id) as session:
                        # A row in a call is locked by its attempt (and safe while it is): renew the others.
                        await lease_due(
                            session, table,
                            due=select(table.c.id).where(table.c.claimed_by == token, table.c.status == DeliveryStatus.PENDING),
                            values=dict(claimed_until=services.clock.now() + queue.policy.lease), returning=(table.c.id,),
                        )
            except Exception:
                log.warning("%s: could not renew a lease; trying again at the next beat", queue.name, exc_info=True)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task


async def _release(services: Services, queue: Queue, token: uuid.UUID, accounts: set[uuid.UUID]) -> None:
    """Give back the claims this run did not attempt, so the next tick may take them at once."""
    table = queue.table
    for account_id in accounts:
        async with services.db.tenant(account_id) as session:
            await session.execute(
                update(table)
                .where(table.c.claimed_by == token, table.c.status == DeliveryStatus.PENDING, table.c.attempt_started_at.is_(None))
                .values(claimed_until=None, claimed_by=None)
            )
