"""The daily digest as a Slack message: Jinja2 templates rendered to mrkdwn, cut into Block Kit sections.

core states the digest's facts (core.digests.notices.Digest) and the outbox stores them; the words are
chosen here when the message is sent. It needs only plain section, divider and context blocks.
"""

from dataclasses import replace
from datetime import date, datetime

from bot.text import Words, escape, slack_template
from core.digests.reports import PACE_DAYS, SLOT, CheckinDigest, SalesDigest, sparkline
from core.money import amounts
from core.money.amounts import Money
from core.digests.notices import Digest
from core.time.local_time import in_zone, zone_name

SECTION_LIMIT = 3000
MOST_BLOCKS = 50
LIST_LIMIT = 15


def day_label(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def period_label(day: date, so_far: datetime | None = None) -> str:
    """`on Sun 29 Mar`, or for a day still running `today so far (Sun 29 Mar, to 14:10 CEST)`."""
    if so_far is None:
        return f"on {day_label(day)}"
    return f"today so far ({day_label(day)}, to {so_far:%H:%M} {zone_name(so_far)})"


def digest(notice: Digest) -> Words:
    """One message with the sales and/or check-in digest, then the upcoming events' sell-through.

    A quiet day is a single line, still followed by the upcoming events. `so_far` (the time the digest
    was made) marks a digest of today, which is still running. Times are shown in the account's zone.
    """
    sales, checkins = notice.sales, notice.checkins
    late = in_zone(notice.late, notice.timezone) if notice.late else None
    so_far = in_zone(notice.so_far, notice.timezone) if notice.so_far else None
    helpers = _helpers(notice.currency)
    period = period_label((sales or checkins).day, so_far)
    parts = []
    if sales is not None:
        parts.append(_template("digest_sales.md.j2", _shortened(sales), helpers, period))
    if checkins is not None:
        parts.append(_template("digest_checkins.md.j2", _local(checkins), helpers, period))
    quiet = all(not d.has_activity for d in (sales, checkins) if d is not None)
    if quiet and len(parts) > 1:
        parts = [f":zzz: No sales or check-in activity {period}."]
    # The notification text: each digest's headline.
    text = "\n".join(part.split("\n", 1)[0] for part in parts)
    if sales is not None and sales.upcoming:
        parts.append(slack_template("digest_upcoming.md.j2", upcoming=sales.upcoming, **helpers))
    blocks: list[dict] = []
    if late is not None:
        blocks.append(_context(
            f":hourglass_flowing_sand: Sent late: this digest was due at {late:%H:%M} {zone_name(late)} on "
            f"{day_label(late.date())}, "
            "when EventOS could not send it."
        ))
    for n, part in enumerate(parts):
        if n:
            blocks.append({"type": "divider"})
        blocks += [_section(p) for p in _paragraphs(part)]
    if late is not None:
        text = "(Sent late) " + text
    return Words(text=text, blocks=blocks[:MOST_BLOCKS])


def _template(name: str, facts: SalesDigest | CheckinDigest, helpers: dict, period: str) -> str:
    return slack_template(name, digest=facts, period=period, **helpers)


def _shortened(sales: SalesDigest) -> SalesDigest:
    """At most LIST_LIMIT events listed, so the message stays within Slack's block limits."""
    return replace(sales, events=sales.events[:LIST_LIMIT])


def _local(checkins: CheckinDigest) -> CheckinDigest:
    """Each event's busiest quarter hour in the event's own zone (stored facts keep only its UTC offset)."""
    return replace(checkins, events=tuple(
        replace(e, busiest=(in_zone(e.busiest[0], e.timezone), e.busiest[1])) if e.busiest else e
        for e in checkins.events
    ))


def _helpers(currency: str) -> dict:
    """Template helpers; money is a sum per currency (or minor units and their currency), never one added-up number."""

    def money(value: tuple[Money, ...] | int, in_currency: str | None = None) -> str:
        if isinstance(value, int):
            return amounts.format_amount(value, in_currency or currency)
        return amounts.format_amounts(value, currency)

    def change(now: int, before: int) -> str:
        return f"+{now - before}" if now > before else (f"−{before - now}" if now < before else "±0")

    def change_money(now: tuple[Money, ...], before: tuple[Money, ...]) -> str:
        """`+130.00 EUR (+200%)`, and per currency when there are several (`+130.00 EUR (+200%) · −5.00 USD (−10%)`)."""
        return " · ".join(_change_in(cents_now, cents_before, code) for code, cents_now, cents_before in _aligned(now, before))

    def _change_in(now: int, before: int, code: str) -> str:
        if now == before:
            return f"±{amounts.format_amount(0, code)}"
        sign = "+" if now > before else "−"
        share = f" ({sign}{abs(now - before) * 100 // before}%)" if before else ""
        return f"{sign}{amounts.format_amount(abs(now - before), code)}{share}"

    def versus(now: int, average: float) -> str:
        if not average:
            return "above nothing" if now else "level"
        percent = round(100 * (now - average) / average)
        return f"{percent:+d}%".replace("-", "−") if percent else "level"

    def average_money(week: tuple[Money, ...], now: tuple[Money, ...]) -> str:
        """A day of the PACE_DAYS days' revenue, in each currency of the week or of the day."""
        return " + ".join(
            amounts.format_amount(round(cents_week / PACE_DAYS), code) for code, _now, cents_week in _aligned(now, week)
        )

    def versus_money(now: tuple[Money, ...], week: tuple[Money, ...]) -> str:
        """The day's revenue against a day of the week's, per currency (named when there are several)."""
        rows = _aligned(now, week)
        if len(rows) == 1:
            _code, cents_now, cents_week = rows[0]
            return versus(cents_now, cents_week / PACE_DAYS)
        return ", ".join(f"{versus(cents_now, cents_week / PACE_DAYS)} in {code}" for code, cents_now, cents_week in rows)

    def _aligned(a: tuple[Money, ...], b: tuple[Money, ...]) -> list[tuple[str, int, int]]:
        """Both sums side by side per currency (the account's alone when both are empty)."""
        left = {m.currency: m.cents for m in a}
        right = {m.currency: m.cents for m in b}
        return [(code, left.get(code, 0), right.get(code, 0)) for code in sorted(left.keys() | right.keys()) or [currency]]

    def count(n: int, noun: str) -> str:
        return f"{n} {noun}" + ("" if n == 1 else "s")

    def when(at: datetime, timezone: str) -> str:
        local = in_zone(at, timezone)
        return f"{day_label(local.date())}, {local:%H:%M} {zone_name(local)}"

    return {
        "money": money, "change": change, "change_money": change_money, "versus": versus, "count": count,
        "average_money": average_money, "versus_money": versus_money,
        "when": when, "date": day_label, "inert": escape, "sparkline": sparkline, "slot": SLOT,
    }


def _paragraphs(markdown: str) -> list[str]:
    """Blank-line separated paragraphs, each cut to fit one section (at line ends when possible)."""
    pieces: list[str] = []
    for paragraph in (p.strip() for p in markdown.split("\n\n")):
        while len(paragraph) > SECTION_LIMIT:
            cut = paragraph.rfind("\n", 0, SECTION_LIMIT)
            cut = cut if cut > 0 else SECTION_LIMIT
            pieces.append(paragraph[:cut])
            paragraph = paragraph[cut:].strip()
        if paragraph:
            pieces.append(paragraph)
    return pieces


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}
