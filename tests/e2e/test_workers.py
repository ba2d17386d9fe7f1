"""`eventos serve --workers 2` as a real process tree: a killed worker is replaced, SIGTERM drains."""

import asyncio
import os
import secrets
import signal
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
from sqlalchemy import select

from core.accounts import accounts
from core.services import Services
from db.models import User
from devtools.slack_standin import SlackStandin
from tests.conftest import SECRET_KEY
from tests.support.server_process import ServerProcess, start_server
from tests.support.slack_requests import SlackDriver

SIGNING_SECRET = "workers-test-signing-secret"
BOT_TOKEN = "xoxb-workers-test"
SHUTDOWN_SECONDS = 10


@asynccontextmanager
async def _workspace() -> AsyncIterator[tuple[SlackStandin, str]]:
    """A Slack stand-in for a workspace of its own, and its owner."""
    standin = SlackStandin(team_id="T" + secrets.token_hex(5).upper(), token=BOT_TOKEN)
    standin.register_token(BOT_TOKEN, standin.team_id)
    owner = "U" + secrets.token_hex(5).upper()
    standin.set_user(owner, is_admin=True, is_owner=True, real_name="Olive Owner")
    await standin.start()
    try:
        yield standin, owner
    finally:
        await standin.stop()


def _serve(tmp_path: Path, database_url: str, standin: SlackStandin, workers: int) -> ServerProcess:
    return start_server(tmp_path, {
        "DATABASE_URL": database_url, "EVENTOS_SECRET_KEY": SECRET_KEY, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": standin.base_url,
        "EVENTOS_SHUTDOWN_SECONDS": str(SHUTDOWN_SECONDS), "EVENTOS_DB_CONNECTIONS": "8",
    }, "--workers", str(workers))


async def _answered(driver: SlackDriver, user: str) -> None:
    """`/event list` (a new connection each time) is acknowledged and answered on its response_url."""
    result = await driver.command("/event", "list", user_id=user)
    assert result.status == 200, result
    assert await driver.wait_responses(result, 1, timeout=20)


async def _slack_requests_counted(server: ServerProcess) -> float:
    async with aiohttp.ClientSession() as http, http.get(f"{server.url}/metrics") as response:
        text = await response.text()
    return sum(
        float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
        if line.startswith("eventos_http_requests_total{") and 'route="/slack/events"' in line and 'status="200"' in line
    )


