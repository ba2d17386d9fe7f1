"""GET and POST /u/{token}: a confirmation page, and the one-click unsubscribe (RFC 8058), idempotent.

A GET changes nothing, so mail scanners that follow links unsubscribe nobody: the page asks, and
its button POSTs to the same URL, as mail clients do with `List-Unsubscribe-Post: One-Click`.
"""

from aiohttp import web

from bot.ratelimit import credential_key, limits, too_many_requests
from bot.server import SERVICES
from core.crm import unsubscribe

HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; "
                               "frame-ancestors 'none'",
}


async def confirm_page(request: web.Request) -> web.Response:
    """The link in every campaign email: who it is from, and a button that unsubscribes."""
    return await _answer(request, unsubscribe.look_up, "found")


async def unsubscribe_now(request: web.Request) -> web.Response:
    """The page's button, and mail clients' one-click POST to the same URL."""
    return await _answer(request, unsubscribe.unsubscribe, "result")


async def _answer(request: web.Request, use_case, shown_as: str) -> web.Response:
    """The preview link answers inertly; a link is rate-limited on its own, and a wrong one counts against the client."""
    token = request.match_info["token"]
    if token == unsubscribe.PREVIEW_TOKEN:
        return _page(request, status=200, preview=True)
    if (retry_after := limits(request).check_link(request, f"unsubscribe:{credential_key(token)}")) is not None:
        return too_many_requests(retry_after, html=True)
    outcome = await use_case(request.app[SERVICES], token)
    if outcome is None:
        limits(request).refused(request)
    return _page(request, status=200 if outcome else 404, **{shown_as: outcome})


def _page(request: web.Request, *, status: int, **context) -> web.Response:
    template = request.app[SERVICES].templates.get_template("web/unsubscribe.html.j2")
    html = template.render({"preview": False, "found": None, "result": None, **context})
    return web.Response(text=html, status=status, content_type="text/html", headers=HEADERS)


def register(app: web.Application) -> None:
    app.router.add_get("/u/{token}", confirm_page)
    app.router.add_post("/u/{token}", unsubscribe_now)
