"""The on-sale rush: N buyers against one ticket type of C seats, over HTTP, as the public buys.

For each concurrency a fresh event goes on sale. First its page alone is measured (throughput,
p50, p99). Then every buyer fetches the page and submits its checkout form once: held (a 303 to
Stripe Checkout) or told it sold out (the form's answer, 422, or the page itself once it shows
"Sold out" and no form), never anything else. Then Stripe's
webhook completes a share of the held orders. The run checks that exactly C seats were taken
(none oversold) and that every buyer was answered.
"""

import re
import secrets
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bench.load import Failed, drive, figures
from bench.standins import StripeStandin
from core.events import events, ticket_types
from core.storefront import handles
from db.models import Event, Order

# (buyers, seats) per dataset scale; the rush is 5,000 buyers for 1,000 seats.
SIZES = {"tiny": (300, 60), "small": (2_000, 400), "full": (5_000, 1_000)}
CONCURRENCY = (64, 256)
PAID_SHARE = 0.5  # of the held orders, this share is paid through Stripe's webhook
RUSH_SECONDS = 600.0
TOKEN = re.compile(rb'name="token" value="([^"]+)"')
SOLD_OUT = b"just sold out"
SOLD_OUT_PAGE = b'class="state sold_out">Sold out<'


@dataclass(frozen=True)
class Rush:
    buyers: int
    seats: int


async def measure(ctx, stripe: StripeStandin, *, duration: float, requests: int, say) -> dict:
    """Both concurrencies of the rush; the figures and the checks, as results.json keeps them."""
    buyers, seats = SIZES[ctx.scale.name]
    if requests < buyers:  # --requests caps every scenario: fewer buyers, the same five per seat
        buyers, seats = requests, max(requests * seats // buyers, 1)
    handle = await handles.public_handle(ctx.services, ctx.tenant)
    result = {"title": f"on-sale rush: {buyers:,} buyers, {seats:,} seats", "buyers": buyers, "seats": seats,
              "runs": {}}
    for concurrency in CONCURRENCY:
        slug = await _on_sale(ctx, seats)
        url = f"{ctx.server}/e/{handle}/{slug}"
        pages = await drive(lambda i: _page(ctx, url), concurrency=concurrency, duration=duration, limit=requests)
        run = await _rush(ctx, stripe, url, slug, Rush(buyers, seats), concurrency)
        run["pages"] = pages.to_json()
        result["runs"][str(concurrency)] = run
        holds = run["holds"]
        say(f"  c={concurrency:<3} pages: n={pages.count} p50={pages.p50_ms:.1f} ms p99={pages.p99_ms:.1f} ms "
            f"{pages.per_second:.0f}/s · holds: p50={holds['p50_ms']:.1f} ms p99={holds['p99_ms']:.1f} ms "
            f"{holds['per_second']:.0f}/s · held {run['held']}, sold {run['sold']}, sold out {run['sold_out']}, "
            f"errors {run['errors']} · seats taken {run['seats_taken']} of {seats}"
            + ("" if run["ok"] else "  NOT OK"))
    result["ok"] = all(run["ok"] for run in result["runs"].values())
    return result


async def _on_sale(ctx, seats: int) -> str:
    """A new published event with one ticket type of `seats` seats, through the use cases organizers use."""
    starts = (datetime.now(UTC) + timedelta(days=30)).astimezone(ZoneInfo(ctx.tenant.timezone))
    event = await events.create_event(ctx.services, ctx.tenant, name=f"Rush {secrets.token_hex(3)}",
                                      starts=f"{starts:%Y-%m-%d} 20:00", capacity=seats)
    await ticket_types.add_ticket_type(ctx.services, ctx.tenant, event=event.slug, name="General admission", price="25",
                                  capacity=seats)
    await events.publish_event(ctx.services, ctx.tenant, slug=event.slug)
    return event.slug


async def _page(ctx, url: str) -> float:
    started = time.perf_counter()
    async with ctx.http.get(url) as response:
        await response.read()
    if response.status != 200:
        raise Failed(f"the event page answered HTTP {response.status}")
    return time.perf_counter() - started


async def _rush(ctx, stripe: StripeStandin, url: str, slug: str, rush: Rush, concurrency: int) -> dict:
    outcomes: Counter[str] = Counter()
    holds: list[float] = []
    sessions: list[str] = []

    async def buyer(i: int) -> float:
        started = time.perf_counter()
        async with ctx.http.get(url) as page:
            body = await page.read()
            cookie = page.cookies.get("eventos_client")
        token = TOKEN.search(body)
        if page.status == 200 and token is None and SOLD_OUT_PAGE in body:
            outcomes["sold_out"] += 1  # the page itself says so, and offers no form
            return time.perf_counter() - started
        if page.status != 200 or token is None or cookie is None:
            raise Failed(f"the event page answered HTTP {page.status} without a form")
        form = {"token": token[1].decode(), "ticket": "general-admission", "qty-general-admission": "1",
                "name": f"Rush Buyer {i}", "email": f"rush{i}.{secrets.token_hex(2)}@example.com"}
        posted = time.perf_counter()
        async with ctx.http.post(url, data=form, allow_redirects=False,
                                 headers={"Cookie": f"eventos_client={cookie.value}"}) as answer:
            text = await answer.read()
            location = answer.headers.get("Location", "")
        holds.append(time.perf_counter() - posted)
        if answer.status == 303 and "/c/pay/" in location:
            outcomes["held"] += 1
            sessions.append(location.rsplit("/", 1)[-1])
        elif answer.status == 422 and SOLD_OUT in text:
            outcomes["sold_out"] += 1
        else:
            raise Failed(f"a buyer was answered HTTP {answer.status}: {text[:160]!r}")
        return time.perf_counter() - started

    total = await drive(buyer, concurrency=concurrency, duration=RUSH_SECONDS, limit=rush.buyers)
    hold_figures = figures(holds, total.errors, total.seconds)
    sold = await _pay(ctx, stripe, sessions[: int(len(sessions) * PAID_SHARE)])
    taken, orders = await _taken(ctx, slug)
    answered = outcomes["held"] + outcomes["sold_out"]
    return {
        "buyers": total.to_json(), "holds": hold_figures.to_json(), "held": outcomes["held"], "sold": sold,
        "sold_out": outcomes["sold_out"], "errors": total.errors, "error_sample": total.error_sample,
        "seats_taken": taken, "orders_holding": orders, "oversold": max(taken - rush.seats, 0),
        "ok": taken == rush.seats == orders and answered == rush.buyers and total.errors == 0,
    }


async def _pay(ctx, stripe: StripeStandin, sessions: list[str]) -> int:
    """Deliver Stripe's completion webhook for each session; how many the server applied."""
    applied = 0
    for session_id in sessions:
        body, signature = stripe.completed(session_id)
        async with ctx.http.post(f"{ctx.server}/stripe/webhook", data=body,
                                 headers={"Stripe-Signature": signature, "Content-Type": "application/json"}) as answer:
            applied += answer.status == 200 and (await answer.json()).get("outcome") == "applied"
    return applied


async def _taken(ctx, slug: str) -> tuple[int, int]:
    """Seats the event counts as taken, and seats its pending and paid orders hold."""
    async with ctx.services.db.tenant(ctx.tenant.account_id) as session:
        event = (await session.execute(select(Event.id, Event.sold).where(Event.slug == slug))).one()
        holding = (
            await session.execute(
                select(func.coalesce(func.sum(Order.quantity), 0))
                .where(Order.event_id == event.id, Order.status.in_(("pending", "paid")))
            )
        ).scalar_one()
    return event.sold, int(holding)
