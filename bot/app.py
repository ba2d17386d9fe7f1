"""The composition root: builds the Bolt app for the configured mode and the web application."""

import hashlib
import hmac
import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp

from bot import deliveries, errors, middleware, ratelimit
from bot.actions import campaigns as campaign_actions
from bot.actions import contacts as contact_actions
from bot.actions import events as event_actions
from bot.actions import home as home_actions
from bot.commands import campaigns as campaign_commands
from bot.commands import checkin, contacts, digest, door_tokens, eventos
from bot.commands import events as event_commands
from bot.commands import orders as order_commands
from bot.commands import sell
from bot.commands import tickets as ticket_commands
from bot.commands import venues as venue_commands
from bot.events import home as home_events
from bot.events import contact_threads, installation
from bot.modals import campaigns as campaign_modals
from bot.modals import contacts as contact_modals
from bot.modals import events as event_modals
from bot.server import SERVICES, build_web_app
from bot.shortcuts import log_to_timeline
from bot.storefront import web as storefront
from bot.slack_client import build_client
from bot.web import checkins_api, scan_page
from bot.web import stripe_webhook
from bot.web import tickets as ticket_pages
from bot.web import unsubscribe
from core.services import Services
from core.settings import Settings

log = logging.getLogger(__name__)

LOCAL_BOT_TOKEN = "xoxb-local-console"

# Each feature registers its listeners here; order does not matter.
LISTENERS = (
    errors, installation, eventos, door_tokens, home_events, home_actions,
    event_commands, venue_commands, ticket_commands, event_modals, event_actions,
    sell, order_commands, checkin,
    contacts, contact_modals, contact_actions, log_to_timeline, contact_threads,
    campaign_commands, campaign_actions, campaign_modals, digest,
)
# Each feature with HTTP routes of its own (ticket page, scanner, webhooks) registers them here.
WEB_ROUTES: tuple = (checkins_api, scan_page, stripe_webhook, ticket_pages, unsubscribe, storefront)


def local_signing_secret(settings: Settings) -> str:
    """The local workspace's signing secret, derived from the secret key."""
    return hmac.new(settings.secret_key, b"eventos-local-slack-signing", hashlib.sha256).hexdigest()


def signing_secret(settings: Settings) -> str:
    if settings.slack_signing_secret:
        return settings.slack_signing_secret.get_secret_value()
    return local_signing_secret(settings)


def bot_token(settings: Settings) -> str:
    return settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else LOCAL_BOT_TOKEN


def build_bolt_app(services: Services) -> AsyncApp:
    """The Bolt app for the settings' mode, with tenancy middleware and every listener."""
    settings = services.settings
    mode = settings.slack_mode
    if mode == "oauth" or (mode == "socket" and not settings.slack_bot_token):
        from bot.oauth import oauth_app_kwargs

        app = AsyncApp(
            signing_secret=signing_secret(settings), client=build_client(settings),
            **oauth_app_kwargs(services),
        )
    else:
        app = AsyncApp(signing_secret=signing_secret(settings), client=build_client(settings, bot_token(settings)))
    single_workspace = mode == "local" or settings.slack_bot_token is not None
    app.use(deliveries.once_per_event(services))
    app.use(middleware.tenancy(services, auto_install=single_workspace))
    for feature in LISTENERS:
        feature.register(app)
    return app


def build_application(services: Services, bolt: AsyncApp | None = None) -> web.Application:
    """The whole HTTP surface: probes, Slack, and every feature's routes."""
    web_app = build_web_app(services)
    ratelimit.install(web_app, services.settings)
    bolt = bolt or build_bolt_app(services)
    dispatch = _dispatcher(bolt)
    web_app.router.add_post("/slack/events", dispatch)
    if bolt.oauth_flow is not None:
        from bot.oauth import add_install_routes

        add_install_routes(web_app, bolt.oauth_flow)
    for feature in WEB_ROUTES:
        feature.register(web_app)
    web_app.on_cleanup.append(_close_gateways)
    return web_app


async def _close_gateways(web_app: web.Application) -> None:
    """When the server stops: close the SMTP, Stripe and SMS connections the services opened."""
    await web_app[SERVICES].aclose()


def _dispatcher(bolt: AsyncApp):
    async def dispatch(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    return dispatch
