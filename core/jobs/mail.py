"""Email queues on the job engine: each row composes one email of its order, the mailer sends it.

Ticket emails and waitlist offers are such queues. An email is retried whatever the mail server
answers, until the queue's give-up rule ends it; one whose sender died mid-call is resent once with
the same Message-ID (the queue's `resend_in_doubt_once`).
"""

import uuid
from collections.abc import Awaitable, Callable

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from core.jobs import engine
from core.jobs.engine import Attempt, Doubt, Failed, Finished, Outcome, Sent
from core.jobs.policies import Queue
from core.ports import Email, SendError
from core.services import Services

# The email of a row's order, with `key` as its Message-ID seed; None when there is nothing to send any more.
Compose = Callable[..., Awaitable[Email | None]]


async def send_due(
    services: Services, queue: Queue, compose: Compose, *, key: str, nothing_to_send: Finished, limit: int,
    account_id: uuid.UUID | None,
) -> int:
    """Send the queue's due emails (new ones, retries, any a crash left behind); the number sent.

    `compose(session, services, order_id, key=…)` builds a row's email, keyed `{key}.{row id}`; a row
    whose email is None ends as `nothing_to_send` without a call.
    """
    worker = _Worker(services, queue, compose, key=key, nothing_to_send=nothing_to_send)
    tally = await engine.drain(services, worker, limit=limit, account_id=account_id)
    return tally.sent


class _Worker:
    def __init__(self, services: Services, queue: Queue, compose: Compose, *, key: str, nothing_to_send: Finished) -> None:
        self.queue = queue
        self._services = services
        self._compose = compose
        self._key = key
        self._nothing_to_send = nothing_to_send

    async def prepare(self, session: AsyncSession, row: Row, doubt: Doubt) -> Email | Finished:
        email = await self._compose(session, self._services, row.order_id, key=f"{self._key}.{row.id}")
        return self._nothing_to_send if email is None else email

    async def deliver(self, attempt: Attempt) -> Outcome:
        try:
            await self._services.mailer.send(attempt.prepared)
        except SendError as error:
            return Failed(error.reason, retry=True)
        return Sent()

    async def recorded(self, session: AsyncSession, attempt: Attempt, outcome: Outcome, status: str) -> None:
        return None
