"""Escaping and small formatting helpers shared by every view."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from jinja2 import Environment

from core.money import amounts
from core.money.amounts import Money
from core.sales.totals import Totals
from core.services import build_templates
from core.time.local_time import wall_clock


@dataclass(frozen=True)
class Words:
    """A message as Slack shows it: the text (the notification, and the message when there are no blocks)."""

    text: str
    blocks: list[dict[str, Any]] | None = None


@cache
def _templates() -> Environment:
    return build_templates()


def slack_template(template: str, /, **context: Any) -> str:
    """templates/slack/`template` rendered, without the blank lines around it."""
    return _templates().get_template(f"slack/{template}").render(**context).strip()


def escape(value: object) -> str:
    """Make user-supplied text inert in mrkdwn: no mentions, links or <!channel> pings."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quoted(value: str, limit: int = 60) -> str:
    """What someone typed, escaped and cut to `limit` characters, for repeating it back in a sentence."""
    text = str(value)
    return escape(text if len(text) <= limit else text[:limit] + "…")


def money(cents: int, currency: str) -> str:
    """`25.00 EUR`, `3,000 JPY`: in the currency's own decimals."""
    return amounts.format_amount(cents, currency)


def sums(per_currency: tuple[Money, ...], currency: str) -> str:
    """Amounts in several currencies side by side, never added: `120.00 EUR + 30.00 USD` (`0.00` in `currency` for none)."""
    return amounts.format_amounts(per_currency, currency)


def takings(totals: Totals | tuple[Totals, ...] | list[Totals]) -> str:
    """Net, then gross and refunds: how every card shows money taken (core.sales.totals), one currency after another."""
    if not isinstance(totals, Totals):
        return "; ".join(takings(t) for t in totals) or "—"
    c = totals.currency
    return f"*{money(totals.net_cents, c)} net* ({money(totals.gross_cents, c)} gross − {money(totals.refunded_cents, c)} refunded)"


def local_time(at: datetime | None, timezone: str) -> str:
    """`Sat 05 Dec 2026, 18:30 CET`: in the zone the time belongs to (an event's own, for anything about it), named."""
    return "—" if at is None else wall_clock(at, timezone)


def clock(at: datetime | None, timezone: str) -> str:
    """`18:30 CET`: the time of day only, in that zone, named."""
    return "—" if at is None else wall_clock(at, timezone, "%H:%M")


def section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:3000]}]}


def header(text: str) -> dict:
    return {"type": "header", "text": {"type": "plain_text", "text": text[:150], "emoji": True}}


def fields(pairs: list[tuple[str, str]]) -> dict:
    return {"type": "section", "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{v}"[:2000]} for k, v in pairs[:10]]}


def divider() -> dict:
    return {"type": "divider"}
