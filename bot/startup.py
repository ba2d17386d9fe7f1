"""Start-up for the configured Slack mode: check the bot token, connect Socket Mode, name the mode."""

import asyncio
from dataclasses import dataclass

import aiohttp
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError

from bot import oauth
from bot.slack_client import build_client
from core.accounts import accounts
from core.services import Services
from core.settings import Settings


class SlackStartupError(Exception):
    """Slack refused a credential at start-up; the message is one line saying what to fix."""


@dataclass
class SlackConnection:
    """What runs beside the HTTP server for the configured mode; close() releases it."""

    bolt: AsyncApp
    description: str
    socket: AsyncSocketModeHandler | None = None

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close_async()
        await oauth.close_stores(self.bolt)


async def start_slack(services: Services, bolt: AsyncApp) -> SlackConnection:
    """Check the credentials of the settings' mode and connect; SlackStartupError if Slack refuses one."""
    settings = services.settings
    connection = SlackConnection(bolt, describe(settings))
    try:
        if settings.slack_bot_token is not None:
            workspace = await check_bot_token(services)
            connection.description += f", workspace {workspace}"
        if settings.slack_mode == "socket":
            connection.socket = build_socket_handler(bolt, settings)
            await connect_socket_mode(connection.socket, settings)
    except BaseException:
        await connection.close()
        raise
    return connection


def describe(settings: Settings) -> str:
    """The mode in words, for the one start-up log line."""
    if settings.slack_mode == "socket":
        over = "a bot token" if settings.slack_bot_token else f"OAuth (install at {settings.base_url}{oauth.INSTALL_PATH})"
        return f"socket (Socket Mode with {over}; HTTP routes still served)"
    if settings.slack_mode == "oauth":
        return f"oauth (any number of workspaces, install at {settings.base_url}{oauth.INSTALL_PATH})"
    if settings.slack_mode == "token":
        return "token (one workspace, requests at /slack/events)"
    return "local (no Slack credentials: the local workspace)"


async def check_bot_token(services: Services) -> str:
    """auth.test with SLACK_BOT_TOKEN; the workspace's account is created, or reactivated after a reinstall."""
    settings = services.settings
    assert settings.slack_bot_token is not None
    client = build_client(settings, settings.slack_bot_token.get_secret_value())
    try:
        identity = await client.auth_test()
    except SlackApiError as error:
        raise SlackStartupError(
            f"SLACK_BOT_TOKEN was refused by Slack ({error.response.get('error')}); copy the Bot User OAuth Token "
            "again from the app's OAuth & Permissions page."
        ) from None
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        raise SlackStartupError(
            f"Slack could not be reached at {settings.slack_api_url} to check SLACK_BOT_TOKEN ({type(error).__name__})."
        ) from None
    team_id = None if identity.get("is_enterprise_install") else identity.get("team_id")
    name = identity.get("team") or team_id or "Workspace"
    await accounts.install_workspace(services, team_id=team_id, enterprise_id=identity.get("enterprise_id"), name=name)
    return f"{name} ({team_id or identity.get('enterprise_id')})"


def build_socket_handler(bolt: AsyncApp, settings: Settings) -> AsyncSocketModeHandler:
    """The Socket Mode handler (aiohttp) for this app and SLACK_APP_TOKEN; its Web API calls go to SLACK_API_URL."""
    assert settings.slack_app_token is not None
    return AsyncSocketModeHandler(bolt, settings.slack_app_token.get_secret_value(), web_client=build_client(settings))


async def connect_socket_mode(handler: AsyncSocketModeHandler, settings: Settings) -> None:
    """Open the WebSocket; a refused app token stops start-up instead of retrying forever."""
    try:
        # The checked URL is handed to the client, which then connects without asking again.
        handler.client.wss_uri = await handler.client.issue_new_wss_url()
    except SlackApiError as error:
        raise SlackStartupError(
            f"SLACK_APP_TOKEN was refused by Slack ({error.response.get('error')}); create an App-Level Token "
            "with the connections:write scope under Basic Information."
        ) from None
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        raise SlackStartupError(
            f"Slack could not be reached at {settings.slack_api_url} to open Socket Mode ({type(error).__name__})."
        ) from None
    await handler.connect_async()
