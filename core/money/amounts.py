"""Amounts people type (`25`, `25.00`, `25,50`) as integer minor units of a currency, and sums kept per currency."""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from core.errors import Invalid

# ISO 4217 exponents that are not 2; every other currency has cents.
ZERO_DECIMAL = frozenset({"JPY", "KRW", "VND", "CLP", "ISK", "HUF", "TWD", "UGX", "XAF", "XOF"})
# products.price_cents is a 32-bit integer.
MAX_MINOR = 2_000_000_000

_AMOUNT = re.compile(r"^(-)?(\d{1,12})(?:[.,](\d+))?$")
_SYMBOLS = "€$£¥₹"


def exponent(currency: str) -> int:
    return 0 if currency.upper() in ZERO_DECIMAL else 2


def parse_amount(text: str | int, currency: str, *, field: str = "price") -> int:
    """Minor units for `text` in `currency`; the currency code or symbol may be typed along."""
    if isinstance(text, int):
        value = text
    else:
        raw = (text or "").strip()
        cleaned = raw.upper().replace(currency.upper(), "").strip(_SYMBOLS + " ")
        if cleaned.lower() in ("free", "0"):
            return 0
        m = _AMOUNT.match(cleaned.replace(" ", ""))
        if not m:
            raise Invalid(f"{field} must be an amount like 25 or 25.00, not “{raw}”.", field=field)
        sign, whole, fraction = m.groups()
        places = exponent(currency)
        fraction = fraction or ""
        if len(fraction) > places:
            allowed = "no decimals" if places == 0 else f"at most {places} decimals"
            raise Invalid(f"{field} in {currency} takes {allowed}, not “{raw}”.", field=field)
        value = int(whole + fraction.ljust(places, "0"))
        if sign:
            value = -value
    if value < 0:
        raise Invalid(f"{field} cannot be negative" + ("; use 0 for a free ticket." if field == "price" else "."), field=field)
    if value > MAX_MINOR:
        raise Invalid(f"{field} is too large; the most a ticket can cost is {format_amount(MAX_MINOR, currency)}.", field=field)
    return value


def format_amount(minor: int, currency: str) -> str:
    """`25.00 EUR`, `3,000 JPY`: for sentences in core errors."""
    places = exponent(currency)
    if places == 0:
        return f"{minor:,} {currency}"
    return f"{minor / 10**places:,.{places}f} {currency}"


@dataclass(frozen=True)
class Money:
    """An amount in minor units of its currency."""

    cents: int
    currency: str


def per_currency(amounts: Iterable[tuple[str, int]]) -> tuple[Money, ...]:
    """Sums of (currency, minor units) per currency, never across two: by currency code, zero sums left out."""
    sums: dict[str, int] = {}
    for currency, cents in amounts:
        sums[currency] = sums.get(currency, 0) + int(cents)
    return tuple(Money(cents, currency) for currency, cents in sorted(sums.items()) if cents)


def format_amounts(sums: Iterable[Money], currency: str) -> str:
    """`1,240.00 EUR + 310.00 USD`: one amount per currency; nothing at all reads `0.00` in `currency`."""
    shown = [format_amount(m.cents, m.currency) for m in sums]
    return " + ".join(shown) if shown else format_amount(0, currency)
