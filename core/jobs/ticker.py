"""The in-process ticker: every few seconds it wakes each registered job, which claims its due work.

Schedules that must survive a restart live in our own tables (an outbox row's next attempt, a
campaign's scheduled_at, a digest subscription's next run); APScheduler 3's AsyncIOScheduler only
wakes jobs up, with no job store. Each job claims due rows on the job engine (core/jobs/engine.py:
`FOR UPDATE SKIP LOCKED` and a lease), and keys each run uniquely, so any number of replicas can
run the same ticker.

A job is `async def job(services) -> int` (how much work it did). Registering one is a line in
`JOBS` below, e.g. `Job("campaigns", campaigns.send_due, seconds=5)`, or, for a ticker of your own,
`ticker.register_job("campaigns", campaigns.send_due, seconds=5)`. A failing run is logged and the
job simply runs again at its next tick; a run still busy when its next tick comes is not doubled.
Tests call `await ticker.run_once()` to run every job once, deterministically.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from core import deliveries
from core.campaigns import sender
from core.digests import analytics, subscriptions
from core.door import status
from core.jobs import outbox
from core.sales import orders, tickets, waitlist
from core.services import Services

log = logging.getLogger(__name__)

JobFunc = Callable[[Services], Awaitable[int]]


@dataclass(frozen=True)
class Job:
    name: str
    func: JobFunc
    seconds: float


# Every feature's periodic job, one line each.
JOBS: tuple[Job, ...] = (
    Job("outbox", outbox.drain, seconds=2),
    Job("door_status", status.refresh_door_statuses, seconds=10),
    Job("hold_expiry", orders.expire_holds, seconds=15),
    # Every two seconds: paying an order only queues its email, so this is how soon it goes.
    Job("ticket_emails", tickets.send_due, seconds=2),
    Job("slack_deliveries", deliveries.forget_old_deliveries, seconds=3600),
    Job("analytics", analytics.roll_up_due, seconds=60),
    Job("digests", subscriptions.send_due, seconds=15),
    Job("campaigns", sender.send_due, seconds=5),
    # Seats that came back (expired holds, refunds, cancellations, more capacity) go to the waitlists.
    Job("waitlist_offers", waitlist.make_offers, seconds=10),
    Job("waitlist_emails", waitlist.send_offers, seconds=2),
)


class Ticker:
    """Runs registered jobs every few seconds in this process; no state outside the database."""

    def __init__(self, services: Services) -> None:
        self._services = services
        self._jobs: dict[str, Job] = {}
        self._busy: dict[str, asyncio.Task] = {}
        self._scheduler: AsyncIOScheduler | None = None

    @property
    def jobs(self) -> tuple[Job, ...]:
        return tuple(self._jobs.values())

    def register_job(self, name: str, func: JobFunc, seconds: float) -> None:
        """Run `func(services)` every `seconds`; register before start()."""
        if name in self._jobs:
            raise ValueError(f"a job named {name!r} is registered already")
        self._jobs[name] = Job(name, func, seconds)

    async def run_once(self) -> dict[str, int | None]:
        """Run every job once, in registration order; a failed (or still busy) job maps to None."""
        return {job.name: await self._run(job) for job in self._jobs.values()}

    def start(self) -> None:
        """Start ticking on the running event loop; each job runs at once, then every `seconds`."""
        # APScheduler logs every run at INFO; at one run every few seconds that drowns the log.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        scheduler = AsyncIOScheduler(timezone=UTC)
        for job in self._jobs.values():
            scheduler.add_job(
                self._run, "interval", args=[job], id=job.name, seconds=job.seconds,
                next_run_time=datetime.now(UTC), coalesce=True, misfire_grace_time=None,
                # _run itself skips a tick while the previous run is busy, without APScheduler's warning.
                max_instances=2,
            )
        scheduler.start()
        self._scheduler = scheduler

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop ticking, let running jobs finish (up to `timeout` seconds), then shut down."""
        if self._scheduler is None:
            return
        scheduler, self._scheduler = self._scheduler, None
        scheduler.pause()
        running = set(self._busy.values())
        if running:
            await asyncio.wait(running, timeout=timeout)
        # Whatever is still running is cancelled; its claims lapse and another replica picks them up.
        scheduler.shutdown(wait=False)
        await asyncio.sleep(0)

    async def _run(self, job: Job) -> int | None:
        if job.name in self._busy:
            return None
        self._busy[job.name] = asyncio.current_task()
        try:
            done = await job.func(self._services)
        except Exception:
            log.exception("scheduled job %s failed; it runs again at its next tick", job.name)
            return None
        finally:
            del self._busy[job.name]
        if done:
            log.info("scheduled job %s: %d done", job.name, done)
        return done


def build_ticker(services: Services) -> Ticker:
    """The ticker with every job in JOBS registered."""
    ticker = Ticker(services)
    for job in JOBS:
        ticker.register_job(job.name, job.func, job.seconds)
    return ticker
