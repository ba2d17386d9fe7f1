"""The one Slack Web API client path: SLACK_API_URL honoured, 429s and 5xx retried, connections kept."""

import aiohttp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from core.settings import Settings


def retry_handlers() -> list:
    return [
        AsyncConnectionErrorRetryHandler(max_retry_count=2),
        AsyncRateLimitErrorRetryHandler(max_retry_count=3),
        AsyncServerErrorRetryHandler(max_retry_count=2),
    ]


def build_client(settings: Settings, token: str | None = None, *, session: aiohttp.ClientSession | None = None) -> AsyncWebClient:
    """A client for `token` (or none, for OAuth calls); Bolt copies base_url and handlers per request.

    Without a `session`, slack_sdk opens a new aiohttp session (and connection) for every call.
    """
    return AsyncWebClient(
        token=token, base_url=settings.slack_api_url, retry_handlers=retry_handlers(), timeout=10, session=session
    )


class SlackConnections:
    """One aiohttp session for every call this process makes to Slack: Web API, response_url answers.

    Its connections stay open between calls, where slack_sdk alone would open a session, a TCP
    connection and a TLS handshake for each. Made on first use, inside the running event loop.
    """

    def __init__(self) -> None:
        self._session: aiohttp.ClientSession | None = None

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100, keepalive_timeout=30))
        return self._session

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
