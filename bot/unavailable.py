"""A database connection lost during a request: run it once more when that is safe, else answer 503 in the route's shape.

Pooled connections are checked before use (db/session.py), so this is the rare case of a
connection that dies while a request uses it (a database restart, pg_terminate_backend). Reads
(GET, HEAD) and Stripe's webhook (each event is applied once, by its id) are safe to run again;
anything else may have committed, so it is answered as unavailable and its client tries again
(the scanner keeps its scans and replays them with their nonces).
"""

import logging

from aiohttp import web

from db.session import connection_lost

log = logging.getLogger(__name__)

RETRY_AFTER = "5"
SENTENCE = "The service lost its database connection for a moment; please try again in a few seconds."
# Routes whose POST is idempotent, so running it twice is safe.
IDEMPOTENT_POSTS = frozenset({"/stripe/webhook"})


@web.middleware
async def retry_or_unavailable(request: web.Request, handler):
    safe = request.method in ("GET", "HEAD") or request.path in IDEMPOTENT_POSTS
    try:
        return await handler(request)
    except Exception as error:
        if not connection_lost(error):
            raise
        log.warning("%s %s lost its database connection (%s)", request.method, request.path, type(error).__name__)
        if safe:
            await request.read()  # the body is kept, so the handler can read it again
            try:
                return await handler(request)
            except Exception as again:
                if not connection_lost(again):
                    raise
        return _unavailable(request)


def _unavailable(request: web.Request) -> web.Response:
    headers = {"Retry-After": RETRY_AFTER}
    if request.path.startswith("/api/") or request.path.startswith("/stripe/"):
        return web.json_response({"error": "unavailable", "message": SENTENCE}, status=503, headers=headers)
    return web.Response(text=SENTENCE, status=503, headers=headers)
