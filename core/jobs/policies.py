"""Each delivery queue's lease, backoff and give-up rule, in one place.

The give-up rule is the same for every queue: a failed row is tried again after a backoff
(doubling from `first_retry` up to `longest_retry`, plus up to 20% jitter) unless that was its
`max_attempts`-th attempt or the next attempt would come later than `max_age` after its first one.
Age is measured on the engine's clock (services.clock), like every other decision it makes.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Table

from db.enums import DeliveryStatus, RecipientStatus
from db.models import CampaignRecipient, OutboxMessage, TicketEmail, WaitlistOffer


@dataclass(frozen=True)
class Policy:
    # Renewed every third of it while the worker lives; a dead worker's rows are due again after it.
    lease: timedelta
    first_retry: timedelta
    longest_retry: timedelta
    max_attempts: int
    max_age: timedelta

    def backoff(self, attempts: int) -> timedelta:
        """The wait after failed attempt number `attempts`."""
        return min(self.first_retry * 2 ** (attempts - 1), self.longest_retry) * (1 + random.random() / 5)

    def next_attempt(self, *, attempts: int, first_attempt_at: datetime, now: datetime) -> datetime | None:
        """When to try again after failed attempt number `attempts`, or None: give up."""
        at = now + self.backoff(attempts)
        if attempts >= self.max_attempts or at > first_attempt_at + self.max_age:
            return None
        return at


@dataclass(frozen=True)
class Queue:
    name: str
    table: Table
    policy: Policy
    dead: str = DeliveryStatus.DEAD  # the status of a row given up
    error: str = "last_error"  # the column that keeps the last failure
    # Emails and SMS cannot be looked up once sent: a row in doubt is sent once more, never twice more.
    resend_in_doubt_once: bool = False


LEASE = timedelta(seconds=15)

OUTBOX = Queue("outbox", OutboxMessage.__table__, Policy(
    lease=LEASE, first_retry=timedelta(seconds=30), longest_retry=timedelta(hours=4), max_attempts=20,
    max_age=timedelta(hours=24),
))
TICKET_EMAILS = Queue("ticket_emails", TicketEmail.__table__, Policy(
    lease=LEASE, first_retry=timedelta(seconds=30), longest_retry=timedelta(hours=2), max_attempts=12,
    max_age=timedelta(hours=24),
), resend_in_doubt_once=True)
CAMPAIGN_RECIPIENTS = Queue("campaign_recipients", CampaignRecipient.__table__, Policy(
    lease=LEASE, first_retry=timedelta(seconds=30), longest_retry=timedelta(minutes=30), max_attempts=8,
    max_age=timedelta(hours=24),
), dead=RecipientStatus.FAILED, error="error", resend_in_doubt_once=True)
WAITLIST_OFFERS = Queue("waitlist_offers", WaitlistOffer.__table__, Policy(
    lease=LEASE, first_retry=timedelta(seconds=30), longest_retry=timedelta(minutes=30), max_attempts=10,
    max_age=timedelta(hours=6),
), resend_in_doubt_once=True)
