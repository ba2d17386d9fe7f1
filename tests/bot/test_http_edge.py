"""Hostile requests at every route of the running app: a clear 4xx, never a 500, nothing changed, one short log line.

Each probe goes over real HTTP to the app on a free port (the Slack and Stripe stand-ins behind it),
then the test asserts the status, that no table of the database changed, and that the log gained
at most one line of bounded length.
"""

import asyncio
import json
import logging
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import func, select, text

from bot.log_lines import MAX_LINE
from core.door import tokens
from core.services import Services
from db.models import CheckIn, Interaction
from tests.conftest import test_settings as settings_for
from tests.support.door_factories import make_event, make_ticket
from tests.support.harness import start_harness
from tests.support.slack_requests import FORM, JSON, event_callback, sign, slash_command
from tests.support.stripe_standin import event as stripe_event
from tests.support.stripe_standin import sign_webhook

WEBHOOK_SECRET = "whsec_test_edge"
GENEROUS = "100000/minute"


@pytest.fixture
async def serve(db, slack_standin, stripe_standin):
    """Start the app with Stripe on the stand-in and the given setting overrides; stopped after the test."""
    runners = []

    async def start(**overrides):
        settings = settings_for(
            slack_api_url=slack_standin.base_url, stripe_api_key="sk_test_edge", stripe_webhook_secret=WEBHOOK_SECRET,
            stripe_api_base=stripe_standin.base_url, **overrides,
        )
        harness = await start_harness(Services(db=db, settings=settings), slack_standin)
        runners.append(harness.runner)
        return harness

    yield start
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def app(serve):
    return await serve()


@pytest.fixture
async def http(app):
    async with aiohttp.ClientSession(base_url=app.base_url) as session:
        yield session


@pytest.fixture
async def door(app):
    tenant = await app.tenant()
    event = await make_event(app.services, tenant, name="Summer Gala")
    issued = await tokens.create_door_token(app.services, tenant, event_slug=event.slug, name="Main entrance")
    return tenant, event, issued.secret


async def database_state(owner_engine) -> dict[str, str]:
    """Every table's row count and content digest, as the tables' owner sees them (all tenants)."""
    async with owner_engine.connect() as connection:
        tables = (await connection.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        ))).scalars().all()
        query = " UNION ALL ".join(
            f"SELECT '{table}', count(*) || ':' || md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM {table} t"
            for table in tables
        )
        return dict((await connection.execute(text(query))).all())


@pytest.fixture
async def unchanged(owner_engine):
    """Yields a check: nothing in the database changed since the test's arrangement was done."""
    before: dict[str, str] = {}

    async def check(arranged: bool = False) -> None:
        if arranged:
            await asyncio.sleep(0.05)  # let the arrangement's own late writes land
            before.update(await database_state(owner_engine))
        else:
            assert await database_state(owner_engine) == before

    return check


@contextmanager
def at_most_one_short_line(caplog):
    """The block logs at most one record: one line of bounded length, no traceback.

    The Stripe library's own lines about the calls the app makes to Stripe are not the probe's doing.
    """
    caplog.clear()
    yield
    records = [record for record in caplog.records if record.levelno >= logging.INFO and not record.name.startswith("stripe")]
    assert len(records) <= 1, [record.getMessage()[:200] for record in records]
    for record in records:
        message = record.getMessage()
        assert len(message) <= MAX_LINE + 50 and "\n" not in message and record.exc_info is None, message[:300]


@pytest.fixture(autouse=True)
def _info_logs(caplog):
    caplog.set_level(logging.INFO)


async def post(http, path, data, headers=None):
    async with http.post(path, data=data, headers=headers or {}) as response:
        return response.status, await response.read(), response.headers


def _signed(app, body: bytes, content_type: str = FORM, timestamp: int | None = None) -> dict[str, str]:
    secret = app.services.settings.slack_signing_secret.get_secret_value()
    return {"Content-Type": content_type, **sign(body, secret, timestamp)}


# ----- /slack/events ------------------------------------------------------------------------------


