"""Names and small numbers people type for events, venues and ticket types."""

import unicodedata

from core.errors import Invalid

MAX_NAME = 120
MAX_CAPACITY = 1_000_000


def clean_name(value: str | None, *, field: str = "name", limit: int = MAX_NAME) -> str:
    """Trimmed, one line, without control characters; Invalid when empty or longer than `limit`."""
    text = "".join(" " if c in "\t\r\n" else c for c in (value or "") if unicodedata.category(c) not in ("Cc", "Cs") or c in "\t\r\n")
    text = " ".join(text.split())
    if not text:
        raise Invalid(f"Give a {field}, for example {field}=\"Summer Gala\".", field=field)
    if len(text) > limit:
        raise Invalid(f"{field} must be at most {limit} characters; this one has {len(text)}.", field=field)
    return text


def storable(value: str) -> bool:
    """Text PostgreSQL can store: no NUL character and no lone surrogate (JSON lets both through)."""
    return "\x00" not in value and not any("\ud800" <= c <= "\udfff" for c in value)


def clean_text(value: str | None, *, field: str, limit: int) -> str | None:
    """Optional free text (an address): trimmed, None when blank, Invalid when too long."""
    text = " ".join((value or "").split())
    if not text:
        return None
    if len(text) > limit:
        raise Invalid(f"{field} must be at most {limit} characters; this one has {len(text)}.", field=field)
    return text


def capacity(value: int | str | None, *, field: str = "capacity") -> int | None:
    """A positive whole number of seats, or None for no limit."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = int(str(value).strip().replace("_", "").replace(",", ""))
    except ValueError:
        raise Invalid(f"{field} must be a whole number of seats like 300, not “{value}”.", field=field) from None
    if number < 1:
        raise Invalid(f"{field} must be at least 1 seat; leave it out for no limit.", field=field)
    if number > MAX_CAPACITY:
        raise Invalid(f"{field} must be at most {MAX_CAPACITY:,} seats.", field=field)
    return number
