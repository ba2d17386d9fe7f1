"""The Slack Notifier: posts and updates messages for an account through the one client path."""

import asyncio
import dataclasses
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store.async_installation_store import (
    AsyncInstallationStore,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot import notices
from bot.slack_client import SlackConnections, build_client
from core.accounts import accounts
from core.ports import Delivered, DeliveryError, SlackMessage
from core.services import Services
from core.settings import Settings

TokenFor = Callable[[uuid.UUID], Awaitable[str]]

# The metadata event type that carries a message's delivery key (see core/jobs/outbox.py).
DELIVERY_EVENT = "eventos_delivery"
# How far back an in-doubt message is looked for: its sender died seconds to minutes ago.
HISTORY_LIMIT = 200

# Slack's answers that mean "try again later" (the client already retried 429s and 5xx a few
# times); every other refusal (channel_not_found, is_archived, invalid_auth...) is permanent.
RETRYABLE_ERRORS = frozenset({"ratelimited", "fatal_error", "internal_error", "service_unavailable", "request_timeout"})


class SlackRefused(DeliveryError):
    """Slack answered a call with an error code."""

    def __init__(self, method: str, error: str, status: int) -> None:
        retry = status == 429 or status >= 500 or error in RETRYABLE_ERRORS
        super().__init__(f"{method}: {error} (HTTP {status})", retry=retry)
        self.error = error


class SlackNotifier:
    """Implements core.ports.Notifier with the account's bot token from `token_for`."""

    def __init__(self, settings: Settings, token_for: TokenFor, connections: SlackConnections | None = None) -> None:
        self._settings = settings
        self._token_for = token_for
        self.connections = connections or SlackConnections()

    def _client(self, token: str) -> AsyncWebClient:
        return build_client(self._settings, token, session=self.connections.session())

    async def aclose(self) -> None:
        await self.connections.aclose()

    async def post(self, account_id: uuid.UUID, message: SlackMessage) -> Delivered:
        """Post (or update) the message, a notice worded here; joins a public channel once when Slack says not_in_channel."""
        if message.notice is not None:
            words = notices.render(message.notice)
            message = dataclasses.replace(message, notice=None, text=words.text, blocks=words.blocks)
        client = self._client(await self._token_for(account_id))
        try:
            return await _send(client, message)
        except SlackRefused as refused:
            if refused.error != "not_in_channel" or message.update_ts is not None:
                raise
        try:
            await _call("conversations.join", client.conversations_join(channel=message.channel))
        except SlackRefused as refused:
            # Private channels cannot be joined: the message needs someone to invite the app.
            raise DeliveryError(f"not_in_channel, and joining failed: {refused.reason}", retry=refused.retry) from None
        return await _send(client, message)

    async def find(self, account_id: uuid.UUID, message: SlackMessage) -> Delivered | None:
        """Look for the message's delivery key in the metadata of its channel's (or thread's) latest messages."""
        client = self._client(await self._token_for(account_id))
        if message.thread_ts is None:
            call = client.conversations_history(
                channel=message.channel, limit=HISTORY_LIMIT, include_all_metadata=True,
            )
            response = await _call("conversations.history", call)
        else:
            call = client.conversations_replies(
                channel=message.channel, ts=message.thread_ts, limit=HISTORY_LIMIT, include_all_metadata=True,
            )
            response = await _call("conversations.replies", call)
        for posted in response.get("messages") or []:
            metadata = posted.get("metadata") or {}
            if metadata.get("event_type") == DELIVERY_EVENT and (metadata.get("event_payload") or {}).get("key") == message.key:
                return Delivered(channel=message.channel, ts=posted["ts"])
        return None


def _metadata(message: SlackMessage) -> dict[str, Any] | None:
    return None if message.key is None else {"event_type": DELIVERY_EVENT, "event_payload": {"key": message.key}}


async def _send(client: AsyncWebClient, message: SlackMessage) -> Delivered:
    if message.update_ts is not None:
        # An empty list clears the old blocks; leaving blocks out would keep them under the new text.
        response = await _call("chat.update", client.chat_update(
            channel=message.channel, ts=message.update_ts, text=message.text, blocks=message.blocks or [],
        ))
    else:
        response = await _call("chat.postMessage", client.chat_postMessage(
            channel=message.channel, text=message.text, blocks=message.blocks, thread_ts=message.thread_ts,
            metadata=_metadata(message),
        ))
    return Delivered(channel=response["channel"], ts=response["ts"])


async def _call(method: str, call: Coroutine[Any, Any, Any]):
    """Await a Web API call, turning every failure into a DeliveryError that says whether to retry."""
    try:
        return await call
    except SlackApiError as error:
        data = error.response.data if isinstance(error.response.data, dict) else {}
        raise SlackRefused(method, data.get("error") or "no_error_code", error.response.status_code) from None
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        raise DeliveryError(f"{method}: Slack unreachable ({error!r})", retry=True) from None


def fixed_token(token: str) -> TokenFor:
    """Single-workspace and local modes: every account is the one workspace of this token."""

    async def token_for(account_id: uuid.UUID) -> str:
        return token

    return token_for


def installation_token(services: Services, installations: AsyncInstallationStore) -> TokenFor:
    """OAuth mode: the bot token stored when the account's workspace installed EventOS."""

    async def token_for(account_id: uuid.UUID) -> str:
        team_id, enterprise_id = await accounts.slack_ids(services, account_id)
        bot = await installations.async_find_bot(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=team_id is None
        )
        if bot is None or not bot.bot_token:
            raise DeliveryError("no Slack installation for this account (uninstalled?)", retry=False)
        return bot.bot_token

    return token_for
