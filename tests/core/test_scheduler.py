"""The ticker: jobs run every few seconds, a failure never stops the loop, stop lets runs finish."""

import asyncio

import pytest

from bot.notifier import SlackNotifier, fixed_token
from core.accounts import accounts
from core.jobs import outbox
from core.jobs.ticker import Ticker, build_ticker
from core.services import Services


async def wait_until(condition, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


async def test_run_once_runs_every_job_and_one_failure_does_not_stop_the_others(services):
    ran = []

    async def broken(services) -> int:
        raise RuntimeError("a bug in one job")

    async def counting(services) -> int:
        ran.append(services)
        return 3

    ticker = Ticker(services)
    ticker.register_job("broken", broken, seconds=1)
    ticker.register_job("counting", counting, seconds=1)

    assert await ticker.run_once() == {"broken": None, "counting": 3}
    assert ran == [services]


async def test_a_job_name_is_registered_once(services):
    async def job(services) -> int:
        return 0

    ticker = Ticker(services)
    ticker.register_job("digests", job, seconds=5)
    with pytest.raises(ValueError):
        ticker.register_job("digests", job, seconds=5)


async def test_the_running_ticker_keeps_ticking_after_failures_and_stops_cleanly(services):
    runs = {"broken": 0, "counting": 0}

    async def broken(services) -> int:
        runs["broken"] += 1
        raise RuntimeError("always fails")

    async def counting(services) -> int:
        runs["counting"] += 1
        return 1

    ticker = Ticker(services)
    ticker.register_job("broken", broken, seconds=0.02)
    ticker.register_job("counting", counting, seconds=0.02)
    ticker.start()
    await wait_until(lambda: runs["broken"] >= 3 and runs["counting"] >= 3)
    await ticker.stop()
    after_stop = dict(runs)
    await asyncio.sleep(0.1)
    assert runs == after_stop


async def test_stop_lets_a_running_job_finish_and_a_busy_job_never_overlaps_itself(services):
    running, finished, overlaps = [], [], []

    async def slow(services) -> int:
        if running:
            overlaps.append(1)
        running.append(1)
        await asyncio.sleep(0.2)
        running.pop()
        finished.append(1)
        return 1

    ticker = Ticker(services)
    ticker.register_job("slow", slow, seconds=0.02)
    ticker.start()
    await wait_until(lambda: running)
    await ticker.stop()

    assert finished and not running
    assert overlaps == []


async def test_the_default_ticker_drains_the_outbox_of_every_account(own_database, slack_settings, slack_standin):
    services = Services(db=own_database, settings=slack_settings,
                        notifier=SlackNotifier(slack_settings, fixed_token("xoxb-test-token")))
    for team in ("T0FIRST", "T0SECOND"):
        workspace = await accounts.install_workspace(services, team_id=team, enterprise_id=None, name=team)
        async with services.db.tenant(workspace.account_id) as session:
            await outbox.enqueue(session, account_id=workspace.account_id, dedupe_key="hello", channel="C0SALES",
                                 text=f"hello {team}")

    ticker = build_ticker(services)
    assert "outbox" in [job.name for job in ticker.jobs]
    assert (await ticker.run_once())["outbox"] == 2
    assert sorted(c.params["text"] for c in slack_standin.calls_to("chat.postMessage")) == ["hello T0FIRST", "hello T0SECOND"]
    assert (await ticker.run_once())["outbox"] == 0
