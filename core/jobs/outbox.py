"""The outbox: Slack messages that must not be lost, stored with the change that caused them.

`enqueue` writes a message inside the caller's tenant transaction, so it exists if and only if
that transaction commits, and a dedupe key makes a second enqueue a no-op. A message is a notice
(core/notices.py): its kind and its facts are stored, and the Slack notifier words it when it is
sent, so `revise_pending` can replace the facts of one still waiting. Rows stored before notices
carry their words (text and blocks) and are sent as they are. `drain` (run by the
ticker every few seconds on every replica) sends due messages through the Notifier port on the
job engine (core/jobs/engine.py): each is claimed with a short lease, marked as being attempted
before Slack is called, and its outcome recorded after, in transactions of their own.

Each post carries the row's delivery key in its message metadata. A message whose sender died
mid-call is in doubt: before posting it again, its channel's recent history is searched for that
key, and a message found there is recorded as sent with its ts. Updates in place (chat.update of
a stored ts) are simply made again. So every message appears once in its channel.
"""

import logging
import uuid

from sqlalchemy import Row, func, literal, select, update
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.jobs import engine
from core.jobs.engine import Attempt, Doubt, Failed, Outcome, Sent
from core.jobs.policies import OUTBOX
from core.notices import Notice, from_facts, to_facts
from core.ports import DeliveryError, SlackMessage
from core.services import Services
from db.enums import DeliveryStatus
from db.models import OutboxMessage

log = logging.getLogger(__name__)

KINDS = ("post", "update")
ACCOUNTS_AT_ONCE = 4
LEASE = OUTBOX.policy.lease
FIRST_RETRY = OUTBOX.policy.first_retry

outbox = OutboxMessage.__table__


async def enqueue(
    session: AsyncSession, *, account_id: uuid.UUID, dedupe_key: str, channel: str, notice: Notice | None = None,
    text: str | None = None, thread_ts: str | None = None, update_ts: str | None = None, kind: str = "post",
) -> bool:
    """Store a message to send once this tenant transaction commits; False if the key was used before.

    The message is a `notice`; `text` (words already chosen) serves the outbox's own tests.
    """
    if kind not in KINDS:
        raise ValueError(f"outbox kind must be one of {KINDS}, not {kind!r}")
    if (kind == "update") != (update_ts is not None):
        raise ValueError("an update needs update_ts (the ts of the message it replaces), and only an update has one")
    if (notice is None) == (text is None):
        raise ValueError("a message is a notice or a text, and only one of them")
    payload = {**(_stated(notice) if notice is not None else {"text": text}), "thread_ts": thread_ts, "update_ts": update_ts}
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


async def revise_pending(session: AsyncSession, *, key_prefix: str, notice: Notice) -> bool:
    """Restate the not-yet-sent message(s) whose dedupe key starts with `key_prefix` as `notice`; False if none.

    A drainer sending one of them holds its row lock: this waits, then finds it sent and changes nothing.
    """
    revised = await session.execute(
        update(outbox)
        .where(outbox.c.dedupe_key.startswith(key_prefix, autoescape=True), outbox.c.status == DeliveryStatus.PENDING)
        # Words of a row stored before notices go: the notice is what is sent.
        .values(payload=outbox.c.payload.op("-")("text").op("-")("blocks").op("||")(literal(_stated(notice), JSONB)))
        .returning(outbox.c.id)
    )
    return revised.first() is not None


def _stated(notice: Notice) -> dict:
    return {"notice": notice.kind, "facts": to_facts(notice)}


async def sent_ts(session: AsyncSession, *, dedupe_key: str) -> str | None:
    """The Slack ts of the message enqueued under this key once it was sent (to update it later), else None."""
    return (
        await session.execute(
            select(outbox.c.message_ts).where(outbox.c.dedupe_key == dedupe_key, outbox.c.status == DeliveryStatus.SENT)
        )
    ).scalar_one_or_none()


async def drain(services: Services, *, limit: int = 50, account_id: uuid.UUID | None = None) -> int:
    """Send the due messages of every account (or of one), in order per account; returns how many Slack has."""
    if services.notifier is None:
        raise RuntimeError("the outbox needs services.notifier to send messages")
    tally = await engine.drain(
        services, _Worker(services), limit=limit, account_id=account_id, accounts_at_once=ACCOUNTS_AT_ONCE,
    )
    return tally.sent


class _Worker:
    queue = OUTBOX

    def __init__(self, services: Services) -> None:
        self._notifier = services.notifier

    async def prepare(self, session: AsyncSession, row: Row, doubt: Doubt) -> SlackMessage:
        payload = row.payload
        notice = from_facts(payload["notice"], payload["facts"]) if "notice" in payload else None
        return SlackMessage(
            channel=row.channel_id, notice=notice, text=payload.get("text", ""), blocks=payload.get("blocks"),
            thread_ts=payload.get("thread_ts"), update_ts=payload.get("update_ts"), key=str(row.id),
        )

    async def deliver(self, attempt: Attempt) -> Outcome:
        message: SlackMessage = attempt.prepared
        try:
            if attempt.doubt is not Doubt.NONE and message.update_ts is None:
                found = await self._notifier.find(attempt.account_id, message)
                if found is not None:
                    log.info("outbox message %s was in doubt and is in its channel already (ts %s)", attempt.id, found.ts)
                    return Sent({"message_ts": found.ts})
            delivered = await self._notifier.post(attempt.account_id, message)
        except DeliveryError as error:
            return Failed(error.reason, retry=error.retry)
        return Sent({"message_ts": delivered.ts})

    async def recorded(self, session: AsyncSession, attempt: Attempt, outcome: Outcome, status: str) -> None:
        return None
