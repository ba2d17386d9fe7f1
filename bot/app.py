"""The composition root: builds the Bolt app for the configured mode and the web application."""

import hashlib
import hmac
import logging

from aiohttp import web
from slack_bolt.async_app import AsyncApp

from bot import connections, deliveries, errors, middleware, ratelimit, slack_edge, welcome
from bot.accounts import commands as account_commands
from bot.accounts import installation
from bot.campaigns import actions as campaign_actions
from bot.campaigns import commands as campaign_commands
from bot.campaigns import modals as campaign_modals
from bot.campaigns import unsubscribe
from bot.crm import actions as crm_actions
from bot.crm import commands as crm_commands
from bot.crm import modals as crm_modals
from bot.crm import shortcut as crm_shortcut
from bot.crm import threads as crm_threads
from bot.digests import commands as digest_commands
from bot.door import api as door_api
from bot.door import commands as door_commands
from bot.door import scan_page
from bot.door import tokens as door_tokens
from bot.events import actions as event_actions
from bot.events import commands as event_commands
from bot.events import modals as event_modals
from bot.events import ticket_types as ticket_type_commands
from bot.events import venues as venue_commands
from bot.guestlists import actions as guest_actions
from bot.guestlists import commands as guest_commands
from bot.guestlists import modals as guest_modals
from bot.guestlists import web as guest_api
from bot.home import actions as home_actions
from bot.home import events as home_events
from bot.log_lines import bolt_logger
from bot.sales import orders as order_commands
from bot.sales import promos as promo_commands
from bot.sales import sell, stripe_webhook
from bot.sales import web as ticket_pages
from bot.server import SERVICES, build_web_app
from bot.slack_client import build_client
from bot.storefront import web as storefront
from core.services import Services
from core.settings import Settings

log = logging.getLogger(__name__)

LOCAL_BOT_TOKEN = "xoxb-local-console"

# Each feature registers its listeners here; order does not matter.
LISTENERS = (
    errors,
    installation, account_commands, home_events, home_actions,
    event_commands, venue_commands, ticket_type_commands, event_modals, event_actions,
    sell, order_commands, promo_commands,
    door_commands, door_tokens,
    crm_commands, crm_modals, crm_actions, crm_shortcut, crm_threads,
    campaign_commands, campaign_actions, campaign_modals,
    digest_commands,
    guest_commands, guest_modals, guest_actions,
)
# Each feature with HTTP routes of its own (ticket page, scanner, webhooks) registers them here.
WEB_ROUTES: tuple = (welcome, door_api, guest_api, scan_page, stripe_webhook, ticket_pages, unsubscribe, storefront)


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
    # Requests are verified by bot.slack_edge on the raw bytes before Bolt sees them (and Socket Mode
    # needs no signature); Bolt's own check would only log bodies it refuses.
    common = {"signing_secret": signing_secret(settings), "request_verification_enabled": False, "logger": bolt_logger()}
    if mode == "oauth" or (mode == "socket" and not settings.slack_bot_token):
        from bot.oauth import oauth_app_kwargs

        app = AsyncApp(client=build_client(settings), **common, **oauth_app_kwargs(services))
    else:
        app = AsyncApp(client=build_client(settings, bot_token(settings)), **common)
    single_workspace = mode == "local" or settings.slack_bot_token is not None
    app.use(connections.keep_connections(services))
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
    web_app.router.add_post("/slack/events", slack_edge.slack_events(bolt, signing_secret(services.settings)))
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
