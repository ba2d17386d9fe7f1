"""GET /t/{code}: an attendee's ticket page; GET /checkout/{outcome}: where Stripe Checkout returns."""

from aiohttp import web
from markupsafe import Markup

from bot.ratelimit import credential_key, limits, too_many_requests
from bot.server import SERVICES
from core.sales import tickets

HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; "
                               "form-action 'none'; frame-ancestors 'none'",
}
OUTCOMES = ("paid", "cancelled")


async def ticket_page(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    code = request.match_info["code"]
    if (retry_after := limits(request).check_link(request, f"ticket:{credential_key(code)}")) is not None:
        return too_many_requests(retry_after, html=True)
    page = await tickets.ticket_page(services, code)
    template = services.templates.get_template("web/ticket.html.j2")
    if page is None:
        limits(request).refused(request)
        html = template.render(ticket=None, qr=None)
        return web.Response(text=html, status=404, content_type="text/html", headers=HEADERS)
    # segno writes the SVG from the code alone (letters, digits, a dash): nothing in it is user text.
    html = template.render(ticket=page, qr=Markup(page.qr_svg))
    return web.Response(text=html, content_type="text/html", headers=HEADERS)


async def checkout_return(request: web.Request) -> web.Response:
    outcome = request.match_info["outcome"]
    if outcome not in OUTCOMES:
        raise web.HTTPNotFound()
    services = request.app[SERVICES]
    html = services.templates.get_template("web/checkout.html.j2").render(
        outcome=outcome, reference=request.query.get("order", "")[:16], delivers=services.mailer.delivers,
    )
    return web.Response(text=html, content_type="text/html", headers=HEADERS)


def register(app: web.Application) -> None:
    app.router.add_get("/t/{code}", ticket_page)
    app.router.add_get("/checkout/{outcome}", checkout_return)
