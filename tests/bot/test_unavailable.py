"""A database connection lost during a request: retried once when safe, else a clean 503 in the route's shape."""

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import text

from bot.errors import UNAVAILABLE, sentence_for
from bot.server import build_web_app
from core.services import Services
from db.session import Database


async def lose_connection(session, owner_engine) -> None:
    """Have the server terminate the backend this session uses, as a restart or pg_terminate_backend would."""
    pid = (await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()
    async with owner_engine.connect() as connection:
        await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


@pytest.fixture
async def serve():
    runners = []

    async def start(app: web.Application) -> str:
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        return f"http://127.0.0.1:{runner.addresses[0][1]}"

    yield start
    for runner in runners:
        await runner.cleanup()


def app_with(services: Services, owner_engine, method: str, path: str, *, losses: int) -> web.Application:
    """The real web app plus one route whose first `losses` runs lose their connection (the server kills it)."""
    app = build_web_app(services)
    runs = []

    async def handler(request: web.Request) -> web.Response:
        runs.append(await request.read())
        async with services.db.system() as session:
            if len(runs) <= losses:
                await lose_connection(session, owner_engine)
            await session.execute(text("SELECT 1"))
        return web.json_response({"runs": len(runs)})

    app.router.add_route(method, path, handler)
    return app


async def test_a_read_that_lost_its_connection_runs_once_more(services, serve, owner_engine):
    base = await serve(app_with(services, owner_engine, "GET", "/api/v1/probe", losses=1))
    async with aiohttp.ClientSession() as http, http.get(f"{base}/api/v1/probe") as response:
        assert (response.status, await response.json()) == (200, {"runs": 2})


async def test_an_api_write_that_lost_its_connection_answers_503_json_with_retry_after(services, serve, owner_engine):
    base = await serve(app_with(services, owner_engine, "POST", "/api/v1/probe", losses=1))
    async with aiohttp.ClientSession() as http, http.post(f"{base}/api/v1/probe", json={"code": "X"}) as response:
        assert (response.status, response.headers["Retry-After"]) == (503, "5")
        body = await response.json()
    assert body["error"] == "unavailable" and body["message"].endswith("try again in a few seconds.")


async def test_a_page_that_lost_its_connection_twice_answers_one_sentence(services, serve, owner_engine):
    base = await serve(app_with(services, owner_engine, "GET", "/t/probe", losses=2))
    async with aiohttp.ClientSession() as http, http.get(f"{base}/t/probe") as response:
        assert response.status == 503 and "Retry-After" in response.headers
        assert (await response.text()).count(".") == 1


async def test_a_slack_listener_that_lost_its_connection_answers_one_sentence(services, owner_engine):
    with pytest.raises(Exception) as lost:
        async with services.db.system() as session:
            await lose_connection(session, owner_engine)
            await session.execute(text("SELECT 1"))
    assert sentence_for(lost.value) == UNAVAILABLE


async def test_readyz_reports_a_database_it_cannot_reach(settings, serve):
    unreachable = Database("postgresql://postgres@127.0.0.1:9/nowhere")
    try:
        base = await serve(build_web_app(Services(db=unreachable, settings=settings)))
        async with aiohttp.ClientSession() as http, http.get(f"{base}/readyz") as response:
            assert response.status == 503
            body = await response.json()
    finally:
        await unreachable.dispose()
    assert body["status"] == "not_ready" and body["reason"].startswith("database unreachable")