async def test_unsigned_odd_and_huge_slack_bodies_are_401_with_one_short_log_line(app, http, unchanged, caplog):
    await unchanged(arranged=True)
    now = str(int(time.time()))
    probes = [
        (b"\xff\xfe\x00garbage", {"Content-Type": FORM}),
        (b"{not json", {"Content-Type": JSON, "X-Slack-Request-Timestamp": now, "X-Slack-Signature": "v0=" + "0" * 64}),
        (b"payload=%5B1%2C2%5D", {"Content-Type": FORM, "X-Slack-Request-Timestamp": now, "X-Slack-Signature": "v0=" + "a" * 64}),
        (b"payload=%22text%22", {"Content-Type": FORM}),
        (b"command=%2Feventos", {"Content-Type": FORM, "X-Slack-Request-Timestamp": "soon", "X-Slack-Signature": "v0=x"}),
        (b"command=%2Feventos", {"Content-Type": FORM, "X-Slack-Request-Timestamp": "\u0663" * 10, "X-Slack-Signature": "v0=" + "b" * 64}),
        (b"x" * (1024 * 1024 - 1), {"Content-Type": FORM, "X-Slack-Request-Timestamp": now, "X-Slack-Signature": "v0=" + "c" * 64}),
    ]
    for body, headers in probes:
        with at_most_one_short_line(caplog):
            status, answer, _ = await post(http, "/slack/events", body, headers)
        assert status == 401 and json.loads(answer) == {"error": "invalid_signature"}
    await unchanged()


async def test_a_body_over_a_megabyte_is_refused_before_it_is_read_whole(app, http, unchanged, caplog):
    await unchanged(arranged=True)
    with at_most_one_short_line(caplog):
        status, _, _ = await post(http, "/slack/events", b"x" * (2 * 1024 * 1024), {"Content-Type": FORM})
    assert status == 413
    await unchanged()


async def test_stale_and_future_signatures_are_401(app, http, unchanged, caplog):
    await unchanged(arranged=True)
    body = slash_command("/eventos", "help", team_id=app.team_id, user_id=app.owner, response_url=app.standin.response_url())
    for skew in (-6 * 60, 6 * 60):
        with at_most_one_short_line(caplog):
            status, _, _ = await post(http, "/slack/events", body, _signed(app, body, timestamp=int(time.time()) + skew))
        assert status == 401
    await unchanged()


async def test_signed_bodies_that_are_not_slack_payloads_are_400(app, http, unchanged, caplog):
    await unchanged(arranged=True)
    odd_view = {"type": "view_submission", "view": 3, "team": {"id": app.team_id}, "user": {"id": app.owner}}
    for body, content_type in (
        (b"payload=%5B1%2C2%5D", FORM), (b"payload=%22text%22", FORM), (b"[1, 2]", JSON), (b"{\"type\": ", JSON),
        (json.dumps({"type": "event_callback", "event": 5, "team_id": app.team_id, "event_id": "Ev0ODD"}).encode(), JSON),
        (urlencode({"payload": json.dumps(odd_view)}).encode(), FORM),
    ):
        with at_most_one_short_line(caplog):
            status, _, _ = await post(http, "/slack/events", body, _signed(app, body, content_type))
        assert status == 400, body
    await unchanged()


async def test_an_exact_replay_of_a_signed_log_command_is_answered_once(app, http, caplog):
    await app.run("/contact", "add email=ann@acme.io name=\"Ann Lee\"")
    url = app.standin.response_url()
    body = slash_command("/log", "ann@acme.io kind=call Agreed on 40 seats", team_id=app.team_id, user_id=app.owner,
                         response_url=url)
    headers = _signed(app, body)

    answers = await asyncio.gather(*(post(http, "/slack/events", body, headers) for _ in range(5)))

    assert [status for status, _, _ in answers] == [200] * 5
    await app.standin.wait_for_responses(1, 15, url=url)
    await asyncio.sleep(0.3)
    assert len(app.standin.responses_by_url[url]) == 1
    tenant = await app.tenant()
    async with app.services.db.tenant(tenant.account_id) as session:
        logged = (await session.execute(select(func.count()).select_from(Interaction).where(
            Interaction.body.contains("Agreed on 40 seats")))).scalar_one()
    assert logged == 1
    with at_most_one_short_line(caplog):
        status, answer, _ = await post(http, "/slack/events", body, headers)
    assert (status, answer) == (200, b"")


