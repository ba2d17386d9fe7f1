"""The rate limiter: buckets refill evenly, keys are apart, 429s say when to come back, settings parse."""

import asyncio

import aiohttp
import pytest
from aiohttp import web

from bot import ratelimit
from bot.ratelimit import RateLimiter, RateLimits, client_key, credential_key, too_many_requests
from core.settings import Rate, SettingsError, load_settings
from tests.conftest import test_settings as make_settings


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_its_burst_then_says_when_the_next_one_fits():
    clock = Clock()
    limiter = RateLimiter(Rate(3, 60), clock=clock)

    assert [limiter.check("a") for _ in range(3)] == [None, None, None]
    assert limiter.check("a") == pytest.approx(20.0)
    clock.now += 19.9
    assert limiter.check("a") == pytest.approx(0.1)
    clock.now += 0.1
    assert limiter.check("a") is None
    assert limiter.check("a") == pytest.approx(20.0)


def test_refused_requests_spend_nothing_so_waiting_the_retry_after_is_enough():
    clock = Clock()
    limiter = RateLimiter(Rate(1, 10), clock=clock)
    limiter.check("a")
    for _ in range(100):
        wait = limiter.check("a")
    clock.now += wait
    assert limiter.check("a") is None


def test_a_bucket_never_fills_past_its_count():
    clock = Clock()
    limiter = RateLimiter(Rate(2, 1), clock=clock)
    clock.now += 3600
    assert [limiter.check("a") is None for _ in range(3)] == [True, True, False]


def test_keys_have_buckets_of_their_own():
    limiter = RateLimiter(Rate(1, 60), clock=Clock())
    assert limiter.check("a") is None
    assert limiter.check("a") is not None
    assert limiter.check("b") is None


def test_a_cost_spends_that_many_and_a_cost_past_what_is_left_is_refused_whole():
    clock = Clock()
    limiter = RateLimiter(Rate(100, 100), clock=clock)
    assert limiter.check("token", cost=60) is None
    assert limiter.check("token", cost=60) == pytest.approx(20.0)
    assert limiter.check("token", cost=40) is None
    assert limiter.check("token", cost=1) == pytest.approx(1.0)


def test_blocked_looks_without_spending():
    limiter = RateLimiter(Rate(1, 60), clock=Clock())
    assert limiter.blocked("a") is None
    assert limiter.blocked("a") is None
    assert limiter.check("a") is None
    assert limiter.blocked("a") == pytest.approx(60.0)


def test_a_flood_of_new_keys_costs_bounded_memory():
    limiter = RateLimiter(Rate(1, 60), clock=Clock(), max_keys=100)
    for n in range(10_000):
        limiter.check(f"key-{n}")
    assert len(limiter._buckets) == 100
    assert limiter.check("key-9999") is not None


