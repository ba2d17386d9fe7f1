"""The one rate limiter of the HTTP edge: token buckets per client and per credential, a 429 with Retry-After.

Buckets live in this process's memory: a check costs no database round trip, so a flood of wrong
credentials is refused before it reaches PostgreSQL. Each process counts alone, so the limits an
operator sets are per process (docs/security.md, "The HTTP edge", says what that means for replicas).
"""

import hashlib
import ipaddress
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from core.settings import Rate, Settings

# Past this many keys the least recently seen bucket is forgotten (as if full again), so a flood of
# made-up keys costs bounded memory; the per-client bucket still holds such a flood back.
MAX_KEYS = 100_000


class RateLimiter:
    """Token buckets of one rate, one bucket per key; `check` spends, `blocked` only looks."""

    def __init__(self, rate: Rate, *, clock: Callable[[], float] = time.monotonic, max_keys: int = MAX_KEYS) -> None:
        self.rate = rate
        self._clock = clock
        self._max_keys = max_keys
        self._refill = rate.count / rate.period
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def check(self, key: str, cost: int = 1) -> float | None:
        """Spend `cost` from `key`'s bucket: None when allowed, else the seconds until it would be.

        A cost above the rate's whole count can never pass; callers cap such requests first.
        """
        tokens, now = self._level(key)
        if tokens >= cost:
            self._store(key, tokens - cost, now)
            return None
        self._store(key, tokens, now)
        return (cost - tokens) / self._refill

    def blocked(self, key: str) -> float | None:
        """The seconds until `key` may spend one more, or None if it may now; spends nothing."""
        tokens, _ = self._level(key)
        return None if tokens >= 1 else (1 - tokens) / self._refill

    def _level(self, key: str) -> tuple[float, float]:
        now = self._clock()
        tokens, then = self._buckets.get(key, (self.rate.count, now))
        return min(self.rate.count, tokens + (now - then) * self._refill), now

    def _store(self, key: str, tokens: float, now: float) -> None:
        self._buckets[key] = (tokens, now)
        self._buckets.move_to_end(key)
        if len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)


@dataclass(frozen=True)
class RateLimits:
    """Every limiter of the edge, built once per application from the settings."""

    scanner_client: RateLimiter
    scanner_token: RateLimiter
    batch_scans: RateLimiter
    refusals: RateLimiter
    pages_client: RateLimiter
    pages_key: RateLimiter
    trusted_proxies: int = 0

    @classmethod
    def from_settings(cls, settings: Settings, *, clock: Callable[[], float] = time.monotonic) -> "RateLimits":
        return cls(
            scanner_client=RateLimiter(settings.eventos_rate_scanner_client, clock=clock),
            scanner_token=RateLimiter(settings.eventos_rate_scanner_token, clock=clock),
            batch_scans=RateLimiter(settings.eventos_rate_batch_scans, clock=clock),
            refusals=RateLimiter(settings.eventos_rate_refusals_client, clock=clock),
            pages_client=RateLimiter(settings.eventos_rate_pages_client, clock=clock),
            pages_key=RateLimiter(settings.eventos_rate_pages_key, clock=clock),
            trusted_proxies=settings.eventos_trusted_proxies,
        )

    def client(self, request: web.Request) -> str:
        """The key of the client that sent `request` (see `client_key`)."""
        return client_key(request, self.trusted_proxies)

    def check_page(self, request: web.Request, key: str) -> float | None:
        """A public page (ticket, unsubscribe, storefront) named by `key`: per client, then per page.

        Returns None when the request may go on, else the seconds to put in Retry-After.
        """
        client = self.client(request)
        return self.refusals.blocked(client) or self.pages_client.check(client) or self.pages_key.check(key)

    def check_link(self, request: web.Request, key: str) -> float | None:
        """A page behind a signed link (a ticket, an unsubscribe link) named by `key`: per link only.

        Its holders may share one address (a venue's Wi-Fi at doors opening, a mail provider's one-click
        unsubscribe POSTs), so a client is held back only once its links keep being refused.
        """
        return self.refusals.blocked(self.client(request)) or self.pages_key.check(key)

    def blocked(self, request: web.Request) -> float | None:
        """The seconds this client is held back for refused credentials, or None; spends nothing."""
        return self.refusals.blocked(self.client(request))

    def refused(self, request: web.Request) -> float | None:
        """Count a refused credential against the client; the seconds to wait once they are used up."""
        return self.refusals.check(self.client(request))


RATE_LIMITS = web.AppKey("rate_limits", RateLimits)


def install(app: web.Application, settings: Settings) -> None:
    """Give `app` its limiters (before it starts); routes reach them through `limits(request)`."""
    app[RATE_LIMITS] = RateLimits.from_settings(settings)


def limits(request: web.Request) -> RateLimits:
    return request.app[RATE_LIMITS]


def client_key(request: web.Request, trusted_proxies: int = 0) -> str:
    """The client's address; an IPv6 client by its /64, which one subscriber typically holds whole.

    Behind `trusted_proxies` reverse proxies, the address the outermost of them saw: that many entries
    from the right of X-Forwarded-For (entries further left are the client's own word).
    """
    address = request.remote or ""
    if trusted_proxies:
        forwarded = [hop.strip() for hop in ",".join(request.headers.getall("X-Forwarded-For", ())).split(",")]
        if len(forwarded) >= trusted_proxies and forwarded[-trusted_proxies]:
            address = forwarded[-trusted_proxies]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return f"addr:{address[:64]}"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return f"ip:{ip.ipv4_mapped}"
        return f"net:{ipaddress.ip_network((ip, 64), strict=False)}"
    return f"ip:{ip}"


def credential_key(secret: str) -> str:
    """A bucket key for a presented credential (door token, ticket code): a digest, never the secret itself."""
    return hashlib.blake2b(secret.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def too_many_requests(retry_after: float, *, html: bool = False) -> web.Response:
    """The 429 answer: JSON for the API, a short page for browsers; Retry-After in whole seconds."""
    seconds = max(1, math.ceil(retry_after))
    message = f"Too many requests; try again in {seconds} second{'s' if seconds != 1 else ''}."
    headers = {"Retry-After": str(seconds), "Cache-Control": "no-store"}
    if html:
        page = f"<!doctype html><meta charset=utf-8><title>Too many requests</title><p>{message}</p>"
        return web.Response(status=429, text=page, content_type="text/html", headers=headers)
    return web.json_response({"error": "rate_limited", "message": message}, status=429, headers=headers)
