"""POST /slack/events: Slack's signature checked on the raw bytes before anything is decoded.

In order: the signature and its timestamp (slack_sdk's verifier, on the bytes as received); then
the body must parse into an object of the shape Slack sends (bot/slack_shape.py); only then does
Bolt see it, with the signature in its context: the tenancy middleware records it in the
transaction that resolves the workspace, and acks an exact replay without doing anything (Slack's
scheme has no nonce, so a captured request would verify again for five minutes). Whatever is
refused costs one log line of bounded length.
"""

import logging
import re
import time

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from bot import ratelimit
from bot.context import SIGNATURE
from bot.slack_shape import is_slack_shaped

log = logging.getLogger(__name__)

# Slack refuses requests older than five minutes; so do we, and as far into the future.
VALID_FOR_SECONDS = 5 * 60
TIMESTAMP_FORM = re.compile(r"[0-9]{1,12}")
SIGNATURE_FORM = re.compile(r"v0=[0-9a-f]{64}")
# What reading a field of the wrong JSON type raises, in Bolt or in our middleware.
MALFORMED = (UnicodeDecodeError, ValueError, TypeError, AttributeError, KeyError, IndexError)


def slack_events(bolt: AsyncApp, signing_secret: str):
    """The handler of POST /slack/events for `bolt`, whose own verification is off: this one replaces it."""
    verifier = SignatureVerifier(signing_secret)

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        refusal = _refusal(verifier, body, timestamp, signature)
        if refusal is not None:
            log.warning("refused a Slack request: %s (%d bytes from %s)", refusal, len(body), _client(request))
            return web.json_response({"error": "invalid_signature"}, status=401)
        bolt_request = _bolt_request(request, body)
        if bolt_request is None:
            log.warning("refused a signed Slack request that is not a Slack payload (%d bytes)", len(body))
            return web.json_response({"error": "malformed_payload"}, status=400)
        if not _is_event_retry(request, body):
            bolt_request.context[SIGNATURE] = signature
        try:
            response = await bolt.async_dispatch(bolt_request)
        except MALFORMED as error:  # Bolt's listener matchers run outside its error handler: a shape slack_shape missed
            log.warning("refused a signed Slack payload Bolt cannot read (%s: %.200s)", type(error).__name__, error)
            return web.json_response({"error": "malformed_payload"}, status=400)
        return await to_aiohttp_response(response)

    return handle


def _refusal(verifier: SignatureVerifier, body: bytes, timestamp: str, signature: str) -> str | None:
    """Why the request is not Slack's, or None when its signature holds."""
    if not timestamp or not signature:
        return "no signature"
    if not TIMESTAMP_FORM.fullmatch(timestamp) or not SIGNATURE_FORM.fullmatch(signature):
        return "malformed signature headers"
    if abs(time.time() - int(timestamp)) > VALID_FOR_SECONDS:
        return "timestamp outside the five-minute window"
    try:
        valid = verifier.is_valid(body=body, timestamp=timestamp, signature=signature)
    except UnicodeDecodeError:  # the verifier decodes to sign; bytes that are not UTF-8 cannot be Slack's
        valid = False
    return None if valid else "wrong signature"


def _is_event_retry(request: web.Request, body: bytes) -> bool:
    """An Events API redelivery: de-duplicated by its event_id (bot.deliveries), so not by signature.

    Only a JSON body counts: commands and interactivity are form-encoded and never retried by Slack,
    so adding the (unsigned) retry header to a replayed command earns it nothing.
    """
    return "X-Slack-Retry-Num" in request.headers and body.lstrip().startswith(b"{")


def _bolt_request(request: web.Request, body: bytes) -> AsyncBoltRequest | None:
    """The request as Bolt reads it, or None when the signed body is not a Slack payload object."""
    try:
        bolt_request = AsyncBoltRequest(body=body.decode("utf-8"), query=request.query_string, headers=request.headers)
    except MALFORMED:
        return None
    return bolt_request if isinstance(bolt_request.body, dict) and is_slack_shaped(bolt_request.body) else None


def _client(request: web.Request) -> str:
    return ratelimit.limits(request).client(request)
