"""Closed-loop load: N workers repeat one operation until a count or a deadline, latencies kept."""

import asyncio
import hashlib
import itertools
import json
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from urllib.parse import urlencode

import aiohttp

from devtools.slack_signing import sign
from devtools.slack_standin import SlackStandin

_FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# How long one request may take before it counts as an error (Slack itself gives up after 3 s).
REQUEST_TIMEOUT = 30.0


class Missing(Exception):
    """The server has no handler for this scenario yet (its feature has not landed)."""


class Failed(Exception):
    """One operation did not get the answer it should have."""


@dataclass(frozen=True)
class Figures:
    """One scenario at one concurrency: latency percentiles in ms and successful operations per second."""

    count: int
    errors: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    per_second: float
    error_sample: str | None = None

    def to_json(self) -> dict:
        return {k: (round(v, 2) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted values (0 when there are none)."""
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def figures(latencies: list[float], errors: int, seconds: float, sample: str | None = None) -> Figures:
    ordered = sorted(latencies)
    ms = [x * 1000 for x in ordered]
    return Figures(
        count=len(ordered), errors=errors, seconds=seconds, p50_ms=percentile(ms, 0.50), p90_ms=percentile(ms, 0.90),
        p99_ms=percentile(ms, 0.99), max_ms=ms[-1] if ms else 0.0,
        per_second=len(ordered) / seconds if seconds > 0 else 0.0, error_sample=sample,
    )


Operation = Callable[[int], Awaitable[float]]


async def drive(operation: Operation, *, concurrency: int, duration: float, limit: int) -> Figures:
    """Run `operation(i)` (returning its latency in seconds) from `concurrency` workers, at most
    `limit` times and for at most `duration` seconds; failures are counted, the first one kept.

    Every worker runs at least once (within `limit`): on a busy machine a short round could otherwise
    pass its deadline before a worker was first scheduled and measure nothing.
    """
    numbers = itertools.count()
    latencies: list[float] = []
    failures: list[str] = []
    deadline = time.perf_counter() + duration

    async def worker() -> None:
        while True:
            i = next(numbers)
            if i >= limit or (i >= concurrency and time.perf_counter() >= deadline):
                return
            try:
                latencies.append(await operation(i))
            except Exception as error:  # noqa: BLE001 - every failure is counted and one is shown
                failures.append(f"{type(error).__name__}: {error}"[:300])

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return figures(latencies, len(failures), time.perf_counter() - started, failures[0] if failures else None)


class SlackDriver:
    """Signed slash commands into the server; a command's latency runs from the POST to its answer's arrival."""

    def __init__(self, http: aiohttp.ClientSession, server: str, *, signing_secret: str, standin: SlackStandin,
                 team_id: str, user_id: str) -> None:
        self.http, self.server, self.secret, self.standin = http, server, signing_secret, standin
        self.team_id, self.user_id = team_id, user_id
        self._triggers = itertools.count(1)

    async def command(self, command: str, text: str, expect: Callable[[str], bool]) -> float:
        """Run one command; Failed unless the answer's text satisfies `expect`, Missing if nobody handles it."""
        url = self.standin.response_url()
        answer = self.standin.first_response(url)
        n = next(self._triggers)
        body = urlencode({
            "token": "bench", "team_id": self.team_id, "team_domain": "bench", "channel_id": "CBENCH",
            "channel_name": "bench", "user_id": self.user_id, "user_name": "bench", "command": command, "text": text,
            "api_app_id": "ABENCH", "is_enterprise_install": "false", "response_url": url,
            "trigger_id": f"{int(time.time())}.{n}.{hashlib.md5(url.encode()).hexdigest()}",
        }).encode()
        started = time.perf_counter()
        try:
            async with self.http.post(f"{self.server}/slack/events", data=body, headers=_FORM | sign(body, self.secret)) as ack:
                await ack.read()
                if ack.status == 404:
                    raise Missing(f"the server does not handle {command} yet")
                if ack.status != 200:
                    raise Failed(f"{command} was acked with HTTP {ack.status}")
            arrived = await asyncio.wait_for(answer, REQUEST_TIMEOUT)
        finally:
            self.standin.forget(url)
        said = str(arrived.body.get("text", ""))
        if not expect(said):
            raise Failed(f"{command} {text} answered: {said[:200]}")
        return arrived.at - started


async def scan(http: aiohttp.ClientSession, server: str, token: str, code: str) -> tuple[float, str]:
    """One scanner check-in: its latency in seconds and its result (admitted, already_admitted, ...)."""
    started = time.perf_counter()
    async with http.post(f"{server}/api/v1/checkins", json={"code": code},
                         headers={"Authorization": f"Bearer {token}"}) as response:
        body = await response.read()
    took = time.perf_counter() - started
    if response.status == 404 and not body.startswith(b"{"):
        raise Missing("the server has no check-in API yet")
    answer = json.loads(body) if body.startswith(b"{") else {}
    if response.status != 200 or "result" not in answer:
        raise Failed(f"scan answered HTTP {response.status}: {body[:200]!r}")
    return took, answer["result"]


async def admit(http: aiohttp.ClientSession, server: str, token: str, code: str) -> float:
    """A scan that must admit (a fresh ticket); its latency in seconds."""
    took, result = await scan(http, server, token, code)
    if result != "admitted":
        raise Failed(f"a fresh ticket was answered {result}")
    return took
