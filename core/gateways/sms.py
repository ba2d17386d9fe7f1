"""The SmsSender port on a Twilio-style REST API (used when SMS_API_URL and SMS_API_TOKEN are set).

Each SMS is one form-encoded POST of `To` and `Body` to SMS_API_URL, which is the provider's
messages endpoint (Twilio: `https://api.twilio.com/2010-04-01/Accounts/AC…/Messages.json`).
Query parameters of that URL are sent as extra fields with every message, which is where the
sender goes (`?From=%2B15551234567` or `?MessagingServiceSid=MG…`). SMS_API_TOKEN is
`ACCOUNT_SID:AUTH_TOKEN` for HTTP Basic auth (Twilio), or a bearer token without a colon.

One HTTP session (kept-alive connections) serves every send, with at most `concurrency`
requests in flight. Failures carry what they mean for a resend: no connection, 429 and 503
surely did not send (`retry`); a broken or timed-out request may have (`maybe_sent`); other
answers are refusals.
"""

import asyncio
import logging
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import aiohttp

from core.ports import SendError

log = logging.getLogger("eventos.sms")

RETRY_STATUSES = frozenset({429, 503})


class RestSms:
    """Sends SMS through a Twilio-style `Messages` endpoint."""

    def __init__(self, url: str, token: str, *, concurrency: int = 8, timeout: float = 15.0) -> None:
        parts = urlsplit(url)
        self._url = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
        self._fields = dict(parse_qsl(parts.query))
        user, colon, secret = token.partition(":")
        self._headers = {"Authorization": aiohttp.encode_basic_auth(user, secret) if colon else f"Bearer {token}"}
        self._concurrency = concurrency
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._slots: asyncio.Semaphore | None = None
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._slots = asyncio.Semaphore(self._concurrency)
            self._session = aiohttp.ClientSession(
                headers=self._headers, timeout=self._timeout,
                connector=aiohttp.TCPConnector(limit=self._concurrency),
            )
        return self._session

    async def send(self, to: str, body: str) -> str:
        session = self._open()
        form = {**self._fields, "To": to, "Body": body}
        async with self._slots:
            try:
                async with session.post(self._url, data=form) as response:
                    answer = await _json(response)
                    status = response.status
            except aiohttp.ClientConnectorError as error:
                raise SendError(f"The SMS provider could not be reached: {error}", retry=True) from error
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                log.warning("SMS request broke off: %s", type(error).__name__)
                raise SendError(f"The SMS request broke off: {type(error).__name__}", retry=False, maybe_sent=True) from error
        if 200 <= status < 300 and answer.get("sid"):
            return str(answer["sid"])
        reason = f"The SMS provider answered {status}: {answer.get('message') or answer.get('error') or 'no reason given'}"
        if status in RETRY_STATUSES:
            raise SendError(reason, retry=True)
        raise SendError(reason, retry=False, maybe_sent=status >= 500)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


async def _json(response: aiohttp.ClientResponse) -> dict:
    try:
        answer = await response.json(content_type=None)
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}
