"""The job engine against real PostgreSQL: leases, crashes, two replicas, lost connections, the give-up rule.

Written once, against the engine, with the outbox table as the queue and a worker whose outside
call the test controls; each queue has its own test that shows it is wired (test_outbox.py,
test_campaign_sending.py, test_stripe_selling.py, and the in-doubt tests at the end of this file).
"""

import asyncio
import uuid
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text, update

from bot.notifier import SlackNotifier, fixed_token
from core.jobs import engine, outbox
from core.jobs.engine import Doubt, Failed, Sent
from core.jobs.policies import OUTBOX, Policy, Queue
from core.sales import orders, payments, tickets
from core.services import Services
from core.time.clock import FrozenClock, SystemClock
from db.models import OutboxMessage, TicketEmail
from db.session import Database
from tests.conftest import test_settings as make_settings
from tests.support.factories import make_event, make_product

QUICK = Queue("outbox", OutboxMessage.__table__, replace(OUTBOX.policy, lease=timedelta(seconds=0.6)))


class Recorder:
    """A worker whose outside call records what it was given; `gate` holds a call until it is set."""

    def __init__(self, queue: Queue = OUTBOX, *, fail: Failed | None = None) -> None:
        self.queue = queue
        self.calls: list[tuple[str, Doubt]] = []
        self.started = asyncio.Event()
        self.gate: asyncio.Event | None = None
        self.during: object = None
        self.fail = fail

    async def prepare(self, session, row, doubt):
        return row.dedupe_key

    async def deliver(self, attempt):
        self.calls.append((attempt.prepared, attempt.doubt))
        self.started.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.during is not None:
            await self.during()
        return self.fail or Sent({"message_ts": f"ts-{attempt.prepared}"})

    async def recorded(self, session, attempt, outcome, status):
        return None


@pytest.fixture
def clock() -> FrozenClock:
    # A minute ahead of the database, so rows enqueued with the database's clock are due at once.
    return FrozenClock(datetime.now(UTC) + timedelta(minutes=1))


@pytest.fixture
def services(db, settings, clock) -> Services:
    return Services(db=db, settings=settings, clock=clock)


async def enqueue(services, tenant, *keys: str) -> None:
    async with services.db.tenant(tenant.account_id) as session:
        for key in keys:
            await outbox.enqueue(session, account_id=tenant.account_id, dedupe_key=key, channel="C0SALES", text=key)


async def rows(services, tenant) -> dict[str, OutboxMessage]:
    async with services.db.tenant(tenant.account_id) as session:
        return {r.dedupe_key: r for r in (await session.execute(select(OutboxMessage))).scalars()}


async def test_two_replicas_draining_together_attempt_each_row_once(db, settings, make_tenant, clock):
    tenant = await make_tenant()
    keys = [f"m{n}" for n in range(60)]
    await enqueue(Services(db=db, settings=settings), tenant, *keys)
    replicas = [Services(db=Database(db.url, pool_size=4, max_overflow=2), settings=settings, clock=clock) for _ in range(2)]
    worker = Recorder()
    try:
        for _ in range(4):
            await asyncio.gather(*(
                engine.drain(replica, worker, limit=7, account_id=tenant.account_id) for replica in replicas for _ in range(3)
            ))
    finally:
        for replica in replicas:
            await replica.db.dispose()

    assert Counter(key for key, _ in worker.calls) == Counter(keys)
    assert {(r.status, r.attempts, r.in_doubt, r.claimed_by) for r in (await rows(replicas[0], tenant)).values()} == {
        ("sent", 1, False, None)
    }


async def test_a_worker_killed_mid_call_leaves_only_that_row_in_doubt(services, make_tenant, clock):
    tenant = await make_tenant()
    await enqueue(services, tenant, "first", "second", "third")
    dying = Recorder()
    dying.gate = asyncio.Event()  # never opened: the process dies in the call
    killed = asyncio.create_task(engine.drain(services, dying, limit=10, account_id=tenant.account_id))
    await dying.started.wait()
    killed.cancel()
    with pytest.raises(asyncio.CancelledError):
        await killed

    survivor = Recorder()
    tally = await engine.drain(services, survivor, limit=10, account_id=tenant.account_id)
    assert (tally.sent, survivor.calls) == (2, [("second", Doubt.NONE), ("third", Doubt.NONE)])
    left = (await rows(services, tenant))["first"]
    assert (left.status, left.attempts, left.attempt_started_at is not None) == ("pending", 1, True)

    clock.advance(seconds=OUTBOX.policy.lease.total_seconds() + 1)  # nobody renews a dead worker's lease
    tally = await engine.drain(services, survivor, limit=10, account_id=tenant.account_id)
    assert (tally.sent, tally.in_doubt, survivor.calls[-1]) == (1, 1, ("first", Doubt.FIRST))
    done = (await rows(services, tenant))["first"]
    assert (done.status, done.attempts, done.in_doubt, done.attempt_started_at) == ("sent", 2, True, None)


