"""OAuth mode: install through the stand-in, encrypted stored tokens, cached authorization, uninstall and reinstall."""

import asyncio
import html
import re
import secrets
import time
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from sqlalchemy import func, select, text

from bot.app import build_application, build_bolt_app
from bot.middleware import UNKNOWN_WORKSPACE
from bot.oauth import close_stores, manifest_scopes
from core.accounts import accounts
from core.services import Services
from db.models import User
from devtools.slack_standin import SlackStandin
from tests.conftest import test_settings as make_settings
from tests.support.slack_requests import SlackDriver

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "oauth-client-secret"


@dataclass
class OAuthApp:
    services: Services
    bolt: AsyncApp
    standin: SlackStandin
    base_url: str

    def driver(self, team_id: str) -> SlackDriver:
        secret = self.services.settings.slack_signing_secret.get_secret_value()
        return SlackDriver(f"{self.base_url}/slack/events", secret, self.standin, team_id=team_id)

    async def get(self, path: str, **kw) -> tuple[int, str, aiohttp.ClientResponse]:
        async with aiohttp.ClientSession() as session, session.get(self.base_url + path, allow_redirects=False, **kw) as resp:
            return resp.status, await resp.text(), resp

    async def install(self, team_id: str, team_name: str = "Acme Events") -> tuple[int, str]:
        """Open /slack/install, follow its link as Slack would, and come back to the redirect URL."""
        self.standin.oauth_team_id, self.standin.oauth_team_name = team_id, team_name
        status, page, resp = await self.get("/slack/install")
        assert status == 200
        authorize_url = html.unescape(re.search(r'href="(https://slack.com/oauth/v2/authorize[^"]+)"', page).group(1))
        state = parse_qs(urlsplit(authorize_url).query)["state"][0]
        assert resp.cookies["slack-app-oauth-state"].value == state
        status, page, _ = await self.get(
            f"/slack/oauth_redirect?code=code-{secrets.token_hex(3)}&state={state}",
            headers={"Cookie": f"slack-app-oauth-state={state}"},
        )
        return status, page


