"""GET and POST /u/{token}: one-click unsubscribe from campaigns (RFC 8058), idempotent, tenant named by the token."""

from aiohttp import web

from bot.ratelimit import credential_key, limits, too_many_requests
from bot.server import SERVICES
from core.crm import unsubscribe

HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
                               "frame-ancestors 'none'",
}


async def unsubscribe_page(request: web.Request) -> web.Response:
    """The link in every campaign email (GET), and mail clients' one-click POST to the same URL."""
    services = request.app[SERVICES]
    token = request.match_info["token"]
    if (retry_after := limits(request).check_link(request, f"unsubscribe:{credential_key(token)}")) is not None:
        return too_many_requests(retry_after, html=True)
    result = await unsubscribe.unsubscribe(services, token)
    if result is None:
        limits(request).refused(request)
    html = services.templates.get_template("web/unsubscribe.html.j2").render(result=result)
    return web.Response(text=html, status=200 if result else 404, content_type="text/html", headers=HEADERS)


def register(app: web.Application) -> None:
    app.router.add_get("/u/{token}", unsubscribe_page)
    app.router.add_post("/u/{token}", unsubscribe_page)