async def _gone(pid: int, timeout: float = 10.0) -> None:
    """Until the process has exited (a zombie not yet reaped counts: its sockets are closed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0]
        except FileNotFoundError:
            return
        if state in "ZX":
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"process {pid} is still running")


async def test_a_killed_worker_is_started_again_and_requests_keep_being_answered(database_url, tmp_path):
    async with _workspace() as (standin, owner):
        server = _serve(tmp_path, database_url, standin, workers=2)
        try:
            await server.wait_serving(workers=2)
            driver = SlackDriver(f"{server.url}/slack/events", SIGNING_SECRET, standin)
            await asyncio.gather(*(_answered(driver, owner) for _ in range(6)))
            before = server.worker_pids()
            assert set(before) == {1, 2}

            os.kill(before[1], signal.SIGKILL)
            await _gone(before[1])
            # Worker 1 is down (then starting again): every request meanwhile is served by worker 2.
            for _ in range(8):
                await _answered(driver, owner)
            await server.wait_serving(workers=2)
            deadline = time.monotonic() + 30
            while server.log().count("worker 1 serving") < 2:
                assert time.monotonic() < deadline, server.log()
                await asyncio.sleep(0.2)
            after = server.worker_pids()
            assert after[1] != before[1] and after[2] == before[2]
            assert "worker 1 (pid %d) was killed by SIGKILL" % before[1] in server.log()
            await asyncio.gather(*(_answered(driver, owner) for _ in range(6)))
            # A scrape, whichever worker answers it, counts every worker's requests (the killed one's too).
            assert await _slack_requests_counted(server) >= 6 + 8 + 6

            server.process.send_signal(signal.SIGTERM)
            assert await server.wait_exit(SHUTDOWN_SECONDS + 10) == 0
        finally:
            server.kill()
    assert "Traceback" not in server.log(), server.log()


async def test_sigterm_drains_in_flight_requests_and_their_background_work_then_exits_in_time(
    database_url, db, settings, tmp_path,
):
    async with _workspace() as (standin, owner):
        server = _serve(tmp_path, database_url, standin, workers=2)
        try:
            await server.wait_serving(workers=2)
            driver = SlackDriver(f"{server.url}/slack/events", SIGNING_SECRET, standin)
            await _answered(driver, owner)
            # People seen for the first time: each request waits a second for users.info, answers without
            # it, and a background task writes their name once Slack answers, three seconds in.
            newcomers = {"U" + secrets.token_hex(5).upper(): f"Late Person {n}" for n in range(6)}
            for user, name in newcomers.items():
                standin.set_user(user, real_name=name)
            standin.delay("users.info", 3.0)
            sent = [asyncio.create_task(driver.command("/event", "list", user_id=user)) for user in newcomers]
            await asyncio.sleep(0.5)
            stopped_at = time.monotonic()
            server.process.send_signal(signal.SIGTERM)

            results = await asyncio.gather(*sent)
            assert [result.status for result in results] == [200] * len(results)
            for result in results:
                assert await driver.wait_responses(result, 1, timeout=5)
            assert await server.wait_exit(SHUTDOWN_SECONDS + 10) == 0
            took = time.monotonic() - stopped_at
        finally:
            server.kill()
    log = server.log()
    assert took < SHUTDOWN_SECONDS, log
    assert log.count(": stopped") >= 3, log
    assert "did not stop in time" not in log and "Traceback" not in log, log

    services = Services(db=db, settings=settings)
    workspace = await accounts.find_workspace(services, team_id=standin.team_id, enterprise_id=None)
    async with db.tenant(workspace.account_id) as session:
        names = dict((await session.execute(
            select(User.slack_user_id, User.name).where(User.slack_user_id.in_(newcomers))
        )).all())
    assert names == newcomers


async def test_work_that_outlasts_the_bound_is_cut_and_the_server_still_exits_in_time(database_url, tmp_path):
    async with _workspace() as (standin, owner):
        server = start_server(tmp_path, {
            "DATABASE_URL": database_url, "EVENTOS_SECRET_KEY": SECRET_KEY, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_API_URL": standin.base_url,
            "EVENTOS_SHUTDOWN_SECONDS": "2", "EVENTOS_DB_CONNECTIONS": "8",
        }, "--workers", "2")
        try:
            await server.wait_serving(workers=2)
            driver = SlackDriver(f"{server.url}/slack/events", SIGNING_SECRET, standin)
            # Longer than the bound, short enough that the stand-in's own stop does not wait long for it.
            standin.delay("users.info", 8.0)
            stuck = "U" + secrets.token_hex(5).upper()
            result = await driver.command("/event", "list", user_id=stuck)
            assert result.status == 200
            stopped_at = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            assert await server.wait_exit(20) == 0
            took = time.monotonic() - stopped_at
        finally:
            server.kill()
    assert took < 2 + 3, server.log()
    assert "did not finish in time; cancelling" in server.log(), server.log()


async def test_sigkill_of_the_supervisor_takes_every_worker_with_it(database_url, tmp_path):
    async with _workspace() as (standin, owner):
        server = _serve(tmp_path, database_url, standin, workers=2)
        try:
            await server.wait_serving(workers=2)
            pids = server.worker_pids()
            server.process.kill()
            server.process.wait(timeout=10)
            for pid in pids.values():
                await _gone(pid, timeout=5)
        finally:
            server.kill()


async def test_a_worker_that_cannot_start_stops_the_server_with_its_reason_instead_of_restarting(database_url, tmp_path):
    async with _workspace() as (standin, owner):
        server = start_server(tmp_path, {
            "DATABASE_URL": database_url, "EVENTOS_SECRET_KEY": SECRET_KEY, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_BOT_TOKEN": "xoxb-revoked", "SLACK_API_URL": standin.base_url,
        }, "--workers", "2")
        try:
            assert await server.wait_exit(45) == 2
        finally:
            server.kill()
    log = server.log()
    assert "SLACK_BOT_TOKEN was refused by Slack (invalid_auth)" in log
    assert "stopped during start-up" in log and "starting it again" not in log, log