async def test_an_event_redelivery_with_its_retry_header_keeps_its_event_id_handling(app, http):
    body = event_callback({"type": "app_home_opened", "user": app.owner, "tab": "home", "channel": "D0HOME"},
                          team_id=app.team_id)
    headers = _signed(app, body, JSON)
    assert (await post(http, "/slack/events", body, headers))[0] == 200
    assert (await post(http, "/slack/events", body, {**headers, "X-Slack-Retry-Num": "1"}))[0] == 200
    async with app.services.db.system() as session:
        seen = (await session.execute(text("SELECT count(*) FROM slack_deliveries WHERE event_id = :id"),
                                      {"id": json.loads(body)["event_id"]})).scalar_one()
    assert seen == 1


async def test_token_mode_serves_only_the_bot_tokens_team(app, http, owner_engine):
    stranger_team = "T0STRANGER" + str(int(time.time()))[-4:]
    url = app.standin.response_url()
    body = slash_command("/eventos", "help", team_id=stranger_team, user_id="U0STRANGER", response_url=url)

    status, answer, _ = await post(http, "/slack/events", body, _signed(app, body))

    assert status == 200 and "not installed" in json.loads(answer)["text"]
    async with owner_engine.connect() as connection:
        accounts = (await connection.execute(text("SELECT count(*) FROM accounts WHERE slack_team_id = :t"),
                                             {"t": stranger_team})).scalar_one()
    assert accounts == 0


# ----- the scanner API ----------------------------------------------------------------------------


async def scan(http, token, body, path="/api/v1/checkins"):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with http.post(path, json=body, headers=headers) as response:
        return response.status, await response.json(), response.headers


async def check_ins(app, tenant) -> list[CheckIn]:
    async with app.services.db.tenant(tenant.account_id) as session:
        return list((await session.execute(select(CheckIn).order_by(CheckIn.created_at))).scalars())


async def test_a_nonce_sent_again_with_another_code_is_409_and_never_answered_with_the_stored_result(
    app, http, door, unchanged, caplog,
):
    tenant, event, token = door
    first, second = await make_ticket(app.services, tenant, event), await make_ticket(app.services, tenant, event, name="Bo Berg")
    status, admitted, _ = await scan(http, token, {"code": first.code, "nonce": "n-1"})
    assert (status, admitted["result"]) == (200, "admitted")
    await unchanged(arranged=True)

    with at_most_one_short_line(caplog):
        status, body, _ = await scan(http, token, {"code": second.code, "nonce": "n-1"})
    assert (status, body["error"]) == (409, "nonce_reused") and "attendee" not in body
    offline_at = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    status, body, _ = await scan(http, token, {"code": first.code, "nonce": "n-1", "offline_at": offline_at})
    assert status == 409
    status, body, _ = await scan(http, token, {"scans": [{"code": second.code, "nonce": "n-1", "offline_at": offline_at}]},
                                 "/api/v1/checkins/batch")
    assert status == 409
    await unchanged()
    assert (await scan(http, token, {"code": first.code, "nonce": "n-1"}))[1] == admitted


async def test_one_nonce_raced_with_two_codes_records_one_scan_and_refuses_the_other_code(app, http, door):
    tenant, event, token = door
    anna, bo = await make_ticket(app.services, tenant, event), await make_ticket(app.services, tenant, event, name="Bo Berg")
    sent = [anna.code, bo.code] * 10

    answers = await asyncio.gather(*(scan(http, token, {"code": code, "nonce": "raced"}) for code in sent))

    [row] = await check_ins(app, tenant)
    winner = anna if row.ticket_id == anna.id else bo
    for code, (status, body, _) in zip(sent, answers, strict=True):
        if code == winner.code:
            assert (status, body["result"], body["attendee"]["name"]) == (200, "admitted", winner.name)
        else:
            assert (status, body["error"]) == (409, "nonce_reused")


async def test_another_doors_nonce_is_not_seen_by_a_door_of_another_event(app, http, door):
    tenant, gala, token = door
    jazz = await make_event(app.services, tenant, name="Jazz Night")
    jazz_token = (await tokens.create_door_token(app.services, tenant, event_slug=jazz.slug)).secret
    gala_ticket = await make_ticket(app.services, tenant, gala, name="Anna Smith")
    jazz_ticket = await make_ticket(app.services, tenant, jazz, name="Carl Jazz")
    assert (await scan(http, token, {"code": gala_ticket.code, "nonce": "shared"}))[1]["result"] == "admitted"

    status, body, _ = await scan(http, jazz_token, {"code": jazz_ticket.code, "nonce": "shared"})
    assert (status, body["result"], body["attendee"]["name"]) == (200, "admitted", "Carl Jazz")
    status, body, _ = await scan(http, jazz_token, {"code": gala_ticket.code, "nonce": "other"})
    assert (status, body["result"]) == (200, "wrong_event")
    assert body == {"result": "wrong_event", "event": {"slug": gala.slug, "name": "Summer Gala", "timezone": "Europe/Berlin"}}


