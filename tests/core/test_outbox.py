"""The outbox against real PostgreSQL and the Slack stand-in: stored with the change, sent once."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from bot.notifier import SlackNotifier, fixed_token
from core.jobs import outbox
from core.notices import SoldOut
from core.services import Services
from core.time.clock import FrozenClock
from db.models import OutboxMessage


@pytest.fixture
def clock() -> FrozenClock:
    # A minute ahead of the database, so rows enqueued with the database's clock are due at once.
    return FrozenClock(datetime.now(UTC) + timedelta(minutes=1))


@pytest.fixture
def services(db, slack_settings, clock) -> Services:
    return Services(db=db, settings=slack_settings, clock=clock,
                    notifier=SlackNotifier(slack_settings, fixed_token("xoxb-test-token")))


async def enqueue(services, tenant, key, text="Sold 2 tickets", **kw) -> bool:
    async with services.db.tenant(tenant.account_id) as session:
        return await outbox.enqueue(session, account_id=tenant.account_id, dedupe_key=key, channel="C0SALES", text=text, **kw)


async def rows(services, tenant) -> list[OutboxMessage]:
    async with services.db.tenant(tenant.account_id) as session:
        return list((await session.execute(select(OutboxMessage).order_by(OutboxMessage.created_at))).scalars())


def posted(standin, text=None) -> list:
    return [c for c in standin.calls_to("chat.postMessage") if text is None or c.params["text"] == text]


async def test_a_message_refused_with_429_then_500_still_arrives_exactly_once(services, make_tenant, slack_standin):
    tenant = await make_tenant()
    slack_standin.fail_next("chat.postMessage", status=429, retry_after=1)
    slack_standin.fail_next("chat.postMessage", status=500)
    await enqueue(services, tenant, "sale:1")

    assert await outbox.drain(services, account_id=tenant.account_id) == 1

    attempts = slack_standin.calls_to("chat.postMessage", include_failed=True)
    assert [c.status for c in attempts] == [429, 500, 200]
    assert len(posted(slack_standin)) == 1
    [row] = await rows(services, tenant)
    assert (row.status, row.message_ts, row.attempts) == ("sent", attempts[-1].response["ts"], 1)
    assert await outbox.drain(services, account_id=tenant.account_id) == 0
    assert len(posted(slack_standin)) == 1


async def test_a_message_enqueued_in_a_transaction_that_rolls_back_is_never_sent(services, make_tenant, slack_standin):
    tenant = await make_tenant()
    with pytest.raises(RuntimeError):
        async with services.db.tenant(tenant.account_id) as session:
            await outbox.enqueue(session, account_id=tenant.account_id, dedupe_key="sale:2", channel="C0SALES", text="x")
            raise RuntimeError("the sale failed after the message was enqueued")

    assert await outbox.drain(services, account_id=tenant.account_id) == 0
    assert await rows(services, tenant) == []
    assert posted(slack_standin) == []


async def test_the_same_dedupe_key_enqueued_twice_makes_one_message(services, make_tenant, slack_standin):
    tenant = await make_tenant()
    assert await enqueue(services, tenant, "digest:2026-07-01") is True
    assert await enqueue(services, tenant, "digest:2026-07-01", text="a second copy") is False
    results = await asyncio.gather(*(enqueue(services, tenant, "alert:9") for _ in range(5)))
    assert sorted(results) == [False, False, False, False, True]

    assert await outbox.drain(services, account_id=tenant.account_id) == 2
    assert sorted(c.params["text"] for c in posted(slack_standin)) == ["Sold 2 tickets", "Sold 2 tickets"]


async def test_concurrent_drains_send_each_message_exactly_once(services, make_tenant, slack_standin):
    tenant = await make_tenant()
    for n in range(30):
        await enqueue(services, tenant, f"sale:{n}", text=f"sale {n}")
    slack_standin.delay("chat.postMessage", 0.01)

    sent = await asyncio.gather(*(outbox.drain(services, limit=8, account_id=tenant.account_id) for _ in range(4)))
    while sum(sent) < 30:
        sent.append(await outbox.drain(services, limit=8, account_id=tenant.account_id))

    texts = [c.params["text"] for c in posted(slack_standin)]
    assert sorted(texts) == sorted(f"sale {n}" for n in range(30))
    assert {row.status for row in await rows(services, tenant)} == {"sent"}


async def test_a_claimed_message_briefly_locked_by_another_transaction_is_still_sent_by_its_drain(
    services, make_tenant, slack_standin, owner_engine,
):
    # A concurrent claim whose recheck rejects a row keeps that row locked until it commits; the
    # drain that owns the claim must wait it out, not leave the message claimed until the lease lapses.
    tenant = await make_tenant()
    await enqueue(services, tenant, "locked:1", text="first")
    await enqueue(services, tenant, "locked:2", text="second")
    slack_standin.delay("chat.postMessage", 0.3)

    draining = asyncio.create_task(outbox.drain(services, account_id=tenant.account_id))
    while not slack_standin.calls_to("chat.postMessage", include_failed=True):
        await asyncio.sleep(0.01)
    async with owner_engine.begin() as connection:  # holds the second row while the first is being sent
        await connection.execute(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == "locked:2").with_for_update())
        await asyncio.sleep(0.6)

    assert await draining == 2
    assert [c.params["text"] for c in posted(slack_standin)] == ["first", "second"]


async def test_a_drain_whose_claim_lapsed_mid_send_does_not_send_again(services, make_tenant, slack_standin, clock):
    tenant = await make_tenant()
    await enqueue(services, tenant, "slow:1")
    slack_standin.delay("chat.postMessage", 0.5)

    first = asyncio.create_task(outbox.drain(services, account_id=tenant.account_id))
    while not slack_standin.calls_to("chat.postMessage", include_failed=True):
        await asyncio.sleep(0.01)
    clock.advance(seconds=outbox.LEASE.total_seconds() + 1)
    # The second drain may claim the row (its lease lapsed) but cannot lock it while the first sends.
    second = await outbox.drain(services, account_id=tenant.account_id)

    assert (await first, second) == (1, 0)
    assert len(slack_standin.calls_to("chat.postMessage", include_failed=True)) == 1


async def test_a_slack_outage_delays_the_message_then_sends_it_once(services, make_tenant, slack_standin, clock):
    tenant = await make_tenant()
    slack_standin.fail_next("chat.postMessage", status=502, times=2)  # a gateway in front of Slack is down
    await enqueue(services, tenant, "sale:outage")

    assert await outbox.drain(services, account_id=tenant.account_id) == 0
    [row] = await rows(services, tenant)
    assert (row.status, row.attempts) == ("pending", 1)
    assert "HTTP 502" in row.last_error
    assert row.next_attempt_at >= clock.now() + outbox.FIRST_RETRY
    assert await outbox.drain(services, account_id=tenant.account_id) == 0, "not due yet"
    assert len(slack_standin.calls_to("chat.postMessage", include_failed=True)) == 1

    clock.set(row.next_attempt_at)
    assert await outbox.drain(services, account_id=tenant.account_id) == 0
    [row] = await rows(services, tenant)
    assert row.next_attempt_at >= clock.now() + 2 * outbox.FIRST_RETRY, "the backoff doubles"

    clock.set(row.next_attempt_at)
    assert await outbox.drain(services, account_id=tenant.account_id) == 1
    assert len(posted(slack_standin)) == 1
    [row] = await rows(services, tenant)
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, None)


async def test_a_transient_failure_leaves_the_accounts_other_messages_for_the_next_tick(services, make_tenant, slack_standin, clock):
    tenant = await make_tenant()
    slack_standin.fail_next("chat.postMessage", status=200, error="service_unavailable")
    for n in range(3):
        await enqueue(services, tenant, f"sale:{n}", text=f"sale {n}")

    assert await outbox.drain(services, account_id=tenant.account_id) == 0
    assert len(slack_standin.calls_to("chat.postMessage", include_failed=True)) == 1
    assert await outbox.drain(services, account_id=tenant.account_id) == 2, "released at once, not after the lease"
    assert [c.params["text"] for c in posted(slack_standin)] == ["sale 1", "sale 2"]
    clock.advance(minutes=1)
    assert await outbox.drain(services, account_id=tenant.account_id) == 1
    assert [c.params["text"] for c in posted(slack_standin)] == ["sale 1", "sale 2", "sale 0"]


async def test_a_message_slack_keeps_refusing_is_given_up_after_a_day(services, make_tenant, slack_standin, clock):
    tenant = await make_tenant()
    await enqueue(services, tenant, "sale:late")
    slack_standin.fail_next("chat.postMessage", status=200, error="fatal_error", times=2)
    assert await outbox.drain(services, account_id=tenant.account_id) == 0
    [row] = await rows(services, tenant)
    assert (row.status, row.attempts) == ("pending", 1)

    clock.advance(hours=24)  # the day is counted from the first attempt, on the engine's clock
    assert await outbox.drain(services, account_id=tenant.account_id) == 0
    [row] = await rows(services, tenant)
    assert (row.status, row.attempts) == ("dead", 2)


async def test_channel_not_found_is_permanent_and_never_retried(services, make_tenant, slack_standin, clock):
    tenant = await make_tenant()
    slack_standin.fail_next("chat.postMessage", status=200, error="channel_not_found")
    await enqueue(services, tenant, "sale:gone")

    assert await outbox.drain(services, account_id=tenant.account_id) == 0
    clock.advance(hours=1)
    assert await outbox.drain(services, account_id=tenant.account_id) == 0

    [row] = await rows(services, tenant)
    assert (row.status, row.attempts) == ("dead", 1)
    assert "channel_not_found" in row.last_error
    assert len(slack_standin.calls_to("chat.postMessage", include_failed=True)) == 1


async def test_not_in_channel_joins_the_public_channel_once_then_posts(services, make_tenant, slack_standin):
    tenant = await make_tenant()
    slack_standin.fail_next("chat.postMessage", status=200, error="not_in_channel")
    await enqueue(services, tenant, "sale:join")

    assert await outbox.drain(services, account_id=tenant.account_id) == 1
    assert [c.params["channel"] for c in slack_standin.calls_to("conversations.join")] == ["C0SALES"]
    assert len(posted(slack_standin)) == 1


async def test_not_in_a_private_channel_that_cannot_be_joined_is_dead(services, make_tenant, slack_standin):
    tenant = await make_tenant()
    slack_standin.fail_next("chat.postMessage", status=200, error="not_in_channel")
    slack_standin.fail_next("conversations.join", status=200, error="method_not_supported_for_channel_type")
    await enqueue(services, tenant, "sale:private")

    assert await outbox.drain(services, account_id=tenant.account_id) == 0
    [row] = await rows(services, tenant)
    assert row.status == "dead"
    assert "method_not_supported_for_channel_type" in row.last_error
    assert len(slack_standin.calls_to("chat.postMessage", include_failed=True)) == 1


async def test_an_update_replaces_the_message_posted_earlier(services, make_tenant, slack_standin):
    tenant = await make_tenant()
    await enqueue(services, tenant, "door:gala", text="12 checked in")
    async with services.db.tenant(tenant.account_id) as session:
        assert await outbox.sent_ts(session, dedupe_key="door:gala") is None
    await outbox.drain(services, account_id=tenant.account_id)
    async with services.db.tenant(tenant.account_id) as session:
        ts = await outbox.sent_ts(session, dedupe_key="door:gala")
        await outbox.enqueue(session, account_id=tenant.account_id, dedupe_key="door:gala:13", channel="C0SALES",
                             text="13 checked in", kind="update", update_ts=ts)

    assert await outbox.drain(services, account_id=tenant.account_id) == 1
    [update] = slack_standin.calls_to("chat.update")
    assert (update.params["ts"], update.params["text"], update.params["channel"]) == (ts, "13 checked in", "C0SALES")
    assert len(posted(slack_standin)) == 1


async def test_an_update_without_the_ts_it_replaces_is_a_programming_error(services, make_tenant):
    tenant = await make_tenant()
    with pytest.raises(ValueError):
        await enqueue(services, tenant, "door:x", kind="update")
    with pytest.raises(ValueError):
        await enqueue(services, tenant, "door:y", kind="ephemeral")


async def test_a_notice_is_stored_as_its_facts_and_worded_by_the_notifier_when_sent(services, make_tenant, slack_standin):
    tenant = await make_tenant()
    async with services.db.tenant(tenant.account_id) as session:
        await outbox.enqueue(session, account_id=tenant.account_id, dedupe_key="soldout:gala", channel="C0SALES",
                             notice=SoldOut(event="Gala <!channel>", sold=30))
    [row] = await rows(services, tenant)
    assert row.payload == {"notice": "sold_out", "facts": {"event": "Gala <!channel>", "sold": 30}}

    assert await outbox.drain(services, account_id=tenant.account_id) == 1
    assert [c.params["text"] for c in posted(slack_standin)] == [
        ":tada: *Gala &lt;!channel&gt; is sold out*: all 30 tickets are sold."
    ]


async def test_a_row_stored_before_notices_is_sent_with_its_words(services, make_tenant, slack_standin):
    tenant = await make_tenant()
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Sold* 2 tickets"}}]
    async with services.db.tenant(tenant.account_id) as session:
        await session.execute(
            insert(OutboxMessage.__table__).values(
                account_id=tenant.account_id, dedupe_key="sale:old", kind="post", channel_id="C0SALES",
                payload={"text": "Sold 2 tickets", "blocks": blocks}, next_attempt_at=func.now(),
            )
        )

    assert await outbox.drain(services, account_id=tenant.account_id) == 1
    [call] = posted(slack_standin)
    assert (call.params["text"], call.params["blocks"]) == ("Sold 2 tickets", blocks)


async def test_revising_a_waiting_message_restates_its_facts_and_leaves_a_sent_one_alone(services, make_tenant, slack_standin):
    tenant = await make_tenant()
    await enqueue(services, tenant, "rush:1", text="1 order (stored before notices)")
    await enqueue(services, tenant, "rush:2")
    await outbox.drain(services, account_id=tenant.account_id)
    await enqueue(services, tenant, "rush:1:later", text="waiting")
    async with services.db.tenant(tenant.account_id) as session:
        assert await outbox.revise_pending(session, key_prefix="rush:1", notice=SoldOut(event="Gala", sold=3)) is True
        assert await outbox.revise_pending(session, key_prefix="rush:2", notice=SoldOut(event="Gala", sold=4)) is False

    revised = {row.dedupe_key: row.payload for row in await rows(services, tenant)}
    assert revised["rush:1:later"] == {"notice": "sold_out", "facts": {"event": "Gala", "sold": 3}}
    assert (revised["rush:1"], revised["rush:2"]) == ({"text": "1 order (stored before notices)"}, {"text": "Sold 2 tickets"})
    assert await outbox.drain(services, account_id=tenant.account_id) == 1
    assert posted(slack_standin)[-1].params["text"] == ":tada: *Gala is sold out*: all 3 tickets are sold."


async def test_a_message_is_a_notice_or_a_text_never_both_or_neither(services, make_tenant):
    tenant = await make_tenant()
    async with services.db.tenant(tenant.account_id) as session:
        for words in ({}, {"text": "x", "notice": SoldOut(event="Gala", sold=1)}):
            with pytest.raises(ValueError):
                await outbox.enqueue(session, account_id=tenant.account_id, dedupe_key="k", channel="C0SALES", **words)
