"""Money and dates on the public pages, in the buyer's language (Accept-Language) with Babel."""

from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, get_timezone_location
from babel.numbers import format_currency

from core.money import amounts

DEFAULT = "en"
MOST_LANGUAGES = 8


@cache
def _locale(tag: str) -> Locale | None:
    try:
        return Locale.parse(tag, sep="-")
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def negotiate(accept_language: str | None) -> Locale:
    """The first locale Babel knows among the browser's preferences (by q), else English."""
    ranked = []
    for position, part in enumerate((accept_language or "").split(",")[:MOST_LANGUAGES]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and tag != "*" and len(tag) <= 35:
            ranked.append((-quality, position, tag))
    for _, _, tag in sorted(ranked):
        if (found := _locale(tag)) is not None:
            return found
    return _locale(DEFAULT)


class Formatter:
    """The formatting filters one page uses, bound to its locale."""

    def __init__(self, locale: Locale) -> None:
        self.locale = locale

    def money(self, minor: int, currency: str) -> str:
        """Stored minor units as the buyer writes money: `€25.00`, `25,00 €`, `¥3,000`."""
        return format_currency(minor / 10 ** amounts.exponent(currency), currency, locale=self.locale)

    def when(self, at: datetime, timezone: str) -> str:
        """`Saturday, June 5, 2027, 7:00 PM` in the event's zone."""
        local = at.astimezone(ZoneInfo(timezone))
        return f"{format_date(local, format='full', locale=self.locale)}, {self.time(at, timezone)}"

    def time(self, at: datetime, timezone: str) -> str:
        return format_time(at, format="short", tzinfo=ZoneInfo(timezone), locale=self.locale)

    def zone(self, timezone: str) -> str:
        """The event zone's city in the buyer's language (`Berlin`, `Munich`… as Babel names it)."""
        return get_timezone_location(timezone, locale=self.locale, return_city=True)