async def test_offline_scan_times_outside_the_door_window_are_400_and_record_nothing(app, http, door, unchanged, caplog):
    tenant, event, token = door
    ticket = await make_ticket(app.services, tenant, event)
    await unchanged(arranged=True)
    for at in ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00+14:00", "1970-01-01T00:00:00Z",
               (datetime.now(UTC) - timedelta(days=2)).isoformat(), "9999-12-31T23:59:59-14:00"):
        with at_most_one_short_line(caplog):
            status, body, _ = await scan(http, token, {"code": ticket.code, "nonce": f"n-{at}", "offline_at": at})
        assert status == 400, at
        status, body, _ = await scan(http, token, {"scans": [{"code": ticket.code, "offline_at": at}]}, "/api/v1/checkins/batch")
        assert status == 400, at
    await unchanged()


async def test_nul_bytes_and_lone_surrogates_are_400_not_500(app, http, door, unchanged, caplog):
    tenant, event, token = door
    ticket = await make_ticket(app.services, tenant, event)
    await unchanged(arranged=True)
    for body in (
        {"code": "\x00"}, {"code": ticket.code + "\x00"}, {"code": "\ud800"}, {"code": ticket.code, "nonce": "a\x00b"},
        {"code": ticket.code, "nonce": "\udfff"}, {"code": ticket.code, "event": "gala\x00"},
        {"code": ticket.code, "event": "\ud83d"},
    ):
        for path, sent in (("/api/v1/checkins", body), ("/api/v1/checkins/batch", {"scans": [body], "event": body.get("event")})):
            with at_most_one_short_line(caplog):
                status, answer, _ = await scan(http, token, sent, path)
            assert status == 400, (path, body, answer)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    status, _, _ = await post(http, "/api/v1/checkins", b"[" * 100_000, headers)
    assert status == 400
    await unchanged()


async def test_wrong_tokens_are_throttled_per_client_before_any_lookup(serve, caplog, owner_engine):
    app = await serve(eventos_rate_refusals_client="5/minute")
    tenant = await app.tenant()
    event = await make_event(app.services, tenant)
    token = (await tokens.create_door_token(app.services, tenant, event_slug=event.slug)).secret
    ticket = await make_ticket(app.services, tenant, event)
    lookups: list[str] = []
    engine = app.services.db.engine.sync_engine
    listener = lambda conn, cursor, statement, *args: lookups.append(statement) if "door_tokens" in statement else None  # noqa: E731
    async with aiohttp.ClientSession(base_url=app.base_url) as http:
        sqlalchemy_event.listen(engine, "before_cursor_execute", listener)
        try:
            answers = [await scan(http, f"dt_wrong-{n}", {"code": ticket.code}) for n in range(200)]
        finally:
            sqlalchemy_event.remove(engine, "before_cursor_execute", listener)
        assert [status for status, _, _ in answers] == [401] * 5 + [429] * 195
        assert len(lookups) == 5
        assert int(answers[-1][2]["Retry-After"]) >= 1
        status, body, headers = await scan(http, token, {"code": ticket.code})
        assert (status, body["error"]) == (429, "rate_limited") and int(headers["Retry-After"]) >= 1
        status, _, _ = await scan(http, None, {"code": ticket.code})
        assert status == 429
    assert await check_ins(app, tenant) == []


