"""Headers every response gets at the edge: no version banner, and a strict policy on every HTML page.

A route may set its own Content-Security-Policy (the scanner page runs its inline script with a
nonce, the ticket page shows an inline QR code); the defaults below fill in whatever it left out.
The default allows Slack's "Add to Slack" button image, which Bolt's install page shows.
"""

from aiohttp import web

SERVER = "EventOS"
HTML_DEFAULTS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data: https://platform.slack-edge.com; base-uri 'none'; "
                               "form-action 'self'; frame-ancestors 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: runs for every response, errors and Bolt's install pages included."""
    response.headers["Server"] = SERVER
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if response.content_type == "text/html":
        for name, value in HTML_DEFAULTS.items():
            response.headers.setdefault(name, value)


def install(app: web.Application) -> None:
    app.on_response_prepare.append(add_security_headers)
