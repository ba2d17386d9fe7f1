"""Digest subscriptions against real PostgreSQL: fired at the local time, once per date, through the outbox.

The ticker's claim reads `now` from services.clock, so a FrozenClock decides when a digest is due.
Several tests' subscriptions share the database, so assertions look at one account's rows, never
at how many digests a tick sent in all.
"""

import asyncio
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select, text

from bot.notifier import SlackNotifier, fixed_token
from core.digests import subscriptions as digests
from core.errors import Forbidden, Invalid, NotFound
from core.jobs import outbox
from core.services import Services
from core.time.clock import FrozenClock
from db.models import DigestRun, DigestSubscription, OutboxMessage
from db.session import Database
from tests.support.analytics_data import AnalyticsData
from tests.support.notices import shown


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# Monday 30 March 2026 in Berlin (CEST, UTC+2): 08:00 local.
MONDAY_8 = utc(2026, 3, 30, 6)
MONDAY_9 = utc(2026, 3, 30, 7)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(MONDAY_8)


@pytest.fixture
def services(db, settings, clock) -> Services:
    return Services(db=db, settings=settings, clock=clock)


@pytest.fixture
async def berlin(make_tenant):
    return await make_tenant(timezone="Europe/Berlin", currency="EUR")


async def state(services, tenant) -> tuple[list[DigestSubscription], list[DigestRun], list[OutboxMessage]]:
    async with services.db.tenant(tenant.account_id) as session:
        subs = list((await session.execute(select(DigestSubscription))).scalars())
        runs = list((await session.execute(select(DigestRun).order_by(DigestRun.local_date))).scalars())
        messages = list((await session.execute(select(OutboxMessage).order_by(OutboxMessage.created_at))).scalars())
    return subs, runs, messages


def section_text(message: OutboxMessage) -> str:
    return "\n".join(
        block["text"]["text"] if block["type"] == "section" else block["elements"][0]["text"]
        for block in shown(message)["blocks"] if block["type"] in ("section", "context")
    )


async def test_subscribing_schedules_the_next_run_at_the_local_time_and_again_changes_it(services, berlin):
    sub = await digests.subscribe(services, berlin, channel_id="C0SALES", kind="sales", at="09:00")
    assert (sub.kind, sub.at, sub.next_run_at) == ("sales", time(9), MONDAY_9)

    again = await digests.subscribe(services, berlin, channel_id="C0SALES", at="07:30")
    # 07:30 Monday has passed at 08:00: the next one is Tuesday's.
    assert (again.kind, again.next_run_at) == ("both", utc(2026, 3, 31, 5, 30))
    [row], _, _ = await state(services, berlin)
    assert (row.kind, row.at_local, row.next_run_at, row.active) == ("both", time(7, 30), again.next_run_at, True)


async def test_a_bad_kind_or_time_is_refused_and_nothing_is_saved(services, berlin):
    with pytest.raises(Invalid, match="kind must be sales, checkins or both"):
        await digests.subscribe(services, berlin, channel_id="C0SALES", kind="weekly")
    with pytest.raises(Invalid, match="at must be a time of day"):
        await digests.subscribe(services, berlin, channel_id="C0SALES", at="25:00")
    assert (await state(services, berlin))[0] == []


async def test_a_sales_user_cannot_subscribe_a_channel(services, make_tenant):
    sales = await make_tenant(role="sales")
    with pytest.raises(Forbidden, match="Only an organizer"):
        await digests.subscribe(services, sales, channel_id="C0SALES")
    assert await digests.list_subscriptions(services, sales) == []


async def test_the_digest_fires_at_nine_local_time_once_and_is_scheduled_for_the_next_day(services, berlin, clock):
    data = AnalyticsData(services, berlin)
    gala = await data.event("Spring Gala", starts_at=utc(2026, 4, 10, 17), capacity=100)
    await data.order(gala, paid_at=utc(2026, 3, 29, 10), quantity=2)  # Sunday
    await digests.subscribe(services, berlin, channel_id="C0SALES", at="09:00")

    clock.set(MONDAY_9 - timedelta(seconds=1))
    await digests.send_due(services)
    assert (await state(services, berlin))[2] == []

    clock.set(MONDAY_9)
    await digests.send_due(services)
    clock.advance(seconds=15)
    await digests.send_due(services)

    [sub], [run], [message] = await state(services, berlin)
    assert (run.local_date, run.late) == (date(2026, 3, 30), False)
    assert (message.dedupe_key, message.channel_id) == (f"digest:{sub.id}:2026-03-30", "C0SALES")
    assert "*Sales on Sun 29 Mar*: *1 order* · *2 tickets* · *50.00 EUR*" in section_text(message)
    assert "No check-ins on Sun 29 Mar." in section_text(message)
    assert "*Spring Gala* (Fri 10 Apr, 19:00 CEST) · 2/100 sold (2%) · +2 in the last 7 days" in section_text(message)
    assert "Sent late" not in section_text(message)
    assert (sub.next_run_at, sub.claimed_until) == (utc(2026, 3, 31, 7), None)