async def test_one_token_is_throttled_and_its_batches_are_capped(serve):
    app = await serve(eventos_rate_scanner_token="4/minute", eventos_rate_batch_scans="10/hour")
    tenant = await app.tenant()
    event = await make_event(app.services, tenant)
    token = (await tokens.create_door_token(app.services, tenant, event_slug=event.slug)).secret
    other = (await tokens.create_door_token(app.services, tenant, event_slug=event.slug)).secret
    tickets = [await make_ticket(app.services, tenant, event, name=f"Guest {n}") for n in range(12)]
    offline_at = (datetime.now(UTC) - timedelta(minutes=10)).isoformat()

    def batch(chosen):
        return {"scans": [{"code": t.code, "nonce": t.code, "offline_at": offline_at} for t in chosen]}

    async with aiohttp.ClientSession(base_url=app.base_url) as http:
        assert (await scan(http, token, batch(tickets[:8]), "/api/v1/checkins/batch"))[0] == 200
        status, body, headers = await scan(http, token, batch(tickets[8:11]), "/api/v1/checkins/batch")
        assert (status, body["error"]) == (429, "rate_limited") and int(headers["Retry-After"]) > 60
        status, body, _ = await scan(http, other, batch(tickets[:11]), "/api/v1/checkins/batch")
        assert status == 400 and "at most 10" in body["message"]
        assert (await scan(http, token, {"code": tickets[11].code}))[0] == 200
        assert (await scan(http, token, {"code": tickets[11].code}))[0] == 200
        status, _, headers = await scan(http, token, {"code": tickets[11].code})
        assert status == 429 and "Retry-After" in headers
    rows = await check_ins(app, tenant)
    assert len(rows) == 8 + 2


async def raw_http(app, request: bytes) -> bytes:
    """Send bytes as they are (no client library cleans them up) and return the status line."""
    host, port = app.base_url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(request)
    await writer.drain()
    answer = await reader.readline()
    writer.close()
    await writer.wait_closed()
    return answer