async def test_a_cancelled_drain_returns_only_after_every_lane_has_let_go_of_its_row(services, make_tenant, clock):
    """Cancelled at shutdown, the drain waits for each lane's clean-up, so no row stays locked behind it."""
    tenant = await make_tenant()
    await enqueue(services, tenant, "first", "second", "third", "fourth")
    started: list[str] = []
    let_go: list[str] = []
    in_calls = asyncio.Semaphore(0)

    class SlowToStop(Recorder):
        async def deliver(self, attempt):
            started.append(attempt.prepared)
            lane = len(started)
            in_calls.release()
            try:
                await asyncio.Event().wait()
            finally:
                await asyncio.sleep(0.05 * lane)  # each lane takes a little longer to stop than the one before
                let_go.append(attempt.prepared)

    killed = asyncio.create_task(engine.drain(services, SlowToStop(), limit=10, account_id=tenant.account_id, lanes=4))
    for _ in range(4):
        await in_calls.acquire()
    killed.cancel()
    with pytest.raises(asyncio.CancelledError):
        await killed

    assert sorted(let_go) == ["first", "fourth", "second", "third"]
    async with services.db.tenant(tenant.account_id) as session:
        free = await session.scalars(select(OutboxMessage.dedupe_key).with_for_update(nowait=True))
        assert sorted(free) == ["first", "fourth", "second", "third"]  # NOWAIT: none is still locked by a lane


async def test_a_live_worker_keeps_its_claims_while_a_long_call_lasts(db, settings, make_tenant):
    # Real time and a 0.6 s lease: only the heartbeat keeps the rows queued behind the slow call.
    services = Services(db=db, settings=settings, clock=SystemClock())
    tenant = await make_tenant()
    await asyncio.sleep(0.01)
    await enqueue(services, tenant, "slow", "next", "last")
    slow = Recorder(QUICK)
    slow.during = lambda: asyncio.sleep(2)
    first = asyncio.create_task(engine.drain(services, slow, limit=10, account_id=tenant.account_id))
    await slow.started.wait()

    other = Recorder(QUICK)
    for _ in range(15):
        await engine.drain(services, other, limit=10, account_id=tenant.account_id)
        await asyncio.sleep(0.1)
    assert other.calls == []
    assert (await first).sent == 3
    assert [key for key, _ in slow.calls] == ["slow", "next", "last"]


async def test_an_outcome_is_recorded_though_the_database_dropped_the_connection_during_the_call(
    services, make_tenant, owner_engine,
):
    tenant = await make_tenant()
    await enqueue(services, tenant, "alert")
    worker = Recorder()

    async def terminate_every_backend():
        async with owner_engine.connect() as connection:
            await connection.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ))

    worker.during = terminate_every_backend
    tally = await engine.drain(services, worker, limit=10, account_id=tenant.account_id)

    assert (tally.sent, len(worker.calls)) == (1, 1)
    row = (await rows(services, tenant))["alert"]
    assert (row.status, row.attempts, row.in_doubt, row.message_ts) == ("sent", 1, False, "ts-alert")


async def test_a_failure_is_retried_after_a_backoff_then_given_up_by_the_queues_rule(services, make_tenant, clock):
    tenant = await make_tenant()
    await enqueue(services, tenant, "doomed")
    worker = Recorder(fail=Failed("Slack is down", retry=True))
    for attempt in range(1, 4):
        await engine.drain(services, worker, limit=10, account_id=tenant.account_id)
        row = (await rows(services, tenant))["doomed"]
        assert (row.status, row.attempts) == ("pending", attempt)
        assert row.next_attempt_at >= clock.now() + OUTBOX.policy.first_retry * 2 ** (attempt - 1)
        clock.set(row.next_attempt_at)
    clock.advance(hours=24)
    await engine.drain(services, worker, limit=10, account_id=tenant.account_id)
    row = (await rows(services, tenant))["doomed"]
    assert (row.status, row.attempts, row.last_error) == ("dead", 4, "Slack is down")
    clock.advance(days=1)
    await engine.drain(services, worker, limit=10, account_id=tenant.account_id)
    assert len(worker.calls) == 4


def test_the_give_up_rule_counts_attempts_and_age_on_one_clock():
    policy = Policy(lease=timedelta(seconds=30), first_retry=timedelta(seconds=10), longest_retry=timedelta(minutes=5),
                    max_attempts=5, max_age=timedelta(hours=1))
    start = datetime(2027, 3, 1, 9, tzinfo=UTC)
    waits = [policy.next_attempt(attempts=n, first_attempt_at=start, now=start) - start for n in range(1, 5)]
    for n, wait in enumerate(waits, start=1):
        base = min(timedelta(seconds=10) * 2 ** (n - 1), timedelta(minutes=5))
        assert base <= wait <= base * 1.2, "doubling, capped, plus up to 20% jitter"
    assert policy.next_attempt(attempts=5, first_attempt_at=start, now=start) is None, "the fifth failure is the last"
    late = start + timedelta(minutes=59, seconds=55)
    assert policy.next_attempt(attempts=1, first_attempt_at=start, now=late) is None, "the next try would be past an hour"


