"""Public pages: GET /e/{account} and /e/{account}/{event}, POST /e/{account}/{event} (checkout), order pages.

Server-rendered, usable without JavaScript, escaped by Jinja2's autoescape. Each response carries a
strict Content-Security-Policy (no script at all, styles only by this response's nonce, forms
only to this site and to Stripe Checkout). The checkout form is protected against cross-site
forgery by a token signed for this event and for a random id kept in an HttpOnly, SameSite
cookie of this browser.
"""

import math
import secrets
from urllib.parse import urlsplit

from aiohttp import web

from bot import ratelimit
from bot.server import SERVICES
from bot.storefront import words
from bot.storefront._formatting import Formatter, negotiate
from core.services import Services
from core.storefront import checkout, links, pages, waitlists
from core.storefront.checkout import CheckoutForm, Refused
from core.storefront.handles import event_url, organizer_url
from core.storefront.tokens import new_client_id
from core.storefront.waitlists import WaitlistForm

CLIENT_COOKIE = "eventos_client"
HOLD_LIMITS = web.AppKey("storefront_hold_limits", tuple)
STRIPE_CHECKOUT = "https://checkout.stripe.com"
MAX_CODE_TEXT = 64  # a promo code is at most 40 characters; longer input is cut before anything reads it
# Refused promo codes that look like guessing: they count against the client like wrong credentials.
GUESSED = frozenset({"promo_unknown", "promo_other_event", "promo_malformed"})


def _policy(services: Services, nonce: str) -> str:
    targets = {"'self'", STRIPE_CHECKOUT}
    api = urlsplit(services.settings.stripe_api_base)
    if api.hostname != "api.stripe.com":
        # A Stripe stand-in (tests, local runs) serves its Checkout page at its own address.
        targets.add(f"{api.scheme}://{api.netloc}")
    return (
        f"default-src 'none'; style-src 'nonce-{nonce}'; img-src 'self' data:; base-uri 'none'; "
        f"form-action {' '.join(sorted(targets))}; frame-ancestors 'none'"
    )


def _render(request: web.Request, template: str, *, status: int = 200, **context) -> web.Response:
    services = request.app[SERVICES]
    nonce = secrets.token_urlsafe(16)
    fmt = Formatter(negotiate(request.headers.get("Accept-Language")))
    html = services.templates.get_template(f"web/storefront/{template}").render(nonce=nonce, fmt=fmt, **context)
    return web.Response(text=html, status=status, content_type="text/html", headers={
        "Content-Security-Policy": _policy(services, nonce), "Cache-Control": "no-store",
        "Referrer-Policy": "same-origin", "X-Content-Type-Options": "nosniff", "Vary": "Accept-Language",
    })


def _not_found(request: web.Request) -> web.Response:
    return _render(request, "not_found.html.j2", status=404)


def _client(request: web.Request) -> tuple[str, bool]:
    """This browser's id from its cookie, or a new one (True: set the cookie)."""
    client = request.cookies.get(CLIENT_COOKIE, "")
    return (client, False) if 16 <= len(client) <= 64 else (new_client_id(), True)


def _remember(request: web.Request, response: web.Response, client: str) -> None:
    response.set_cookie(
        CLIENT_COOKIE, client, path="/e/", httponly=True, samesite="Lax", max_age=7 * 24 * 3600,
        secure=request.app[SERVICES].settings.base_url.startswith("https://"),
    )


def _busy(request: web.Request, retry_after: float, back: str) -> web.Response:
    """The clear page a client sees when it is held back (not an error): wait, then try again."""
    response = _render(request, "busy.html.j2", status=429, sentence=words.SENTENCES["too_many"], back=back)
    response.headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
    return response


def _held_back(request: web.Request) -> float | None:
    """Seconds this client must wait before another public page, or None."""
    edge = ratelimit.limits(request)
    return edge.pages_client.check(edge.client(request))