async def test_bytes_that_are_not_utf8_in_paths_and_headers_are_4xx(app, door, unchanged, caplog):
    await unchanged(arranged=True)
    for method, path, header in (
        (b"POST", b"/api/v1/checkins", b"Authorization: Bearer dt_\xff\xfe"),
        (b"GET", b"/api/v1/door", b"Authorization: Bearer dt_\xed\xa0\x80"),
        (b"POST", b"/api/v1/checkins", b"X-Forwarded-For: \xff"),
        (b"GET", b"/t/%ED%A0%80", b"X-Probe: 1"),
        (b"GET", b"/u/%00%FF", b"X-Probe: 1"),
        (b"GET", b"/t/\xff\xfe", b"X-Probe: 1"),
        (b"POST", b"/slack/events", b"X-Slack-Signature: v0=\xff"),
        (b"POST", b"/stripe/webhook", b"Stripe-Signature: t=\xff,v1=\xfe"),
    ):
        request = (method + b" " + path + b" HTTP/1.1\r\nHost: edge\r\n" + header + b"\r\n"
                   b"Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
        with at_most_one_short_line(caplog):
            status_line = await raw_http(app, request)
        assert status_line.split()[1][:1] == b"4", (path, header, status_line)
    await unchanged()


# ----- /stripe/webhook -----------------------------------------------------------------------------


async def deliver(http, envelope, *, timestamp: int | None = None, raw: bytes | None = None):
    payload = raw if raw is not None else json.dumps(envelope).encode()
    headers = {"Stripe-Signature": sign_webhook(payload, WEBHOOK_SECRET, timestamp), "Content-Type": "application/json"}
    async with http.post("/stripe/webhook", data=payload, headers=headers) as response:
        return response.status, await response.json()


async def test_stripe_timestamps_outside_the_tolerance_either_way_are_refused(app, http, unchanged, caplog):
    await unchanged(arranged=True)
    envelope = stripe_event("checkout.session.completed", {"id": "cs_test_x", "object": "checkout.session"})
    for skew in (-3600, -301, 301, 3600):
        with at_most_one_short_line(caplog):
            status, _ = await deliver(http, envelope, timestamp=int(time.time()) + skew)
        assert status == 400, skew
    await unchanged()


async def test_stripe_events_of_unexpected_shape_are_acknowledged_as_ignored(app, http, unchanged, caplog):
    tenant = await app.tenant()
    metadata = {"account_id": str(tenant.account_id), "order_id": "00000000-0000-0000-0000-000000000000"}
    await unchanged(arranged=True)
    shapes = [
        stripe_event("checkout.session.completed", {"id": "cs_1", "metadata": metadata}) | {"data": {"object": [1, 2]}},
        stripe_event("checkout.session.completed", {"id": "cs_2", "metadata": "account_id=1"}),
        stripe_event("checkout.session.completed", {"id": "cs_3", "metadata": metadata, "amount_total": "lots"}),
        stripe_event("charge.refunded", {"id": "ch_1", "payment_intent": {"id": "pi_1"}, "metadata": {}}),
        stripe_event("checkout.session.completed", {"id": "cs_4"}) | {"data": "nothing"},
        stripe_event("checkout.session.completed", {"id": "cs_5", "metadata": {"order_id": 5}}),
        {"type": "checkout.session.completed"},
    ]
    for envelope in shapes:
        with at_most_one_short_line(caplog):
            status, body = await deliver(http, envelope)
        assert (status, body["outcome"]) == (200, "ignored"), envelope
    for raw in (b"[1, 2, 3]", b"\"text\"", b"null"):
        assert await deliver(http, None, raw=raw) == (200, {"received": True, "outcome": "ignored"})
    await unchanged()


async def test_a_refund_of_a_payment_stripe_does_not_know_is_ignored_not_503(app, http, unchanged, caplog):
    await unchanged(arranged=True)
    envelope = stripe_event("charge.refunded", {"id": "ch_unknown", "object": "charge", "payment_intent": "pi_unknown",
                                                "amount": 500, "amount_refunded": 500, "currency": "eur", "metadata": {}})
    with at_most_one_short_line(caplog):
        status, body = await deliver(http, envelope)
    assert (status, body["outcome"]) == (200, "ignored")
    await unchanged()


# ----- public pages and headers ---------------------------------------------------------------------


async def test_ticket_and_unsubscribe_pages_are_throttled_per_client(serve, unchanged):
    app = await serve(eventos_rate_refusals_client="3/minute")
    await unchanged(arranged=True)
    async with aiohttp.ClientSession(base_url=app.base_url) as http:
        statuses = []
        for path in ("/t/NOT-A-CODE", "/u/not-a-token", "/t/ALSO-NOT", "/t/STILL-NOT", "/u/nope"):
            async with http.get(path) as response:
                statuses.append(response.status)
                retry_after = response.headers.get("Retry-After")
        assert statuses == [404, 404, 404, 429, 429] and int(retry_after) >= 1
    await unchanged()


async def test_ticket_pages_are_limited_per_ticket_not_per_address(serve):
    app = await serve(eventos_rate_pages_client="2/minute", eventos_rate_pages_key="3/minute")
    tenant = await app.tenant()
    event = await make_event(app.services, tenant)
    tickets = [await make_ticket(app.services, tenant, event, name=f"Guest {n}") for n in range(5)]
    async with aiohttp.ClientSession(base_url=app.base_url) as http:
        for ticket in tickets:  # a venue's Wi-Fi: many attendees, one address
            async with http.get(f"/t/{ticket.code}") as response:
                assert response.status == 200
        statuses = []
        for _ in range(3):
            async with http.get(f"/t/{tickets[0].code}") as response:
                statuses.append((response.status, response.headers.get("Retry-After")))
        assert statuses == [(200, None), (200, None), (429, "20")]


async def test_every_response_names_no_version_and_every_html_page_carries_the_security_headers(app, http):
    for method, path in (("GET", "/t/NOT-A-CODE"), ("GET", "/u/nope"), ("GET", "/scan"), ("GET", "/checkout/paid"),
                         ("GET", "/healthz"), ("POST", "/slack/events"), ("GET", "/no-such-page")):
        async with http.request(method, path) as response:
            assert response.headers["Server"] == "EventOS", path
            assert "Python" not in response.headers["Server"] and "aiohttp" not in response.headers["Server"]
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            if response.content_type == "text/html":
                policy = response.headers["Content-Security-Policy"]
                assert "frame-ancestors 'none'" in policy and "default-src 'none'" in policy, path
                assert response.headers["Referrer-Policy"] == "no-referrer"


# ----- anything at all -----------------------------------------------------------------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
_ODD_TEXT = st.sampled_from(["", "\x00", "\ud800", "a\udfffb", "0001-01-01T00:00:00Z", "1970-01-01", "dt_", "v0=", "t=1,v1=2"])
_SCANNER_JSON = st.fixed_dictionaries({}, optional={
    "code": st.text(max_size=40) | _ODD_TEXT | st.integers(), "nonce": st.text(max_size=20) | _ODD_TEXT,
    "offline_at": st.text(max_size=30) | _ODD_TEXT | st.datetimes(timezones=st.just(UTC)).map(datetime.isoformat),
    "event": st.text(max_size=20) | _ODD_TEXT, "source": _JSON,
    "scans": st.lists(st.dictionaries(st.sampled_from(["code", "nonce", "offline_at"]), st.text(max_size=20) | _ODD_TEXT), max_size=3),
})
_SLACK_KEYS = st.sampled_from([
    "type", "event", "view", "actions", "team", "user", "channel", "container", "message", "team_id", "event_id",
    "api_app_id", "command", "callback_id", "trigger_id", "response_url", "authorizations", "enterprise",
    "is_enterprise_install", "user_id", "text", "challenge",
])
_SLACK_TYPES = st.sampled_from([
    "event_callback", "block_actions", "view_submission", "view_closed", "shortcut", "message_action",
    "url_verification", "block_suggestion", "app_rate_limited",
])
_SLACK_SHAPED = st.dictionaries(_SLACK_KEYS, _JSON | _SLACK_TYPES | st.dictionaries(_SLACK_KEYS, _JSON | _SLACK_TYPES, max_size=4),
                                max_size=8)
_HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=80)
_HEADERS = st.fixed_dictionaries({}, optional={
    "Content-Type": st.sampled_from([FORM, JSON, "text/plain", "multipart/form-data"]) | _HEADER_TEXT,
    "X-Slack-Request-Timestamp": _HEADER_TEXT | st.integers(0, 2**40).map(str), "X-Slack-Signature": _HEADER_TEXT,
    "X-Slack-Retry-Num": _HEADER_TEXT, "Stripe-Signature": _HEADER_TEXT, "Authorization": _HEADER_TEXT,
})


