"""The stand-ins answer the real client libraries the way the real services do."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from email.message import EmailMessage
from typing import Any
from urllib.parse import parse_qs

import aiosmtplib
import pytest
import pytest_asyncio
import stripe
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from devtools.slack_signing import sign
from devtools.slack_standin import SlackStandin
from tests.support.slack_requests import (
    SlackDriver,
    event_callback,
    slash_command,
    view_submission,
)
from tests.support.smtp_sink import SmtpSink
from tests.support.stripe_standin import StripeStandin, decode_form, event, sign_webhook

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TOKEN = "xoxb-T0EVENTOS-1-test"


def slack_client(standin: SlackStandin, **kwargs: Any) -> AsyncWebClient:
    """An AsyncWebClient pointed at the stand-in."""
    return AsyncWebClient(token=TOKEN, base_url=standin.base_url, **kwargs)


# ----- Slack Web API ----------------------------------------------------------------------


async def test_post_message_through_slack_sdk_is_recorded_with_decoded_blocks(slack_standin: SlackStandin) -> None:
    client = slack_client(slack_standin)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Hello*"}}]
    first = await client.chat_postMessage(channel="C0GENERAL", text="hi", blocks=blocks, thread_ts="1700000000.000001")
    second = await client.chat_postMessage(channel="C0GENERAL", text="again")

    assert first["ok"] and first["channel"] == "C0GENERAL"
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["blocks"] == blocks and first["message"]["thread_ts"] == "1700000000.000001"
    [call, _] = slack_standin.calls_to("chat.postMessage")
    assert call.token == TOKEN and call.params["blocks"] == blocks and call.params["text"] == "hi"
    assert call.response["ts"] == first["ts"]


async def test_form_encoded_calls_decode_json_fields(slack_standin: SlackStandin) -> None:
    client = slack_client(slack_standin)
    view = {"type": "modal", "callback_id": "create_event", "title": {"type": "plain_text", "text": "New"},
            "blocks": [{"type": "section", "text": {"type": "plain_text", "text": "A modal"}}]}
    # views_open sends JSON; api_call with data= sends a form, as older code paths do.
    await client.api_call("views.open", data={"trigger_id": "1.2.3", "view": json.dumps(view)})
    opened = await client.views_open(trigger_id="1.2.4", view=view)

    [form_call, json_call] = slack_standin.calls_to("views.open")
    assert form_call.params["view"] == view == json_call.params["view"]
    assert opened["view"]["id"].startswith("V") and opened["view"]["callback_id"] == "create_event"
    assert slack_standin.views[opened["view"]["id"]]["title"]["text"] == "New"
    updated = await client.views_update(view_id=opened["view"]["id"], view={**view, "callback_id": "step2"})
    assert updated["view"]["id"] == opened["view"]["id"] and updated["view"]["callback_id"] == "step2"


async def test_rate_limit_and_server_error_are_retried_into_one_successful_call(slack_standin: SlackStandin) -> None:
    client = slack_client(slack_standin)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=2))
    client.retry_handlers.append(AsyncServerErrorRetryHandler(max_retry_count=2))
    slack_standin.fail_next("chat.postMessage", status=429, retry_after=0)
    slack_standin.fail_next("chat.postMessage", status=500)

    response = await client.chat_postMessage(channel="C0GENERAL", text="eventually")

    assert response["ok"]
    assert len(slack_standin.calls_to("chat.postMessage")) == 1
    failed = [c for c in slack_standin.calls_to("chat.postMessage", include_failed=True) if c.failed]
    assert [c.status for c in failed] == [429, 500]


async def test_rate_limit_answer_carries_retry_after(slack_standin: SlackStandin) -> None:
    slack_standin.fail_next("chat.update", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as raised:
        await slack_client(slack_standin).chat_update(channel="C1", ts="1.2", text="x")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"
    assert raised.value.response["error"] == "ratelimited"


async def test_ok_false_failures_and_overrides(slack_standin: SlackStandin) -> None:
    client = slack_client(slack_standin)
    slack_standin.fail_next("chat.postMessage", status=200, error="channel_not_found")
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="C404", text="x")
    assert raised.value.response["error"] == "channel_not_found"

    slack_standin.set_response("reactions.add", {"ok": False, "error": "already_reacted"})
    with pytest.raises(SlackApiError):
        await client.reactions_add(channel="C1", timestamp="1.2", name="ticket")
    slack_standin.set_response("reactions.add", None)
    assert (await client.reactions_add(channel="C1", timestamp="1.2", name="ticket"))["ok"]
    with pytest.raises(SlackApiError, match="unknown_method"):
        await client.api_call("apps.unknown.method")


async def test_delay_slows_answers(slack_standin: SlackStandin) -> None:
    slack_standin.delay("auth.test", 0.3)
    started = time.monotonic()
    await slack_client(slack_standin).auth_test()
    assert time.monotonic() - started >= 0.3


async def test_users_info_is_configurable_and_generated_for_unknown_users(slack_standin: SlackStandin) -> None:
    client = slack_client(slack_standin)
    slack_standin.set_user("U0ADA", real_name="Ada Lovelace", email="ada@example.org", is_admin=True, tz="Europe/London")

    ada = (await client.users_info(user="U0ADA"))["user"]
    other = (await client.users_info(user="U0OTHER"))["user"]

    assert (ada["real_name"], ada["profile"]["email"], ada["is_admin"], ada["tz"]) == (
        "Ada Lovelace", "ada@example.org", True, "Europe/London",
    )
    assert other["id"] == "U0OTHER" and "@" in other["profile"]["email"] and other["is_owner"] is False
    assert slack_standin.calls_to("users.info")[0].params == {"user": "U0ADA"}


async def test_oauth_install_issues_a_token_that_auth_test_knows(slack_standin: SlackStandin) -> None:
    slack_standin.oauth_team_id = "T0ACME"
    client = AsyncWebClient(base_url=slack_standin.base_url)
    install = await client.oauth_v2_access(client_id="111.222", client_secret="s3cret", code="abc")

    assert install["team"]["id"] == "T0ACME" and install["access_token"].startswith("xoxb-")
    assert install["token_type"] == "bot" and install["enterprise"] is None and install["is_enterprise_install"] is False
    assert slack_standin.calls_to("oauth.v2.access")[0].params["client_id"] == "111.222"
    auth = await client.auth_test(token=install["access_token"])
    assert auth["team_id"] == "T0ACME" and auth["bot_id"] and auth["enterprise_id"] is None
    assert (await client.auth_test(token=TOKEN))["team_id"] == slack_standin.team_id


async def test_permalink_and_ephemeral(slack_standin: SlackStandin) -> None:
    client = slack_client(slack_standin)
    link = await client.chat_getPermalink(channel="C0GENERAL", message_ts="1700000000.000100")
    assert link["permalink"] == "https://example.slack.com/archives/C0GENERAL/p1700000000000100"
    assert (await client.chat_postEphemeral(channel="C1", user="U1", text="psst"))["message_ts"]


async def test_files_upload_v2_goes_through_the_external_upload_flow(slack_standin: SlackStandin) -> None:
    client = slack_client(slack_standin)

    answer = await client.files_upload_v2(
        channel="C0FILES", content="a,b\r\n1,2\r\n", filename="x.csv", title="X", initial_comment="here"
    )

    assert answer["file"]["title"] == "X"
    assert slack_standin.uploaded() == b"a,b\r\n1,2\r\n"
    [shared] = [f["shared"] for f in slack_standin.files.values()]
    assert shared == {"channel_id": "C0FILES", "title": "X", "initial_comment": "here"}


async def test_an_upload_that_never_sent_its_bytes_cannot_be_completed(slack_standin: SlackStandin) -> None:
    client = slack_client(slack_standin)
    url = await client.files_getUploadURLExternal(filename="x.csv", length=3)

    with pytest.raises(SlackApiError, match="file_upload_incomplete"):
        await client.files_completeUploadExternal(files=[{"id": url["file_id"], "title": "X"}], channel_id="C0FILES")


async def test_response_url_posts_are_captured(slack_standin: SlackStandin) -> None:
    url = slack_standin.response_url()
    other = slack_standin.response_url()
    webhook = AsyncWebhookClient(url)
    sent = await webhook.send(text="Ticket bought", response_type="ephemeral")
    await AsyncWebhookClient(other).send(text="elsewhere")

    assert sent.status_code == 200
    assert await slack_standin.wait_for_responses(1, url=url) == [{"text": "Ticket bought", "response_type": "ephemeral"}]
    assert len(await slack_standin.wait_for_responses(2)) == 2
    with pytest.raises(TimeoutError):
        await slack_standin.wait_for_calls("chat.postMessage", 1, timeout=0.05)


# ----- Requests into the app ------------------------------------------------------------


def test_signed_slash_command_verifies_with_slack_sdk() -> None:
    body = slash_command("/eventos", "buy 2", team_id="T0EVENTOS", user_id="U0ADA", response_url="http://x/r/1")
    headers = sign(body, SECRET)

    verifier = SignatureVerifier(SECRET)
    assert verifier.is_valid(body, headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"])
    assert not verifier.is_valid(body + b"x", headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"])
    fields = {k: v[0] for k, v in parse_qs(body.decode()).items()}
    assert fields["command"] == "/eventos" and fields["text"] == "buy 2" and fields["api_app_id"] == "A0EVENTOS"
    assert {"token", "team_domain", "channel_name", "user_name", "trigger_id", "is_enterprise_install"} <= set(fields)
    event_body = event_callback({"type": "app_mention", "user": "U0ADA", "text": "hi"}, team_id="T0EVENTOS")
    assert json.loads(event_body)["authorizations"][0]["team_id"] == "T0EVENTOS"


@pytest_asyncio.fixture
async def bolt_app(slack_standin: SlackStandin) -> AsyncIterator[tuple[SlackDriver, dict[str, Any]]]:
    """A real Bolt AsyncApp on aiohttp, with listeners that note what they saw."""
    seen: dict[str, Any] = {}
    app = AsyncApp(signing_secret=SECRET, client=slack_client(slack_standin))

    @app.command("/eventos")
    async def command(ack: Any, respond: Any, command: dict[str, Any], context: Any) -> None:
        await ack("working on it")
        seen["command"] = (command["text"], context.team_id, context.user_id, context.channel_id)
        await respond(text=f"done: {command['text']}")

    @app.action("buy")
    async def action(ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()
        seen["action"] = body["actions"][0]["value"]
        await respond(text="bought")

    @app.action("pick")
    async def pick(ack: Any, body: dict[str, Any]) -> None:
        await ack()
        seen["pick"] = (body["actions"][0]["selected_option"]["value"], body["container"]["type"])

    @app.view("create_event")
    async def view(ack: Any, view: dict[str, Any]) -> None:
        values = view["state"]["values"]
        if not values["name"]["name"]["value"]:
            await ack(response_action="errors", errors={"name": "Required"})
            return
        seen["view"] = (values["name"]["name"]["value"], view["private_metadata"])
        await ack()

    @app.shortcut("capture")
    async def shortcut(ack: Any, shortcut: dict[str, Any], context: Any) -> None:
        await ack()
        seen["shortcut"] = (shortcut["message"]["text"], context.thread_ts, shortcut["response_url"])

    @app.options("venue")
    async def options(ack: Any, payload: dict[str, Any]) -> None:
        await ack(options=[{"text": {"type": "plain_text", "text": payload["value"]}, "value": "v1"}])

    @app.event("app_mention")
    async def mention(event: dict[str, Any], context: Any) -> None:
        seen["event"] = (event["text"], context.team_id)

    async def handle(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    web_app = web.Application()
    web_app.router.add_post("/slack/events", handle)
    runner = web.AppRunner(web_app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield SlackDriver(f"http://127.0.0.1:{port}/slack/events", SECRET, slack_standin), seen
    finally:
        await runner.cleanup()


async def test_bolt_routes_every_payload_the_driver_sends(
    bolt_app: tuple[SlackDriver, dict[str, Any]], slack_standin: SlackStandin
) -> None:
    driver, seen = bolt_app

    result = await driver.command("/eventos", "buy 2", user_id="U0ADA", channel_id="C0SALES")
    assert (result.status, result.ack_body) == (200, "working on it")
    assert await driver.wait_responses(result) == [{"text": "done: buy 2"}]
    assert seen["command"] == ("buy 2", "T0EVENTOS", "U0ADA", "C0SALES")

    clicked = await driver.action("buy", user_id="U0ADA", value="ticket-1")
    assert clicked.status == 200 and seen["action"] == "ticket-1"
    assert (await driver.wait_responses(clicked))[0]["text"] == "bought"

    modal = {"type": "modal", "callback_id": "create_event", "private_metadata": "evt-7", "blocks": []}
    await driver.action("pick", user_id="U0ADA", action_type="static_select", selected_option="opt-2", view=modal)
    assert seen["pick"] == ("opt-2", "view")

    rejected = await driver.submit_view(None, {"name": {"name": ""}}, user_id="U0ADA", view=modal)
    assert rejected.ack_body == {"response_action": "errors", "errors": {"name": "Required"}}
    accepted = await driver.submit_view("create_event", {"name": {"name": "Launch"}}, user_id="U0ADA", private_metadata="m")
    assert accepted.status == 200 and seen["view"] == ("Launch", "m")

    shortcut = await driver.shortcut("capture", user_id="U0ADA", text="Lunch at 12", thread_ts="1700000000.000001")
    assert shortcut.status == 200 and seen["shortcut"] == ("Lunch at 12", "1700000000.000001", shortcut.response_url)

    suggested = await driver.suggest("venue", "Ber", user_id="U0ADA")
    assert suggested.ack_body["options"][0]["text"]["text"] == "Ber"

    delivered = await driver.event({"type": "app_mention", "user": "U0ADA", "text": "hello", "channel": "C0GENERAL"})
    assert delivered.status == 200
    for _ in range(100):
        if "event" in seen:
            break
        await asyncio.sleep(0.01)
    assert seen["event"] == ("hello", "T0EVENTOS")

    body = view_submission("create_event", {"name": {"name": "x"}}, team_id="T0EVENTOS", user_id="U0ADA")
    forged = await driver.post_raw(body, {"Content-Type": "application/x-www-form-urlencoded", **sign(body, "wrong")})
    assert forged.status == 401


# ----- SMTP -------------------------------------------------------------------------------


def mail(to: str, subject: str) -> EmailMessage:
    """A small message."""
    message = EmailMessage()
    message["From"] = "EventOS <tickets@eventos.test>"
    message["To"] = to
    message["Subject"] = subject
    message.set_content("Your ticket: ✓")
    return message


async def test_aiosmtplib_delivers_to_the_sink(smtp_sink: SmtpSink) -> None:
    await aiosmtplib.send(mail("ada@example.org", "Your ticket"), hostname=smtp_sink.host, port=smtp_sink.port)

    [received] = await smtp_sink.wait_for(1)
    assert received["Subject"] == "Your ticket" and received["To"] == "ada@example.org"
    assert received.get_content().strip() == "Your ticket: ✓"
    assert smtp_sink.deliveries[0].rcpt_tos == ["ada@example.org"]
    assert smtp_sink.url == f"smtp://127.0.0.1:{smtp_sink.port}"


async def test_sink_refuses_mid_campaign_and_recovers(smtp_sink: SmtpSink) -> None:
    smtp_sink.refuse_after(2)
    outcomes = []
    for i in range(4):
        try:
            await aiosmtplib.send(mail(f"u{i}@example.org", f"m{i}"), hostname=smtp_sink.host, port=smtp_sink.port)
            outcomes.append("sent")
        except aiosmtplib.SMTPException as error:
            outcomes.append(type(error).__name__)
    assert outcomes[:2] == ["sent", "sent"] and "sent" not in outcomes[2:]
    assert smtp_sink.refused == 2 and len(smtp_sink.messages) == 2

    smtp_sink.accept_again()
    await aiosmtplib.send(mail("u9@example.org", "m9"), hostname=smtp_sink.host, port=smtp_sink.port)
    assert [m["Subject"] for m in await smtp_sink.wait_for(3)] == ["m0", "m1", "m9"]


# ----- Stripe -----------------------------------------------------------------------------


def stripe_client(standin: StripeStandin, **kwargs: Any) -> stripe.StripeClient:
    """A StripeClient pointed at the stand-in."""
    return stripe.StripeClient(api_key="sk_test_x", base_addresses={"api": standin.base_url}, **kwargs)


SESSION_PARAMS: dict[str, Any] = {
    "mode": "payment",
    "line_items": [
        {"price_data": {"currency": "eur", "unit_amount": 2500, "product_data": {"name": "Ticket"}}, "quantity": 2},
        {"price_data": {"currency": "eur", "unit_amount": 300, "product_data": {"name": "Fee"}}, "quantity": 1},
    ],
    "metadata": {"order_id": "ord_1", "account_id": "acc_1"},
    "client_reference_id": "ord_1",
    "success_url": "https://eventos.test/ok",
    "cancel_url": "https://eventos.test/cancel",
    "payment_intent_data": {"metadata": {"order_id": "ord_1"}},
}


def test_form_decoding_matches_stripe_encoding() -> None:
    pairs = [("a[0][b]", "1"), ("a[1][b]", "2"), ("expand[]", "x"), ("expand[]", "y"), ("m[k]", "v"), ("s", "t")]
    assert decode_form(pairs) == {"a": [{"b": "1"}, {"b": "2"}], "expand": ["x", "y"], "m": {"k": "v"}, "s": "t"}


async def test_sync_stripe_client_creates_a_connect_checkout_session_idempotently(stripe_standin: StripeStandin) -> None:
    client = stripe_client(stripe_standin)
    options: Any = {"idempotency_key": "order-ord_1", "stripe_account": "acct_123"}

    # The sync client blocks, so it runs in a thread while the stand-in serves on this loop.
    session = await asyncio.to_thread(client.v1.checkout.sessions.create, SESSION_PARAMS, options)
    again = await asyncio.to_thread(client.v1.checkout.sessions.create, SESSION_PARAMS, options)

    assert session.id.startswith("cs_test_") and again.id == session.id
    assert (session.amount_total, session.currency, session.status, session.payment_status) == (5300, "eur", "open", "unpaid")
    assert session.metadata["order_id"] == "ord_1" and session.client_reference_id == "ord_1" and session.url
    assert session.payment_intent is None
    [first, _] = stripe_standin.requests_to("/v1/checkout/sessions", "POST")
    assert first.headers["Idempotency-Key"] == "order-ord_1" and first.headers["Stripe-Account"] == "acct_123"
    assert first.params["line_items"][0]["price_data"]["product_data"]["name"] == "Ticket"
    assert len(stripe_standin.sessions) == 1

    with pytest.raises(stripe.IdempotencyError):
        await asyncio.to_thread(client.v1.checkout.sessions.create, {**SESSION_PARAMS, "client_reference_id": "x"}, options)


@pytest_asyncio.fixture
async def stripe_http() -> AsyncIterator[stripe.AIOHTTPClient]:
    """stripe's aiohttp transport (httpx is not installed), closed after the test."""
    http = stripe.AIOHTTPClient()
    try:
        yield http
    finally:
        await http.close_async()


