"""What a run measures: Slack commands and scanner calls over HTTP, each with its raw-SQL limit where it has one.

A scenario whose feature has not landed is reported as missing: the server answers its command
with 404 (no listener), or the core function it calls does not exist yet.
"""

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiohttp
import asyncpg

from bench import limits
from bench.dataset import BIG_EVENT, FIRST, LAST, Fixture, Scale, contact_email
from bench.load import Operation, SlackDriver, admit
from core.context import TenantContext
from core.services import Services

SPREAD = 7919  # a prime: request i looks up contact 1 + i * SPREAD % contacts, spread over the table
CAPTURED = 40  # distinct contacts whose card queries are captured for the limit


@dataclass
class Context:
    """Everything scenarios reach: the in-process services, the driven tenant, the HTTP clients."""

    scale: Scale
    fixture: Fixture
    services: Services
    tenant: TenantContext
    http: aiohttp.ClientSession
    slack: SlackDriver
    server: str
    db_url: str
    server_pid: int


LimitFactory = Callable[[Context], Awaitable[Callable[[asyncpg.Pool], Operation]]]


@dataclass(frozen=True)
class Scenario:
    key: str
    title: str
    operation: Callable[[Context], Operation]
    limit: LimitFactory | None = None
    slack: bool = True  # a Slack command (the p99 target applies)
    consumes_tickets: bool = False  # each operation admits one fresh ticket of bench-big


def _answer(pattern: str) -> Callable[[str], bool]:
    compiled = re.compile(pattern)
    return lambda text: compiled.search(text) is not None


def contact_number(ctx: Context, i: int) -> int:
    return 1 + (i * SPREAD) % ctx.scale.contacts


def search_queries(scale: Scale) -> list[str]:
    """Prefixes people type: first names, last names, and the start of an email address."""
    firsts = [name[:3].lower() for name in FIRST[:6]]
    lasts = [name[:4].lower() for name in LAST[:4]]
    emails = [f"c{1 + (n * SPREAD) % scale.contacts}"[:4] for n in range(1, 5)]
    return [*firsts, *lasts, *emails]


# ----- /event show -------------------------------------------------------------------------


def event_show(ctx: Context) -> Operation:
    expect = _answer("The Big Bench Gala")
    return lambda i: ctx.slack.command("/event", f"show {BIG_EVENT}", expect)


async def event_show_limit(ctx: Context):
    from core.events import stats

    script = await limits.capture(ctx.services, lambda: stats.event_report(ctx.services, ctx.tenant, slug=BIG_EVENT))
    return lambda pool: lambda i: limits.replay(pool, script)


# ----- /contact find and show ----------------------------------------------------------------


def contact_find(ctx: Context) -> Operation:
    queries = search_queries(ctx.scale)
    expect = _answer(r"^[1-9]\d* contacts for ")
    return lambda i: ctx.slack.command("/contact", f"find {queries[i % len(queries)]}", expect)


async def contact_find_limit(ctx: Context):
    from core.crm import contacts

    scripts = [
        await limits.capture(ctx.services, lambda q=q: contacts.find_contacts(ctx.services, ctx.tenant, query=q))
        for q in search_queries(ctx.scale)
    ]
    return lambda pool: lambda i: limits.replay(pool, scripts[i % len(scripts)])


def contact_show(ctx: Context) -> Operation:
    def show(i: int):
        email = contact_email(ctx.scale, contact_number(ctx, i))
        return ctx.slack.command("/contact", f"show {email}", lambda text: f"({email})" in text)

    return show


async def contact_show_limit(ctx: Context):
    from core.crm import card as contact_card

    scripts = [
        await limits.capture(
            ctx.services,
            lambda n=n: contact_card.contact_card(ctx.services, ctx.tenant, email=contact_email(ctx.scale, contact_number(ctx, n))),
        )
        for n in range(CAPTURED)
    ]
    return lambda pool: lambda i: limits.replay(pool, scripts[i % len(scripts)])


# ----- /sell, check-in, /digest now ------------------------------------------------------------


def sell(ctx: Context) -> Operation:
    expect = _answer(r"^Order \S+ held")

    def one(i: int):
        email = contact_email(ctx.scale, contact_number(ctx, i))
        return ctx.slack.command("/sell", f"{BIG_EVENT} ga email={email}", expect)

    return one


def checkin(ctx: Context) -> Operation:
    codes, token = ctx.fixture.codes, ctx.fixture.door_token
    return lambda i: admit(ctx.http, ctx.server, token, codes[i])


async def checkin_limit(ctx: Context):
    codes, token = ctx.fixture.codes, ctx.fixture.door_token
    return lambda pool: lambda i: limits.raw_checkin(pool, token, codes[i])


def digest_now(ctx: Context) -> Operation:
    expect = _answer(r"^Posting the ")
    return lambda i: ctx.slack.command("/digest", "now", expect)


SCENARIOS = (
    Scenario("event_show", f"/event show {BIG_EVENT}", event_show, event_show_limit),
    Scenario("contact_find", "/contact find PREFIX", contact_find, contact_find_limit),
    Scenario("contact_show", "/contact show EMAIL", contact_show, contact_show_limit),
    Scenario("sell", "/sell bench-big ga (one ticket type)", sell),
    Scenario("checkin", "POST /api/v1/checkins", checkin, checkin_limit, slack=False, consumes_tickets=True),
    Scenario("digest_now", "/digest now", digest_now),
)