async def test_a_missed_digest_is_sent_late_once_saying_so(services, berlin, clock):
    await digests.subscribe(services, berlin, channel_id="C0SALES", kind="checkins")
    clock.set(utc(2026, 3, 30, 11, 42))  # 13:42: nothing ran at 09:00

    await digests.send_due(services)
    await digests.send_due(services)

    [sub], [run], [message] = await state(services, berlin)
    assert (run.local_date, run.late) == (date(2026, 3, 30), True)
    assert "Sent late: this digest was due at 09:00 CEST on Mon 30 Mar" in section_text(message)
    assert "No check-ins on Sun 29 Mar." in section_text(message)
    assert shown(message)["text"].startswith("(Sent late)")
    assert sub.next_run_at == utc(2026, 3, 31, 7)


async def test_after_days_of_downtime_only_the_latest_missed_digest_is_sent(services, berlin, clock):
    await digests.subscribe(services, berlin, channel_id="C0SALES")
    clock.set(utc(2026, 4, 2, 6, 30))  # Thursday 08:30: Monday's to Wednesday's were missed

    await digests.send_due(services)

    _, [run], [message] = await state(services, berlin)
    assert (run.local_date, run.late) == (date(2026, 4, 1), True)
    assert "No sales or check-in activity on Tue 31 Mar." in section_text(message)


async def test_a_scheduled_digest_of_a_quiet_day_still_shows_the_upcoming_events_pace(services, berlin, clock):
    data = AnalyticsData(services, berlin)
    gala = await data.event("Summer Gala", starts_at=utc(2026, 6, 20, 17), capacity=300)
    await data.order(gala, paid_at=utc(2026, 3, 10, 12), quantity=168)
    await data.order(gala, paid_at=utc(2026, 3, 25, 12), quantity=14)
    await digests.subscribe(services, berlin, channel_id="C0SALES", kind="sales")
    clock.set(MONDAY_9)

    await digests.send_due(services)

    _, _, [message] = await state(services, berlin)
    assert "No sales on Sun 29 Mar: no orders and no refunds." in section_text(message)
    assert (
        "*Summer Gala* (Sat 20 Jun, 19:00 CEST) · 182/300 sold (60%) · +14 in the last 7 days · "
        "sells out in ~59 days at this pace"
    ) in section_text(message)


async def test_two_schedulers_ticking_together_send_the_digest_once(services, berlin, clock, server_database_url, settings):
    await digests.subscribe(services, berlin, channel_id="C0SALES")
    clock.set(MONDAY_9)
    replica = Database(server_database_url, pool_size=2, max_overflow=2)
    try:
        other = Services(db=replica, settings=settings, clock=clock)
        await asyncio.gather(*(digests.send_due(s) for s in (services, other, services, other)))
    finally:
        await replica.dispose()

    _, runs, messages = await state(services, berlin)
    assert len(runs) == 1 and [m.dedupe_key.split(":")[-1] for m in messages] == ["2026-03-30"]


async def test_two_senders_holding_the_same_claim_still_send_once(services, berlin, clock):
    # A lease that lapsed while its first sender was still busy: both go on to send.
    await digests.subscribe(services, berlin, channel_id="C0SALES")
    clock.set(MONDAY_9)
    [sub], _, _ = await state(services, berlin)

    sent = await asyncio.gather(
        *(digests.send_claimed(services, berlin.account_id, sub.id, now=clock.now()) for _ in range(4))
    )

    assert sorted(sent) == [0, 0, 0, 1]
    _, runs, messages = await state(services, berlin)
    assert len(runs) == 1 and len(messages) == 1


