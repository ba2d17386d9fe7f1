"""GET /scan: the door-staff scanner page (plain HTML, inline CSS and JS), and its offline service worker."""

import secrets

from aiohttp import web

from bot.server import SERVICES


def _policy(nonce: str) -> str:
    # The page keeps a bearer token in localStorage: only its own inline code may run.
    return (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self'; "
        "img-src 'self' data:; worker-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )


async def scan_page(request: web.Request) -> web.Response:
    nonce = secrets.token_urlsafe(16)
    html = request.app[SERVICES].templates.get_template("web/scan.html.j2").render(nonce=nonce)
    return web.Response(
        text=html, content_type="text/html",
        headers={
            "Content-Security-Policy": _policy(nonce), "Cache-Control": "no-cache", "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
        },
    )


async def service_worker(request: web.Request) -> web.Response:
    script = request.app[SERVICES].templates.get_template("web/scan-sw.js.j2").render()
    return web.Response(
        text=script, content_type="text/javascript",
        headers={"Cache-Control": "no-cache"},
    )


def register(app: web.Application) -> None:
    app.router.add_get("/scan", scan_page)
    app.router.add_get("/scan-sw.js", service_worker)