async def test_async_stripe_client_round_trip_payment_refund(
    stripe_standin: StripeStandin, stripe_http: stripe.AIOHTTPClient
) -> None:
    client = stripe_client(stripe_standin, http_client=stripe_http, max_network_retries=0)
    account: Any = {"stripe_account": "acct_123"}
    session = await client.v1.checkout.sessions.create_async(SESSION_PARAMS, account)

    with pytest.raises(stripe.InvalidRequestError) as missing:
        await client.v1.checkout.sessions.retrieve_async(session.id)  # wrong account: not visible
    assert missing.value.code == "resource_missing" and missing.value.http_status == 404

    completed = stripe_standin.complete(session.id)
    assert completed["type"] == "checkout.session.completed" and completed["account"] == "acct_123"
    paid = await client.v1.checkout.sessions.retrieve_async(session.id, options=account)
    assert paid.payment_status == "paid" and paid.payment_intent
    intent = await client.v1.payment_intents.retrieve_async(paid.payment_intent, options=account)
    assert intent.amount == 5300 and intent.metadata["order_id"] == "ord_1"

    refund = await client.v1.refunds.create_async({"payment_intent": intent.id, "amount": 2500}, account)
    assert (refund.id[:3], refund.status, refund.amount) == ("re_", "succeeded", 2500)
    with pytest.raises(stripe.InvalidRequestError):
        await client.v1.refunds.create_async({"payment_intent": intent.id, "amount": 9999}, account)

    with pytest.raises(stripe.InvalidRequestError):
        await client.v1.checkout.sessions.expire_async(session.id, options=account)  # already complete