# --- each queue's in-doubt rule ----------------------------------------------------------


async def mark_in_flight(owner_engine, model, row_id, *, resent: bool = False) -> None:
    """What a worker killed mid-call leaves behind: an attempt marked, never recorded (`resent`: a resend's)."""
    table = model.__table__
    async with owner_engine.begin() as connection:
        await connection.execute(
            update(table).where(table.c.id == row_id)
            .values(attempt_started_at=text("now()"), attempts=table.c.attempts + 1, claimed_by=uuid.uuid4(),
                    in_doubt=resent)
        )


async def test_an_in_doubt_slack_post_already_in_its_channel_is_recorded_not_posted_again(
    db, slack_settings, make_tenant, slack_standin, clock, owner_engine,
):
    services = Services(db=db, settings=slack_settings, clock=clock,
                        notifier=SlackNotifier(slack_settings, fixed_token("xoxb-test-token")))
    tenant = await make_tenant()
    await enqueue(services, tenant, "sale:1", "sale:2")
    slack_standin.delay("chat.postMessage", 0.3)
    killed = asyncio.create_task(outbox.drain(services, account_id=tenant.account_id))
    while not slack_standin.calls_to("chat.postMessage", include_failed=True):
        await asyncio.sleep(0.01)
    killed.cancel()  # the process dies while Slack takes the first message
    with pytest.raises(asyncio.CancelledError):
        await killed
    await asyncio.sleep(0.4)
    slack_standin.delay("chat.postMessage", 0)
    clock.advance(seconds=OUTBOX.policy.lease.total_seconds() + 1)

    assert await outbox.drain(services, account_id=tenant.account_id) == 2
    texts = [c.params["text"] for c in slack_standin.calls_to("chat.postMessage")]
    assert sorted(texts) == ["sale:1", "sale:2"], "each message appears once in the channel"
    [looked] = slack_standin.calls_to("conversations.history")
    assert looked.params["channel"] == "C0SALES"
    found = (await rows(services, tenant))["sale:1"]
    first_post = next(c for c in slack_standin.calls_to("chat.postMessage") if c.params["text"] == "sale:1")
    assert (found.status, found.in_doubt, found.message_ts) == ("sent", True, first_post.response["ts"])
    assert first_post.params["metadata"] == {"event_type": "eventos_delivery", "event_payload": {"key": str(found.id)}}


async def test_an_in_doubt_slack_post_missing_from_its_channel_is_posted_once(
    db, slack_settings, make_tenant, slack_standin, clock, owner_engine,
):
    services = Services(db=db, settings=slack_settings, clock=clock,
                        notifier=SlackNotifier(slack_settings, fixed_token("xoxb-test-token")))
    tenant = await make_tenant()
    await enqueue(services, tenant, "sale:lost")
    row = (await rows(services, tenant))["sale:lost"]
    await mark_in_flight(owner_engine, OutboxMessage, row.id)  # died before Slack answered anything

    assert await outbox.drain(services, account_id=tenant.account_id) == 1
    assert [c.params["text"] for c in slack_standin.calls_to("chat.postMessage")] == ["sale:lost"]
    assert len(slack_standin.calls_to("conversations.history")) == 1
    sent = (await rows(services, tenant))["sale:lost"]
    assert (sent.status, sent.attempts, sent.in_doubt) == ("sent", 2, True)


async def test_an_in_doubt_ticket_email_is_resent_once_with_the_same_message_id_and_never_a_third_time(
    db, make_tenant, smtp_sink, clock, owner_engine,
):
    services = Services(db=db, settings=make_settings(smtp_url=smtp_sink.url), clock=clock)
    tenant = await make_tenant()
    event = await make_event(services, tenant)
    await make_product(services, tenant, event)
    sale = await payments.sell(services, tenant, event=event.slug, ticket="ga", email="ann@example.com")
    await payments.mark_paid(services, tenant, reference=sale.order.reference)
    await orders.resend(services, tenant, reference=sale.order.reference)
    async with services.db.tenant(tenant.account_id) as session:
        first, second = (await session.execute(select(TicketEmail.id).order_by(TicketEmail.created_at))).scalars()
    await mark_in_flight(owner_engine, TicketEmail, first)  # its sender died while the server had it
    await mark_in_flight(owner_engine, TicketEmail, second, resent=True)  # ... and this one's resend died too
    try:
        assert await tickets.send_due(services, account_id=tenant.account_id) == 1
    finally:
        await services.aclose()

    assert [m["Message-ID"].strip() for m in smtp_sink.messages if m["To"] == "ann@example.com"] == [
        f"<ticket-email.{first}@eventos.invalid>"
    ]
    async with services.db.tenant(tenant.account_id) as session:
        got = {r.id: r for r in (await session.execute(select(TicketEmail))).scalars()}
    assert (got[first].status, got[first].attempts, got[first].in_doubt) == ("sent", 2, True)
    assert (got[second].status, got[second].in_doubt, got[second].last_error) == ("dead", True, engine.IN_DOUBT_TWICE)