_ANY_BODY = st.one_of(
    st.binary(max_size=300),
    _JSON.map(lambda value: json.dumps(value).encode()),
    st.dictionaries(st.sampled_from(["payload", "command", "text", "team_id"]), st.text(max_size=30) | _JSON.map(json.dumps),
                    max_size=3).map(lambda form: urlencode(form).encode()),
)
_SLACK_BODY = _ANY_BODY | _SLACK_SHAPED.map(lambda value: json.dumps(value).encode()) | _SLACK_SHAPED.map(
    lambda value: urlencode({"payload": json.dumps(value)}).encode()
)
_SCANNER_BODY = _ANY_BODY | _SCANNER_JSON.map(lambda value: json.dumps(value).encode())
_PROPERTY = settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


async def _no_5xx(http, path, body, headers):
    async with http.post(path, data=body, headers=headers) as response:
        assert response.status < 500, (path, body[:200], headers, await response.text())


@pytest.fixture
async def open_edge(serve):
    """The app with limits out of the way, so every request reaches the code behind them."""
    app = await serve(**{f"eventos_rate_{name}": GENEROUS for name in (
        "scanner_client", "scanner_token", "batch_scans", "refusals_client", "pages_client", "pages_key")})
    tenant = await app.tenant()
    event = await make_event(app.services, tenant)
    token = (await tokens.create_door_token(app.services, tenant, event_slug=event.slug)).secret
    async with aiohttp.ClientSession(base_url=app.base_url) as http:
        yield app, http, token


@_PROPERTY
@given(body=_SLACK_BODY, headers=_HEADERS, signed=st.booleans())
async def test_no_request_to_slack_events_gets_a_5xx(open_edge, body, headers, signed):
    app, http, _ = open_edge
    headers = {**headers, **(_signed(app, body, headers.get("Content-Type", FORM)) if signed else {})}
    await _no_5xx(http, "/slack/events", body, headers)


@_PROPERTY
@given(body=_ANY_BODY | _JSON.map(lambda obj: json.dumps(stripe_event("charge.refunded", {}) | {"data": {"object": obj}}).encode()),
       headers=_HEADERS, signed=st.booleans())
async def test_no_request_to_the_stripe_webhook_gets_a_5xx(open_edge, body, headers, signed):
    _, http, _ = open_edge
    headers = {**headers, **({"Stripe-Signature": sign_webhook(body, WEBHOOK_SECRET)} if signed else {})}
    await _no_5xx(http, "/stripe/webhook", body, headers)


@_PROPERTY
@given(body=_SCANNER_BODY, headers=_HEADERS, door=st.booleans(), batch=st.booleans())
async def test_no_request_to_the_scanner_api_gets_a_5xx(open_edge, body, headers, door, batch):
    _, http, token = open_edge
    headers = {**headers, **({"Authorization": f"Bearer {token}"} if door else {})}
    await _no_5xx(http, "/api/v1/checkins/batch" if batch else "/api/v1/checkins", body, headers)