async def test_injected_failures_and_unknown_paths(
    stripe_standin: StripeStandin, stripe_http: stripe.AIOHTTPClient
) -> None:
    client = stripe_client(stripe_standin, http_client=stripe_http, max_network_retries=1)
    stripe_standin.fail_next("/v1/checkout/sessions", status=500)
    session = await client.v1.checkout.sessions.create_async(SESSION_PARAMS)  # retried with the same key
    [failed, ok] = stripe_standin.requests_to("/v1/checkout/sessions", include_failed=True)
    assert failed.failed and failed.status == 500 and not ok.failed
    assert failed.headers["Idempotency-Key"] == ok.headers["Idempotency-Key"]

    expired = await client.v1.checkout.sessions.expire_async(session.id)
    assert expired.status == "expired"
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        await client.v1.customers.retrieve_async("cus_1")
    assert unknown.value.http_status == 404 and "Unrecognized request URL" in str(unknown.value.user_message)


def test_webhook_signature_is_accepted_by_stripe() -> None:
    envelope = event("checkout.session.completed", {"id": "cs_test_1", "object": "checkout.session"}, account="acct_1")
    payload = json.dumps(envelope).encode()
    secret = "whsec_test"

    constructed = stripe.Webhook.construct_event(payload, sign_webhook(payload, secret), secret)
    assert constructed.id == envelope["id"] and constructed.type == "checkout.session.completed"
    assert constructed.account == "acct_1" and constructed.data.object.id == "cs_test_1"
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, sign_webhook(payload, "whsec_other"), secret)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, sign_webhook(payload, secret, int(time.time()) - 3600), secret)