@pytest.fixture
async def oauth_app(db, slack_standin):
    settings = make_settings(
        slack_bot_token=None, slack_client_id=CLIENT_ID, slack_client_secret=CLIENT_SECRET,
        slack_api_url=slack_standin.base_url,
    )
    assert settings.slack_mode == "oauth"
    services = Services(db=db, settings=settings)
    bolt = build_bolt_app(services)
    runner = web.AppRunner(build_application(services, bolt), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield OAuthApp(services, bolt, slack_standin, f"http://127.0.0.1:{runner.addresses[0][1]}")
    await runner.cleanup()
    await close_stores(bolt)


def _team() -> str:
    return "T" + secrets.token_hex(5).upper()


async def _eventually(check, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while not (result := await check()) and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    return result


async def test_install_page_asks_for_the_manifest_scopes_and_returns_to_base_url(oauth_app):
    status, page, _ = await oauth_app.get("/slack/install")
    query = parse_qs(urlsplit(html.unescape(re.search(r'href="([^"]+oauth/v2/authorize[^"]+)"', page).group(1))).query)
    assert status == 200
    assert query["client_id"] == [CLIENT_ID]
    assert query["scope"][0].split(",") == list(manifest_scopes()[0])
    assert query["redirect_uri"] == ["http://eventos.test/slack/oauth_redirect"]


async def test_install_pages_carry_the_security_headers_and_no_version_banner(oauth_app):
    for path in ("/slack/install", "/slack/oauth_redirect?error=access_denied"):
        _, _, response = await oauth_app.get(path)
        assert response.content_type == "text/html", path
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Server"] == "EventOS"


async def test_install_creates_the_account_with_the_installer_as_owner(oauth_app, owner_engine):
    team_id = _team()
    status, page = await oauth_app.install(team_id)
    assert status == 200
    assert "EventOS is installed in Acme Events" in page
    workspace = await accounts.find_workspace(oauth_app.services, team_id=team_id, enterprise_id=None)
    assert (workspace.name, workspace.status) == ("Acme Events", "active")
    async with owner_engine.connect() as connection:
        installer = (await connection.execute(
            select(User.name, User.email, User.role).where(User.account_id == workspace.account_id)
        )).one()
    assert tuple(installer) == ("User U0INSTALLER", "u0installer@example.com", "owner")
    exchange = oauth_app.standin.calls_to("oauth.v2.access")[-1]
    assert (exchange.params["client_id"], exchange.params["client_secret"]) == (CLIENT_ID, CLIENT_SECRET)


async def test_stored_tokens_are_encrypted_at_rest(oauth_app, owner_engine):
    team_id = _team()
    await oauth_app.install(team_id)
    token = oauth_app.standin.calls_to("oauth.v2.access")[-1].response["access_token"]
    async with owner_engine.connect() as connection:
        stored = (await connection.execute(text(
            "SELECT b.bot_token, i.bot_token FROM slack_bots b JOIN slack_installations i USING (team_id) WHERE team_id = :t"
        ), {"t": team_id})).one()
    assert all(value.startswith("gAAAAA") and token not in value for value in stored)
    bot = await oauth_app.bolt.installation_store.async_find_bot(enterprise_id=None, team_id=team_id)
    assert bot.bot_token == token


async def test_requests_from_an_installed_workspace_cost_one_auth_test_per_token(oauth_app):
    team_id = _team()
    await oauth_app.install(team_id)
    token = oauth_app.standin.calls_to("oauth.v2.access")[-1].response["access_token"]
    driver = oauth_app.driver(team_id)
    first = await driver.command("/eventos", "help", user_id="U0INSTALLER")
    assert "/eventos setup" in (await driver.wait_responses(first))[0]["text"]
    checks = len([c for c in oauth_app.standin.calls_to("auth.test") if c.token == token])
    for _ in range(3):
        again = await driver.command("/eventos", "help", user_id="U0INSTALLER")
        await driver.wait_responses(again)
    assert len([c for c in oauth_app.standin.calls_to("auth.test") if c.token == token]) == checks
    assert {c.token for c in oauth_app.standin.calls_to("users.info")} <= {token}


async def test_an_unknown_workspace_gets_the_polite_sentence_and_nothing_is_created(oauth_app):
    team_id = _team()
    driver = oauth_app.driver(team_id)
    result = await driver.command("/eventos", "setup currency=EUR", user_id="U0STRANGER")
    assert result.status == 200
    assert [r["text"] for r in await driver.wait_responses(result)] == [UNKNOWN_WORKSPACE]
    assert await accounts.find_workspace(oauth_app.services, team_id=team_id, enterprise_id=None) is None


async def test_uninstall_keeps_the_data_and_a_reinstall_reactivates_the_same_account(oauth_app, owner_engine):
    team_id = _team()
    await oauth_app.install(team_id)
    driver = oauth_app.driver(team_id)
    saved = await driver.command("/eventos", "setup currency=EUR", user_id="U0INSTALLER")
    assert "Settings saved" in (await driver.wait_responses(saved))[0]["text"]
    before = await accounts.find_workspace(oauth_app.services, team_id=team_id, enterprise_id=None)

    assert (await driver.event({"type": "app_uninstalled"})).status == 200

    async def uninstalled():
        # The listener runs after the ack and deletes the bot, then the installation, in two transactions.
        store = oauth_app.bolt.installation_store
        workspace = await accounts.find_workspace(oauth_app.services, team_id=team_id, enterprise_id=None)
        bot = await store.async_find_bot(enterprise_id=None, team_id=team_id)
        installation = await store.async_find_installation(enterprise_id=None, team_id=team_id)
        return workspace.status == "inactive" and bot is None and installation is None

    assert await _eventually(uninstalled)
    async with owner_engine.connect() as connection:
        rows = await connection.execute(text("SELECT count(*) FROM slack_installations WHERE team_id = :t"), {"t": team_id})
        assert rows.scalar_one() == 0
        users = await connection.execute(select(func.count()).select_from(User).where(User.account_id == before.account_id))
        assert users.scalar_one() == 1
    refused = await driver.command("/eventos", "users", user_id="U0INSTALLER")
    assert [r["text"] for r in await driver.wait_responses(refused)] == [UNKNOWN_WORKSPACE]

    status, _ = await oauth_app.install(team_id)
    after = await accounts.find_workspace(oauth_app.services, team_id=team_id, enterprise_id=None)
    assert status == 200
    assert (after.account_id, after.status, after.currency) == (before.account_id, "active", "EUR")


async def test_a_cancelled_install_shows_a_friendly_page(oauth_app):
    status, page, _ = await oauth_app.get("/slack/oauth_redirect?error=access_denied")
    assert status == 200
    assert "The installation was cancelled in Slack; nothing was changed." in page


async def test_a_forged_or_reused_state_is_refused_and_installs_nothing(oauth_app):
    team_id = _team()
    oauth_app.standin.oauth_team_id = team_id
    status, page, _ = await oauth_app.get(
        "/slack/oauth_redirect?code=abc&state=forged", headers={"Cookie": "slack-app-oauth-state=forged"}
    )
    assert status == 401
    assert "expired or was already used" in page
    assert oauth_app.standin.calls_to("oauth.v2.access") == []
    assert await accounts.find_workspace(oauth_app.services, team_id=team_id, enterprise_id=None) is None