def _hold_held_back(request: web.Request, event_key: str) -> float | None:
    """Seconds before this client may try another checkout, for itself and for the event; or None."""
    per_client, per_event = request.app[HOLD_LIMITS]
    return per_client.check(ratelimit.limits(request).client(request)) or per_event.check(event_key)


async def organizer(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    if (wait := _held_back(request)) is not None:
        return _busy(request, wait, request.path)
    page = await pages.organizer_page(services, request.match_info["account"])
    if page is None:
        return _not_found(request)
    return _render(request, "organizer.html.j2", page=page,
                   url=organizer_url(services, page.organizer.handle),
                   event_url=lambda slug: event_url(services, page.organizer.handle, slug))


async def event(request: web.Request) -> web.Response:
    if (wait := _held_back(request)) is not None:
        return _busy(request, wait, request.path)
    code = request.query.get("code", "").strip()[:MAX_CODE_TEXT]
    if code and (wait := ratelimit.limits(request).blocked(request)) is not None:
        return _busy(request, wait, request.path)
    page = await pages.event_page(request.app[SERVICES], request.match_info["account"], request.match_info["event"],
                                  code=code or None)
    if page is None:
        return _not_found(request)
    client, new = _client(request)
    refused = checkout.promo_refusal(page.code_refusal, code) if page.code_refusal else None
    if refused is not None and refused.code in GUESSED:
        ratelimit.limits(request).refused(request)
    via = links.read_token(request.query.get(links.VIA)) or ""
    response = _event_page(request, page, client, error=refused, code=code, via=via)
    if new:
        _remember(request, response, client)
    return response


def _event_page(request: web.Request, page: pages.PublicEvent, client: str, *, status: int = 200,
                form: CheckoutForm | None = None, error: Refused | None = None, code: str = "",
                via: str = "", waiting: WaitlistForm | None = None) -> web.Response:
    services = request.app[SERVICES]
    chosen = form.ticket if form else next((offer.slug for offer in page.offers if offer.buyable), "")
    return _render(
        request, "event.html.j2", status=status, page=page, form=form, chosen=chosen,
        qty=form.qty if form else "1", url=event_url(services, page.organizer.handle, page.slug),
        code=form.code if form else code, via=(links.read_token(form.via) or "") if form else via,
        organizer_url=organizer_url(services, page.organizer.handle),
        token=checkout.new_form_token(services, page, client) if page.buyable or page.waitlisted else "",
        error=words.sentence(error) if error else None, error_field=error.details.get("field") if error else None,
        waiting=waiting, waiting_error=error is not None and waiting is not None,
    )


async def buy(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    handle, slug = request.match_info["account"], request.match_info["event"]
    if (wait := _hold_held_back(request, f"{handle.lower()}/{slug.lower()}")) is not None:
        return _busy(request, wait, request.path)
    data = await request.post()
    ticket = str(data.get("ticket", ""))
    form = CheckoutForm(
        ticket=ticket, qty=str(data.get(f"qty-{ticket}", data.get("qty", ""))), name=str(data.get("name", "")),
        email=str(data.get("email", "")), phone=str(data.get("phone", "")), consent=data.get("consent") == "yes",
        token=str(data.get("token", "")), code=str(data.get("code", ""))[:MAX_CODE_TEXT],
        via=str(data.get(links.VIA, ""))[:MAX_CODE_TEXT],
    )
    client, _ = _client(request)
    if form.code.strip() and (wait := ratelimit.limits(request).blocked(request)) is not None:
        return _busy(request, wait, request.path)
    try:
        placed = await checkout.check_out(services, handle, slug, form, client=client)
    except Refused as refused:
        if refused.code in GUESSED:
            ratelimit.limits(request).refused(request)
        page = await pages.read_event_page(services, handle.lower(), slug.lower(), code=form.code.strip() or None)
        if page is None:
            return _not_found(request)
        response = _event_page(request, page, client, status=422, form=form, error=refused)
        _remember(request, response, client)
        return response
    raise web.HTTPSeeOther(placed.pay_url or placed.receipt_url)


async def join_waitlist(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    handle, slug = request.match_info["account"], request.match_info["event"]
    if (wait := _hold_held_back(request, f"{handle.lower()}/{slug.lower()}")) is not None:
        return _busy(request, wait, f"/e/{handle}/{slug}")
    data = await request.post()
    form = WaitlistForm(
        ticket=str(data.get("ticket", "")), qty=str(data.get("qty", "")), name=str(data.get("name", "")),
        email=str(data.get("email", "")), consent=data.get("consent") == "yes", token=str(data.get("token", "")),
    )
    client, _ = _client(request)
    try:
        joined = await waitlists.join(services, handle, slug, form, client=client)
    except Refused as refused:
        page = await pages.read_event_page(services, handle.lower(), slug.lower())
        if page is None:
            return _not_found(request)
        response = _event_page(request, page, client, status=422, error=refused, waiting=form)
        _remember(request, response, client)
        return response
    return _render(request, "waitlist_joined.html.j2", joined=joined, email=form.email.strip(),
                   event_url=event_url(services, handle.lower(), slug.lower()))


async def offer(request: web.Request) -> web.Response:
    """GET: the offer a waitlist email links to; POST: buy exactly it."""
    services = request.app[SERVICES]
    handle, slug, key = request.match_info["account"], request.match_info["event"], request.match_info["key"]
    edge = ratelimit.limits(request)
    if (wait := edge.check_page(request, ratelimit.credential_key(key))) is not None:
        return _busy(request, wait, f"/e/{handle}/{slug}")
    refused = None
    if request.method == "POST":
        try:
            target = await waitlists.take(services, handle, slug, key)
        except Refused as refusal:
            refused = refusal
        else:
            if target is not None:
                raise web.HTTPSeeOther(target)
    found = await waitlists.offer_page(services, handle, slug, key)
    if found is None:
        edge.refused(request)
        return _not_found(request)
    status = {"open": 200, "bought": 200, "lapsed": 410}[found.state] if refused is None else 409
    return _render(request, "offer.html.j2", status=status, offer=found, action=request.path,
                   error=words.sentence(refused) if refused else None,
                   event_url=event_url(services, found.organizer.handle, found.order.event_slug))


async def order(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    handle, slug, key = request.match_info["account"], request.match_info["event"], request.match_info["key"]
    edge = ratelimit.limits(request)
    if (wait := edge.check_page(request, ratelimit.credential_key(key))) is not None:
        return _busy(request, wait, f"/e/{handle}/{slug}")
    found = await checkout.receipt(services, handle, slug, key)
    if found is None:
        edge.refused(request)
        return _not_found(request)
    return _render(request, "order.html.j2", order=found.order, delivers=services.mailer.delivers,
                   event_url=event_url(services, found.organizer.handle, found.order.event_slug))


async def qr(request: web.Request) -> web.Response:
    if (wait := _held_back(request)) is not None:
        return _busy(request, wait, request.path.removesuffix("/qr.png"))
    png = await links.qr_png(request.app[SERVICES], request.match_info["account"], request.match_info["event"],
                             via=request.query.get(links.VIA))
    if png is None:
        return _not_found(request)
    return web.Response(body=png, content_type="image/png", headers={"Cache-Control": "public, max-age=3600"})


def register(app: web.Application) -> None:
    settings = app[SERVICES].settings
    app[HOLD_LIMITS] = (ratelimit.RateLimiter(settings.eventos_rate_holds_client),
                        ratelimit.RateLimiter(settings.eventos_rate_holds_event))
    app.router.add_get("/e/{account}", organizer)
    app.router.add_get("/e/{account}/{event}", event)
    app.router.add_post("/e/{account}/{event}", buy)
    app.router.add_get("/e/{account}/{event}/qr.png", qr)
    app.router.add_get("/e/{account}/{event}/orders/{key}", order)
    app.router.add_post("/e/{account}/{event}/waitlist", join_waitlist)
    app.router.add_get("/e/{account}/{event}/offers/{key}", offer)
    app.router.add_post("/e/{account}/{event}/offers/{key}", offer)
