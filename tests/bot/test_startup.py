"""Start-up per mode: token mode checks its token with auth.test, Socket Mode connects through SLACK_API_URL."""

import asyncio
import json
import secrets

import pytest
from aiohttp import WSMsgType, web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from bot import cli
from bot.app import build_bolt_app
from bot.startup import SlackStartupError, build_socket_handler, start_slack
from core.accounts import accounts
from core.services import Services
from db.urls import async_url, with_database
from tests.conftest import _create_database, _drop_database
from tests.conftest import test_settings as make_settings

APP_TOKEN = "xapp-1-A0EVENTOS-1-startup"


def _team() -> str:
    return "T" + secrets.token_hex(5).upper()


def _token_settings(standin, token: str, **overrides):
    return make_settings(slack_bot_token=token, slack_api_url=standin.base_url, **overrides)


async def test_token_mode_start_up_checks_the_token_and_installs_its_workspace(db, slack_standin):
    team_id, token = _team(), f"xoxb-{secrets.token_hex(4)}"
    slack_standin.register_token(token, team_id)
    services = Services(db=db, settings=_token_settings(slack_standin, token))
    connection = await start_slack(services, build_bolt_app(services))
    await connection.close()
    assert [c.token for c in slack_standin.calls_to("auth.test")] == [token]
    workspace = await accounts.find_workspace(services, team_id=team_id, enterprise_id=None)
    assert workspace.status == "active"
    assert connection.description == f"token (one workspace, requests at /slack/events), workspace Workspace {team_id} ({team_id})"


async def test_token_mode_start_up_reactivates_a_reinstalled_workspace(db, slack_standin):
    team_id, token = _team(), f"xoxb-{secrets.token_hex(4)}"
    slack_standin.register_token(token, team_id)
    services = Services(db=db, settings=_token_settings(slack_standin, token))
    await accounts.install_workspace(services, team_id=team_id, enterprise_id=None, name="Old")
    await accounts.deactivate_workspace(services, team_id=team_id, enterprise_id=None)
    await (await start_slack(services, build_bolt_app(services))).close()
    assert (await accounts.find_workspace(services, team_id=team_id, enterprise_id=None)).status == "active"


async def test_a_refused_bot_token_stops_serve_with_one_line(db, database_url, slack_standin, capsys):
    token = f"xoxb-{secrets.token_hex(6)}"
    slack_standin.set_response("auth.test", {"ok": False, "error": "invalid_auth"})
    settings = _token_settings(slack_standin, token, database_url=database_url, port=1)
    with pytest.raises(SlackStartupError) as refused:
        services = Services(db=db, settings=settings)
        await start_slack(services, build_bolt_app(services))
    assert "SLACK_BOT_TOKEN was refused by Slack (invalid_auth)" in str(refused.value)
    assert await cli._serve(settings, console=False) == 2
    stderr = capsys.readouterr().err
    assert stderr.count("\n") == 1 and "SLACK_BOT_TOKEN was refused by Slack (invalid_auth)" in stderr
    assert token not in stderr


async def test_socket_mode_handler_is_built_with_the_app_and_the_app_token(db, slack_standin):
    token = f"xoxb-{secrets.token_hex(4)}"
    settings = _token_settings(slack_standin, token, slack_app_token=APP_TOKEN)
    assert settings.slack_mode == "socket"
    bolt = build_bolt_app(Services(db=db, settings=settings))
    handler = build_socket_handler(bolt, settings)
    assert handler.app is bolt and handler.app_token == APP_TOKEN
    assert handler.client.web_client.base_url == slack_standin.base_url
    await handler.close_async()


class SocketServer:
    """A WebSocket endpoint that plays Slack's Socket Mode server for one connection."""

    def __init__(self, envelope: dict) -> None:
        self.envelope = envelope
        self.acks: asyncio.Queue = asyncio.Queue()
        self.runner: web.AppRunner | None = None

    async def start(self) -> str:
        app = web.Application()
        app.router.add_get("/link", self._serve)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        return f"ws://127.0.0.1:{self.runner.addresses[0][1]}/link"

    async def _serve(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        await ws.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0EVENTOS"}})
        await ws.send_json(self.envelope)
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                await self.acks.put(json.loads(message.data))
        return ws


async def test_socket_mode_receives_a_command_over_the_websocket_and_answers(db, slack_standin):
    team_id, token = _team(), f"xoxb-{secrets.token_hex(4)}"
    slack_standin.register_token(token, team_id)
    slack_standin.set_user("U0SOCKET", is_admin=True)
    response_url = slack_standin.response_url()
    server = SocketServer({
        "envelope_id": "env-1", "type": "slash_commands", "accepts_response_payload": True,
        "payload": {
            "token": "x", "team_id": team_id, "team_domain": "acme", "channel_id": "C0GENERAL", "channel_name": "general",
            "user_id": "U0SOCKET", "user_name": "sock", "command": "/eventos", "text": "help", "api_app_id": "A0EVENTOS",
            "response_url": response_url, "trigger_id": "1.2.3",
        },
    })
    slack_standin.set_response("apps.connections.open", {"ok": True, "url": await server.start()})
    services = Services(db=db, settings=_token_settings(slack_standin, token, slack_app_token=APP_TOKEN))
    connection = await start_slack(services, build_bolt_app(services))
    try:
        ack = await asyncio.wait_for(server.acks.get(), 5)
        answer = (await slack_standin.wait_for_responses(1, url=response_url))[0]
    finally:
        await connection.close()
        await server.runner.cleanup()
    assert ack["envelope_id"] == "env-1"
    assert "/eventos setup" in answer["text"]
    assert [c.token for c in slack_standin.calls_to("apps.connections.open")] == [APP_TOKEN]
    assert connection.description.startswith("socket (Socket Mode with a bot token")


async def test_a_refused_app_token_stops_socket_mode_start_up(db, slack_standin):
    team_id, token = _team(), f"xoxb-{secrets.token_hex(4)}"
    slack_standin.register_token(token, team_id)
    slack_standin.set_response("apps.connections.open", {"ok": False, "error": "invalid_auth"})
    services = Services(db=db, settings=_token_settings(slack_standin, token, slack_app_token=APP_TOKEN))
    with pytest.raises(SlackStartupError, match=r"SLACK_APP_TOKEN was refused by Slack \(invalid_auth\)"):
        await start_slack(services, build_bolt_app(services))


async def test_serve_without_its_own_database_login_stops_with_one_line(database_url, capsys):
    never_migrated = with_database(database_url, f"eventos_absent_{secrets.token_hex(3)}")
    assert await cli._serve(make_settings(database_url=never_migrated, port=1), console=False) == 2
    stderr = capsys.readouterr().err
    assert stderr.count("\n") == 1 and "cannot connect" in stderr and "run `eventos migrate`" in stderr


async def test_serve_on_a_database_behind_the_code_stops_with_one_line(server_url, capsys):
    url = await _create_database(server_url, "eventos_behind")
    admin = create_async_engine(async_url(url), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text("UPDATE alembic_version SET version_num = '0091'"))
        assert await cli._serve(make_settings(database_url=url, port=1), console=False) == 2
        stderr = capsys.readouterr().err
        assert stderr == "The database is not migrated to the current schema; run `eventos migrate` first.\n"
    finally:
        await admin.dispose()
        await _drop_database(server_url, url)
