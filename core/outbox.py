"""The outbox: Slack messages that must not be lost, stored with the change that caused them.

`enqueue` writes a message inside the caller's tenant transaction, so it exists if and only if
that transaction commits, and a dedupe key makes a second enqueue a no-op. `drain` (run by the
ticker every few seconds on every replica) sends due messages through the Notifier port:

1. Claim: the system role marks up to `limit` due rows as claimed for a lease
   (`FOR UPDATE SKIP LOCKED`), so replicas share the work and a crashed replica's claims lapse.
2. Send: per row, a tenant transaction locks the row again (`FOR UPDATE SKIP LOCKED`, still
   pending and due), calls Slack while holding that lock, and marks it sent (or schedules a
   retry) in the same transaction. A second drainer cannot lock the row meanwhile and finds it
   sent afterwards, so no message is sent twice.

The one unavoidable at-least-once window: Slack accepted the message but the commit that marks
it sent never happened (the process died, or the database went away, in those milliseconds).
The row is then still pending and is sent again after its lease. Everything between Slack's
answer and the commit is kept to a single UPDATE to keep that window small.
"""

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.claims import backoff, claim_due
from core.ports import DeliveryError, SlackMessage
from core.services import Services
from db.models import OutboxMessage

log = logging.getLogger(__name__)

KINDS = ("post", "update")
# A claim outlives any one send (the client's own retries included); after a crash it lapses.
LEASE = timedelta(minutes=2)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=4)
# Retried with backoff for a day (about 14 attempts), then given up as dead.
GIVE_UP_AFTER = timedelta(hours=24)
ACCOUNTS_AT_ONCE = 4

outbox = OutboxMessage.__table__


class Outcome(Enum):
    SENT = "sent"
    RETRY = "retry"
    DEAD = "dead"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class _Claimed:
    id: uuid.UUID
    account_id: uuid.UUID
    due: datetime


async def enqueue(
    session: AsyncSession, *, account_id: uuid.UUID, dedupe_key: str, channel: str, text: str,
    blocks: list[dict] | None = None, thread_ts: str | None = None, update_ts: str | None = None,
    kind: str = "post",
) -> bool:
    """Store a message to send once this tenant transaction commits; False if the key was used before."""
    if kind not in KINDS:
        raise ValueError(f"outbox kind must be one of {KINDS}, not {kind!r}")
    if (kind == "update") != (update_ts is not None):
        raise ValueError("an update needs update_ts (the ts of the message it replaces), and only an update has one")
    payload = {"text": text, "blocks": blocks, "thread_ts": thread_ts, "update_ts": update_ts}
    inserted = await session.execute(
        insert(outbox)
        .values(
            account_id=account_id, dedupe_key=dedupe_key, kind=kind, channel_id=channel,
            payload={k: v for k, v in payload.items() if v is not None},
            # clock_timestamp, not now(): messages of one transaction keep their order.
            next_attempt_at=func.clock_timestamp(),
        )
        .on_conflict_do_nothing(index_elements=["account_id", "dedupe_key"])
        .returning(outbox.c.id)
    )
    return inserted.first() is not None


async def revise_pending(session: AsyncSession, *, key_prefix: str, text: str) -> bool:
    """Replace the text of the not-yet-sent message(s) whose dedupe key starts with `key_prefix`; False if none.

    A drainer sending one of them holds its row lock: this waits, then finds it sent and changes nothing.
    """
    revised = await session.execute(
        update(outbox)
        .where(outbox.c.dedupe_key.startswith(key_prefix, autoescape=True), outbox.c.status == "pending")
        .values(payload=outbox.c.payload.op("||")(func.jsonb_build_object("text", text)))
        .returning(outbox.c.id)
    )
    return revised.first() is not None


async def sent_ts(session: AsyncSession, *, dedupe_key: str) -> str | None:
    """The Slack ts of the message enqueued under this key once it was sent (to update it later), else None."""
    return (
        await session.execute(
            select(outbox.c.message_ts).where(outbox.c.dedupe_key == dedupe_key, outbox.c.status == "sent")
        )
    ).scalar_one_or_none()


async def drain(services: Services, *, limit: int = 50, account_id: uuid.UUID | None = None) -> int:
    """Send the due messages of every account (or of one); returns how many Slack accepted."""
    if services.notifier is None:
        raise RuntimeError("the outbox needs services.notifier to send messages")
    now = services.clock.now()
    claimed = await _claim(services, now=now, limit=limit, account_id=account_id)
    by_account: dict[uuid.UUID, list[uuid.UUID]] = {}
    for row in sorted(claimed, key=lambda r: r.due):
        by_account.setdefault(row.account_id, []).append(row.id)
    slots = asyncio.Semaphore(ACCOUNTS_AT_ONCE)
    sent = await asyncio.gather(*(_drain_account(services, account, ids, now, slots) for account, ids in by_account.items()))
    return sum(sent)


