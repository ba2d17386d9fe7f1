"""The scanner API: POST /api/v1/checkins (one scan), /api/v1/checkins/batch (scans queued offline), GET /api/v1/door.

Every request is rate-limited per client and per token presented, before the token is looked up; a
client whose tokens keep being refused is held back (bot/ratelimit.py), and offline scans count
against a per-token volume.
"""

import functools
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from bot.door.words import NO_TOKEN, scanner_sentence
from bot.ratelimit import credential_key, limits, too_many_requests
from bot.server import SERVICES
from core.door import checkins
from core.door import status as door_status
from core.door.tokens import DoorTokenRefused
from core.errors import DomainError, Forbidden, Invalid, NotFound

MAX_BODY = 256 * 1024
STATUS = {Invalid: 400, Forbidden: 403, NotFound: 404}

Route = Callable[[web.Request], Awaitable[web.Response]]


def error_response(status: int, code: str, message: str) -> web.Response:
    headers = {"WWW-Authenticate": 'Bearer realm="eventos-door"'} if status == 401 else None
    return web.json_response({"error": code, "message": message}, status=status, headers=headers)


def domain_response(request: web.Request, error: DomainError) -> web.Response:
    """The one answer the scanner API gives a domain error: its stable code and a plain sentence for door staff."""
    if isinstance(error, DoorTokenRefused):
        limits(request).refused(request)
        return error_response(401, error.code, scanner_sentence(error))
    status = next((code for kind, code in STATUS.items() if isinstance(error, kind)), 409)
    return error_response(status, error.code, scanner_sentence(error))


def bearer(request: web.Request) -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def json_body(request: web.Request) -> dict[str, Any]:
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise Invalid("The request body is too large.")
    try:
        body = json.loads(await request.read() or b"{}")
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested past the parser's depth
        raise Invalid("Send a JSON object, like {\"code\": \"…\"}.") from None
    if not isinstance(body, dict):
        raise Invalid("Send a JSON object, like {\"code\": \"…\"}.")
    return body


def text_field(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise Invalid(f"\"{key}\" must be a string.")
    return value


def _scan(body: dict[str, Any]) -> checkins.Scan:
    code = text_field(body, "code")
    if not code or not code.strip():
        raise Invalid("Send the ticket code as \"code\".")
    offline_at = text_field(body, "offline_at")
    at = None
    if offline_at:
        try:
            at = datetime.fromisoformat(offline_at)
            at = at.astimezone(UTC) if at.tzinfo is not None else at
        except (ValueError, OverflowError):
            raise Invalid("\"offline_at\" must be an ISO 8601 time like 2031-07-01T19:04:05Z.") from None
    return checkins.Scan(code=code, nonce=text_field(body, "nonce"), offline_at=at)


def throttled(request: web.Request, token: str | None) -> web.Response | None:
    """A 429 when this client, or this token (valid or not), has sent too much; else None."""
    edge = limits(request)
    client = edge.client(request)
    retry_after = edge.refusals.blocked(client) or edge.scanner_client.check(client)
    if retry_after is None and token is not None:
        retry_after = edge.scanner_token.check(credential_key(token))
    return None if retry_after is None else too_many_requests(retry_after)


def _batch_throttled(request: web.Request, token: str, scans: int) -> web.Response | None:
    """A 429 when this token's offline scans, summed over batches, pass their volume."""
    volume = limits(request).batch_scans
    if scans > volume.rate.count:
        raise Invalid(f"Send at most {volume.rate.count} scans at once; this batch has {scans}.")
    retry_after = volume.check(credential_key(token), cost=scans)
    return None if retry_after is None else too_many_requests(retry_after)


def with_door_token(answer: Callable[[web.Request, str], Awaitable[web.Response]]) -> Route:
    """A scanner API route: throttled first, then a bearer token required, and a domain error answered by its code.

    A request without a token is refused before its body is read, and counts against its client like a bad token.
    """

    @functools.wraps(answer)
    async def route(request: web.Request) -> web.Response:
        token = bearer(request)
        if limited := throttled(request, token):
            return limited
        if token is None:
            limits(request).refused(request)
            return error_response(401, "unauthorized", NO_TOKEN)
        try:
            return await answer(request, token)
        except DomainError as error:
            return domain_response(request, error)

    return route


@with_door_token
async def post_checkin(request: web.Request, token: str) -> web.Response:
    body = await json_body(request)
    answer = await checkins.scan_at_door(
        request.app[SERVICES], token=token, scan=_scan(body), event_slug=text_field(body, "event"),
        source=text_field(body, "source") or "api",
    )
    return web.json_response(answer.to_json())


@with_door_token
async def post_batch(request: web.Request, token: str) -> web.Response:
    body = await json_body(request)
    items = body.get("scans")
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise Invalid("Send \"scans\": a list of {\"code\", \"nonce\", \"offline_at\"} objects.")
    if limited := _batch_throttled(request, token, len(items)):
        return limited
    answers = await checkins.scan_batch_at_door(
        request.app[SERVICES], token=token, scans=[_scan(item) for item in items],
        event_slug=text_field(body, "event"), source=text_field(body, "source") or "api",
    )
    return web.json_response({"results": [answer.to_json() for answer in answers]})


@with_door_token
async def get_door(request: web.Request, token: str) -> web.Response:
    overview = await door_status.door_overview(request.app[SERVICES], token=token)
    return web.json_response(overview.to_json(), headers={"Cache-Control": "no-store"})


def register(app: web.Application) -> None:
    app.router.add_post("/api/v1/checkins", post_checkin)
    app.router.add_post("/api/v1/checkins/batch", post_batch)
    app.router.add_get("/api/v1/door", get_door)
