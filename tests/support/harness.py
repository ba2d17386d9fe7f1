"""The whole app on a real port, driven as Slack drives it, against the Slack stand-in."""

import secrets
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from slack_bolt.async_app import AsyncApp

from bot.app import build_application
from core.accounts import accounts
from core.context import TenantContext
from core.services import Services
from devtools.slack_standin import SlackStandin
from tests.support.slack_requests import CommandResult, SlackDriver


@dataclass
class SlackHarness:
    services: Services
    standin: SlackStandin
    driver: SlackDriver
    team_id: str
    owner: str
    runner: web.AppRunner
    base_url: str
    users: dict[str, str] = field(default_factory=dict)

    async def command(self, command: str, text: str = "", *, user: str | None = None, **kw: Any) -> CommandResult:
        return await self.driver.command(command, text, user_id=user or self.owner, team_id=self.team_id, **kw)

    async def run(self, command: str, text: str = "", *, user: str | None = None, **kw: Any) -> dict[str, Any]:
        """Run a command and return the first message the app posted to its response_url."""
        result = await self.command(command, text, user=user, **kw)
        assert result.status == 200, result
        return (await self.driver.wait_responses(result, 1))[0]

    async def user(self, role: str, *, key: str | None = None) -> str:
        """A Slack user id in this workspace holding `role` (created once per role, or per `key` for several)."""
        if role == "owner":
            return self.owner
        key = key or role
        if key not in self.users:
            user_id = "U" + secrets.token_hex(5).upper()
            self.standin.set_user(user_id, is_admin=False, is_owner=False)
            workspace = await self.workspace()
            await accounts.acting_user(self.services, workspace, slack_user_id=user_id, load_profile=_profile(user_id))
            await accounts.set_role(self.services, await self.tenant(), slack_user_id=user_id, role=role)
            self.users[key] = user_id
        return self.users[key]

    async def workspace(self) -> accounts.Workspace:
        workspace = await accounts.find_workspace(self.services, team_id=self.team_id, enterprise_id=None)
        assert workspace is not None
        return workspace

    async def tenant(self, user: str | None = None) -> TenantContext:
        """The core context for a user of this workspace (the owner by default)."""
        return await accounts.acting_user(
            self.services, await self.workspace(), slack_user_id=user or self.owner, load_profile=_profile(user or "U0")
        )


def _profile(user_id: str):
    async def load() -> accounts.UserProfile:
        return accounts.UserProfile(name=f"User {user_id}", email=None, is_admin=False, is_owner=False)

    return load


async def start_harness(services: Services, standin: SlackStandin, bolt: AsyncApp | None = None) -> SlackHarness:
    """Serve the app (or `bolt`, built by the test) on a free port with a freshly installed workspace."""
    team_id = "T" + secrets.token_hex(5).upper()
    owner = "U" + secrets.token_hex(5).upper()
    standin.set_user(owner, is_admin=True, is_owner=True)
    if services.settings.slack_bot_token:
        standin.register_token(services.settings.slack_bot_token.get_secret_value(), team_id)
    await accounts.install_workspace(services, team_id=team_id, enterprise_id=None, name=f"Team {team_id}", installer=owner)
    runner = web.AppRunner(build_application(services, bolt), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    secret = services.settings.slack_signing_secret.get_secret_value()
    driver = SlackDriver(f"{base_url}/slack/events", secret, standin, team_id=team_id)
    return SlackHarness(services, standin, driver, team_id, owner, runner, base_url)