async def _claim(services: Services, *, now: datetime, limit: int, account_id: uuid.UUID | None) -> list[_Claimed]:
    """Lease up to `limit` due rows across tenants (or of one account)."""
    where = () if account_id is None else (outbox.c.account_id == account_id,)
    rows = await claim_due(services, outbox, now=now, limit=limit, lease=LEASE, where=where)
    return [_Claimed(*row) for row in rows]


async def _drain_account(
    services: Services, account_id: uuid.UUID, ids: list[uuid.UUID], now: datetime, slots: asyncio.Semaphore
) -> int:
    """Send one account's claimed messages in order; a retryable failure leaves the rest for the next tick."""
    sent = 0
    async with slots:
        for position, message_id in enumerate(ids):
            try:
                outcome = await _send(services, account_id, message_id, now)
            except Exception:
                # Raised after Slack took the message (the commit failed), this is the at-least-once window.
                log.exception("outbox message %s of account %s was not recorded; it is tried again after its lease",
                              message_id, account_id)
                continue
            sent += outcome is Outcome.SENT
            if outcome is Outcome.RETRY:
                await _release(services, account_id, ids[position + 1:])
                break
    return sent


async def _send(services: Services, account_id: uuid.UUID, message_id: uuid.UUID, now: datetime) -> Outcome:
    """Send one message under its row lock and record the result in the same transaction."""
    async with services.db.tenant(account_id) as session:
        row = (
            await session.execute(
                select(outbox)
                .where(outbox.c.id == message_id, outbox.c.status == "pending", outbox.c.next_attempt_at <= now)
                # Wait for the lock rather than skip: a concurrent claim whose recheck rejected this row still
                # holds its lock until that claim commits, and a skipped row would sit claimed until the lease
                # lapses. After the wait, status and time are checked again, so a row sent meanwhile is skipped.
                .with_for_update()
            )
        ).first()
        if row is None:
            return Outcome.SKIPPED
        payload = row.payload
        message = SlackMessage(
            channel=row.channel_id, text=payload.get("text", ""), blocks=payload.get("blocks"),
            thread_ts=payload.get("thread_ts"), update_ts=payload.get("update_ts"),
        )
        try:
            delivered = await services.notifier.post(account_id, message)
        except DeliveryError as error:
            return await _failed(session, row, error, services.clock.now())
        except Exception as error:
            # A notifier bug counts as a failed attempt, so the message ends dead instead of looping.
            log.exception("the notifier failed unexpectedly on outbox message %s", message_id)
            return await _failed(session, row, DeliveryError(repr(error), retry=True), services.clock.now())
        # Slack has the message: from here to the commit is the at-least-once window.
        await session.execute(
            update(outbox)
            .where(outbox.c.id == message_id, outbox.c.status == "pending")
            .values(status="sent", message_ts=delivered.ts, sent_at=services.clock.now(), attempts=row.attempts + 1,
                    claimed_until=None, last_error=None)
        )
    return Outcome.SENT


async def _failed(session: AsyncSession, row, error: DeliveryError, now: datetime) -> Outcome:
    """Schedule the next attempt with exponential backoff, or give the message up."""
    attempts = row.attempts + 1
    delay = backoff(attempts, first=FIRST_RETRY, longest=LONGEST_RETRY)
    dead = not error.retry or now + delay > row.created_at + GIVE_UP_AFTER
    await session.execute(
        update(outbox)
        .where(outbox.c.id == row.id, outbox.c.status == "pending")
        .values(status="dead" if dead else "pending", attempts=attempts, last_error=error.reason[:1000],
                next_attempt_at=row.next_attempt_at if dead else now + delay, claimed_until=None)
    )
    if dead:
        log.error("outbox message %s (%s) of account %s is dead after %d attempt(s): %s",
                  row.id, row.dedupe_key, row.account_id, attempts, error.reason)
        return Outcome.DEAD
    log.warning("outbox message %s of account %s failed (%s); retrying in %ds",
                row.id, row.account_id, error.reason, delay.total_seconds())
    return Outcome.RETRY


async def _release(services: Services, account_id: uuid.UUID, ids: list[uuid.UUID]) -> None:
    """Give back claims this drain will not use, so the next tick may try them."""
    if not ids:
        return
    async with services.db.tenant(account_id) as session:
        await session.execute(
            update(outbox).where(outbox.c.id.in_(ids), outbox.c.status == "pending").values(claimed_until=None)
        )
