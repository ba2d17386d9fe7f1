"""The one Slack Web API client path: SLACK_API_URL honoured, 429s and 5xx retried."""

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


def build_client(settings: Settings, token: str | None = None) -> AsyncWebClient:
    """A client for `token` (or none, for OAuth calls); Bolt copies base_url and handlers per request."""
    return AsyncWebClient(token=token, base_url=settings.slack_api_url, retry_handlers=retry_handlers(), timeout=10)