def test_rates_read_from_the_environment_and_a_malformed_one_is_named(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EVENTOS_RATE_SCANNER_TOKEN", "10/second")
    monkeypatch.setenv("EVENTOS_RATE_BATCH_SCANS", " 2000 / Hour ")
    settings = load_settings()
    assert settings.eventos_rate_scanner_token == Rate(10, 1)
    assert settings.eventos_rate_batch_scans == Rate(2000, 3600)
    assert settings.eventos_rate_pages_client == Rate(120, 60)

    for bad in ("lots", "0/minute", "10/fortnight", "-5/second"):
        monkeypatch.setenv("EVENTOS_RATE_PAGES_KEY", bad)
        with pytest.raises(SettingsError) as raised:
            load_settings()
        assert str(raised.value).startswith("EVENTOS_RATE_PAGES_KEY is malformed")


class FakeRequest:
    def __init__(self, remote: str | None, forwarded: list[str] = ()) -> None:
        self.remote = remote
        self.headers = _Headers(forwarded)


class _Headers:
    def __init__(self, forwarded: list[str]) -> None:
        self.forwarded = forwarded

    def getall(self, name, default=()):
        return self.forwarded or default


def test_client_keys_take_ipv6_by_its_64_and_map_ipv4_in_ipv6_back():
    assert client_key(FakeRequest("203.0.113.9")) == "ip:203.0.113.9"
    assert client_key(FakeRequest("2001:db8:1:2:aaaa::1")) == client_key(FakeRequest("2001:db8:1:2:ffff::9"))
    assert client_key(FakeRequest("2001:db8:1:2::1")) != client_key(FakeRequest("2001:db8:1:3::1"))
    assert client_key(FakeRequest("::ffff:203.0.113.9")) == "ip:203.0.113.9"
    assert client_key(FakeRequest(None)) == "addr:"


def test_forwarded_for_counts_only_behind_trusted_proxies_and_only_their_entries():
    spoofed = FakeRequest("10.0.0.2", ["6.6.6.6, 198.51.100.7"])
    assert client_key(spoofed) == "ip:10.0.0.2"
    assert client_key(spoofed, trusted_proxies=1) == "ip:198.51.100.7"
    assert client_key(spoofed, trusted_proxies=2) == "ip:6.6.6.6"
    assert client_key(FakeRequest("10.0.0.2", ["198.51.100.7"]), trusted_proxies=2) == "ip:10.0.0.2"
    assert client_key(FakeRequest("10.0.0.2", ["198.51.100.7", "192.0.2.1"]), trusted_proxies=1) == "ip:192.0.2.1"


def test_credential_keys_hide_the_secret_and_take_any_text():
    key = credential_key("dt_secret-token")
    assert "secret" not in key and key == credential_key("dt_secret-token") != credential_key("dt_other")
    assert credential_key("\ud800\x00") != credential_key("")


def test_the_429_says_when_in_whole_seconds():
    response = too_many_requests(0.2)
    assert (response.status, response.headers["Retry-After"]) == (429, "1")
    assert too_many_requests(20.01).headers["Retry-After"] == "21"
    page = too_many_requests(59.5, html=True)
    assert page.content_type == "text/html" and "60 seconds" in page.text


@pytest.fixture
async def limited_site():
    """A one-route app on a real port that limits its page as the public pages do."""
    clock = Clock()

    async def page(request: web.Request) -> web.Response:
        retry_after = ratelimit.limits(request).check_page(request, f"page:{request.match_info['key']}")
        if retry_after is not None:
            return too_many_requests(retry_after, html=True)
        if request.match_info["key"] == "missing":
            ratelimit.limits(request).refused(request)
            raise web.HTTPNotFound()
        return web.Response(text="ok")

    app = web.Application()
    app[ratelimit.RATE_LIMITS] = RateLimits.from_settings(
        make_settings(eventos_rate_pages_client="5/minute", eventos_rate_pages_key="3/minute",
                      eventos_rate_refusals_client="2/minute"),
        clock=clock,
    )
    app.router.add_get("/p/{key}", page)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    async with aiohttp.ClientSession(base_url=f"http://127.0.0.1:{port}") as http:
        yield http, clock
    await runner.cleanup()


async def _statuses(http, paths):
    async def get(path):
        async with http.get(path) as response:
            return response.status, response.headers.get("Retry-After")

    return await asyncio.gather(*(get(path) for path in paths))


async def test_over_http_a_page_is_limited_per_key_then_per_client_with_retry_after(limited_site):
    http, clock = limited_site

    answers = await _statuses(http, ["/p/a"] * 4)
    assert sorted(answers) == [(200, None)] * 3 + [(429, "20")]
    answers = await _statuses(http, ["/p/b"] * 3)
    assert sorted(status for status, _ in answers) == [200, 429, 429]
    clock.now += 60
    assert await _statuses(http, ["/p/a"]) == [(200, None)]


async def test_over_http_refused_keys_block_the_client_before_the_page_is_looked_up(limited_site):
    http, clock = limited_site

    assert await _statuses(http, ["/p/missing", "/p/missing"]) == [(404, None), (404, None)]
    assert await _statuses(http, ["/p/a"]) == [(429, "30")]
    clock.now += 30
    assert await _statuses(http, ["/p/a"]) == [(200, None)]
