"""OAuth multi-workspace mode: install flow, encrypted installation store, cached authorization."""

import logging
from functools import cache
from pathlib import Path

import yaml
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_callback_options import (
    AsyncCallbackOptions,
    AsyncFailureArgs,
    AsyncSuccessArgs,
)
from slack_bolt.oauth.async_oauth_flow import AsyncOAuthFlow
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import Installation

from bot.middleware import UNKNOWN_WORKSPACE, fetch_profile
from bot.slack_client import build_client
from core.accounts import accounts
from core.services import Services
from core.settings import Settings
from db.slack_store import EncryptedInstallationStore, build_slack_stores

log = logging.getLogger(__name__)

MANIFEST = Path(__file__).resolve().parent.parent / "manifest.yml"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"

FAILURES = {
    "access_denied": "The installation was cancelled in Slack; nothing was changed.",
    "invalid_browser": "This install link was opened in another browser or has expired; start the installation again.",
    "invalid_state": "This install link has expired or was already used; start the installation again.",
    "missing_code": "Slack did not send back an authorization code; start the installation again.",
    "invalid_code": "Slack did not confirm the installation; start the installation again.",
    "storage_error": "EventOS could not save the installation; please try again in a minute.",
}


@cache
def manifest_scopes(path: Path = MANIFEST) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The bot and user scopes of manifest.yml, so the install asks for exactly what Slack shows."""
    scopes = yaml.safe_load(path.read_text())["oauth_config"]["scopes"]
    return tuple(scopes.get("bot") or ()), tuple(scopes.get("user") or ())


def oauth_app_kwargs(services: Services) -> dict:
    """AsyncApp arguments for OAuth mode: install flow, stores in PostgreSQL, authorize with a cache."""
    settings = services.settings
    client_id = settings.slack_client_id or ""
    client_secret = settings.slack_client_secret.get_secret_value() if settings.slack_client_secret else ""
    stores = build_slack_stores(
        services.db.url, client_id=client_id, secret_key=settings.secret_key, pooler=services.db.pooler
    )
    bot_scopes, user_scopes = manifest_scopes()
    oauth_settings = AsyncOAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(bot_scopes),
        user_scopes=list(user_scopes),
        redirect_uri=f"{settings.base_url}{REDIRECT_PATH}",
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        callback_options=AsyncCallbackOptions(success=_installed(services), failure=_failed(services)),
        installation_store=stores.installations,
        installation_store_bot_only=True,
        state_store=stores.oauth_states,
    )
    return {
        "oauth_flow": AsyncOAuthFlow(client=build_client(settings), settings=oauth_settings),
        "installation_store": stores.installations,
        "installation_store_bot_only": True,
        # With the cache, auth.test runs once per token and process, not once per request.
        "authorize": AsyncInstallationStoreAuthorize(
            logger=log, installation_store=stores.installations, client_id=client_id, client_secret=client_secret,
            bot_only=True, cache_enabled=True, client=build_client(settings),
        ),
        "user_facing_authorize_error_message": UNKNOWN_WORKSPACE,
    }


def add_install_routes(web_app: web.Application, flow: AsyncOAuthFlow) -> None:
    """GET /slack/install (the Add to Slack page) and GET /slack/oauth_redirect (Slack sends the installer back)."""

    async def install(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await flow.handle_installation(await to_bolt_request(request)))

    async def redirect(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))

    web_app.router.add_get(flow.install_path, install)
    web_app.router.add_get(flow.redirect_uri_path, redirect)


async def close_stores(bolt: AsyncApp) -> None:
    """Release the installation store's pool (OAuth mode only)."""
    if isinstance(bolt.installation_store, EncryptedInstallationStore):
        await bolt.installation_store.engine.dispose()


def _installed(services: Services):
    async def success(args: AsyncSuccessArgs) -> BoltResponse:
        installation = args.installation
        team_id = None if installation.is_enterprise_install else installation.team_id
        name = installation.team_name or installation.enterprise_name or team_id or "Workspace"
        try:
            await accounts.install_workspace(
                services, team_id=team_id, enterprise_id=installation.enterprise_id, name=name,
                installer=installation.user_id, installer_profile=await _installer_profile(services.settings, installation),
            )
        except Exception:  # noqa: BLE001 - the installer sees a page, never a stack trace
            log.exception("could not create the account for an installation")
            return _page(services, 500, "web/slack_install_failed.html.j2", sentence=FAILURES["storage_error"])
        return _page(services, 200, "web/slack_installed.html.j2", workspace=name, team_id=team_id or "")

    return success


def _failed(services: Services):
    async def failure(args: AsyncFailureArgs) -> BoltResponse:
        sentence = FAILURES.get(args.reason, FAILURES["invalid_code"])
        return _page(services, args.suggested_status_code, "web/slack_install_failed.html.j2", sentence=sentence)

    return failure


async def _installer_profile(settings: Settings, installation: Installation) -> accounts.UserProfile | None:
    """The installer's name and email; the install still succeeds without them."""
    try:
        return await fetch_profile(build_client(settings, installation.bot_token), installation.user_id)
    except SlackApiError:
        return None


def _page(services: Services, status: int, template: str, **values) -> BoltResponse:
    html = services.templates.get_template(template).render(install_path=INSTALL_PATH, **values)
    return BoltResponse(status=status, body=html, headers={"Content-Type": "text/html; charset=utf-8"})