async def test_a_claim_whose_sender_died_is_sent_after_its_lease(services, berlin, clock):
    await digests.subscribe(services, berlin, channel_id="C0SALES")
    clock.set(MONDAY_9)
    claimed = await digests.claim_due(services, now=clock.now(), limit=1000)  # …and the process dies here
    assert any(account == berlin.account_id for _, account in claimed)

    clock.advance(seconds=30)
    await digests.send_due(services)
    assert (await state(services, berlin))[2] == []

    clock.set(MONDAY_9 + digests.LEASE + timedelta(seconds=1))
    await digests.send_due(services)
    _, [run], [_message] = await state(services, berlin)
    assert run.late is False


async def test_unsubscribing_stops_the_digest_and_resubscribing_does_not_repeat_a_date(services, berlin, clock):
    await digests.subscribe(services, berlin, channel_id="C0SALES")
    clock.set(MONDAY_9)
    await digests.send_due(services)

    gone = await digests.unsubscribe(services, berlin, channel_id="C0SALES")
    assert gone.channel_id == "C0SALES"
    with pytest.raises(NotFound, match="gets no digest"):
        await digests.unsubscribe(services, berlin, channel_id="C0SALES")
    assert await digests.list_subscriptions(services, berlin) == []

    clock.set(utc(2026, 3, 30, 6, 30))  # back before 09:00 (a clock moved by hand), same local date
    await digests.subscribe(services, berlin, channel_id="C0SALES")
    clock.set(MONDAY_9 + timedelta(minutes=1))
    await digests.send_due(services)
    _, runs, messages = await state(services, berlin)
    assert len(runs) == 1 and len(messages) == 1


async def test_a_slack_outage_delays_the_digest_but_it_arrives_exactly_once(db, berlin, slack_settings, slack_standin):
    clock = FrozenClock(datetime.now(UTC).replace(microsecond=0))
    services = Services(db=db, settings=slack_settings, clock=clock,
                        notifier=SlackNotifier(slack_settings, fixed_token("xoxb-test-token")))
    sub = await digests.subscribe(services, berlin, channel_id="C0DIGEST")
    clock.set(sub.next_run_at)
    await digests.send_due(services)
    slack_standin.fail_next("chat.postMessage", status=200, error="service_unavailable", times=3)

    for _ in range(6):  # every tick: the outbox tries again once its backoff is over
        clock.advance(hours=1)
        await outbox.drain(services, account_id=berlin.account_id)
        await digests.send_due(services)

    failed = [c for c in slack_standin.calls_to("chat.postMessage", include_failed=True) if c.params["channel"] == "C0DIGEST"]
    delivered = [c for c in slack_standin.calls_to("chat.postMessage") if c.params["channel"] == "C0DIGEST"]
    assert len(failed) == 4 and len(delivered) == 1
    assert "No sales or check-in activity" in str(delivered[0].params["blocks"])
    _, runs, [message] = await state(services, berlin)
    assert len(runs) == 1 and (message.status, message.attempts) == ("sent", 4)


async def test_a_digest_does_not_wait_for_a_running_rollup_and_reports_the_rows_as_they_are(services, berlin, clock):
    data = AnalyticsData(services, berlin)
    gala = await data.event("Spring Gala", starts_at=utc(2026, 4, 10, 17), capacity=100)
    await data.order(gala, paid_at=utc(2026, 3, 29, 10), quantity=2)
    clock.set(utc(2026, 3, 29, 10, 30))
    await digests.send_now(services, berlin, channel_id="C0FIRST", request_key="first")  # rolls up Sunday's first order
    await data.order(gala, paid_at=utc(2026, 3, 29, 11), quantity=3)
    clock.set(MONDAY_9)

    async with services.db.tenant(berlin.account_id) as rollup:
        # A rollup in progress holds the account's watermark row.
        await rollup.execute(
            text("SELECT 1 FROM analytics_watermarks WHERE account_id = :a FOR UPDATE"), {"a": berlin.account_id}
        )
        await asyncio.wait_for(digests.send_now(services, berlin, channel_id="C0BUSY", request_key="busy"), 5)
    await digests.send_now(services, berlin, channel_id="C0FREE", request_key="free")

    *_, messages = await state(services, berlin)
    texts = {m.channel_id: section_text(m) for m in messages}
    assert "*1 order* · *2 tickets*" in texts["C0BUSY"]
    assert "*2 orders* · *5 tickets*" in texts["C0FREE"]
