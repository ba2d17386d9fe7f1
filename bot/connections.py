"""Bolt's calls to Slack over the process's kept-open connections: the Web API client and respond().

Bolt gives every request a Web API client without a session and a `respond` that makes a new
webhook client, so each call opens an aiohttp session and a connection (and, to slack.com, a TLS
handshake) and closes them again. This middleware hands both the notifier's one session instead.
"""

from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.context.respond.internals import _build_message
from slack_sdk.webhook.async_client import AsyncWebhookClient, WebhookResponse

from bot.notifier import SlackNotifier
from core.services import Services


class KeptRespond(AsyncRespond):
    """Bolt's `respond()` (same arguments, same message), posted over a shared aiohttp session."""

    def __init__(self, *, response_url: str, session) -> None:
        super().__init__(response_url=response_url)
        self._session = session

    async def __call__(self, text: str | dict = "", **fields) -> WebhookResponse:
        message = _build_message(**text) if isinstance(text, dict) else _build_message(text=text, **fields)
        return await AsyncWebhookClient(url=self.response_url, session=self._session).send_dict(message)


def keep_connections(services: Services):
    """Middleware: this request's Web API client and respond() use the Slack notifier's session."""

    async def share(context: AsyncBoltContext, next):
        notifier = services.notifier
        if isinstance(notifier, SlackNotifier):
            session = notifier.connections.session()
            context.client.session = session
            if context.response_url:
                context["respond"] = KeptRespond(response_url=context.response_url, session=session)
        return await next()

    return share
