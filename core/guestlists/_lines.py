"""Reading what people type for a guest: `+2` companions, and the pasted lines of an import."""

import re
from dataclasses import dataclass

from core.crm.contacts import normalize_email
from core.errors import Invalid
from core.text.names import clean_name
from db.models.guestlists import MAX_COMPANIONS

MAX_IMPORT_LINES = 500
MAX_GUEST_NAME = 120
_PLUS = re.compile(r"^\+\s*(\d{1,3})$")


@dataclass(frozen=True)
class GuestLine:
    name: str
    email: str | None
    companions: int


def companions(value: int | str | None) -> int:
    """`+2`, `2` or nothing (0), within 0 to the most a list allows."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    text = str(value).strip()
    match = _PLUS.match(text) or re.fullmatch(r"(\d{1,3})", text)
    if match is None:
        raise Invalid(f"Write companions as +N, like +2, not “{text}”.", field="companions")
    number = int(match.group(1))
    if number > MAX_COMPANIONS:
        raise Invalid(f"A guest brings at most +{MAX_COMPANIONS}; split a bigger group into several names.", field="companions")
    return number


def guest_name(value: str | None) -> str:
    return clean_name(value, field="name", limit=MAX_GUEST_NAME)


def read_lines(text: str | None) -> list[GuestLine]:
    """One guest per non-blank line: `Name, email, +N` (email and +N optional, in either order)."""
    rows = [line for line in (text or "").splitlines() if line.strip()]
    if not rows:
        raise Invalid("Paste one guest per line, like “Anna Smith, anna@example.com, +1”.", field="lines")
    if len(rows) > MAX_IMPORT_LINES:
        raise Invalid(f"Import at most {MAX_IMPORT_LINES} names at once; this has {len(rows)}.", field="lines")
    return [_line(number, row) for number, row in enumerate(rows, 1)]


def _line(number: int, row: str) -> GuestLine:
    name, *rest = [part.strip() for part in row.split(",")]
    email, extra = None, 0
    try:
        for part in rest:
            if not part:
                continue
            if "@" in part and email is None:
                email = normalize_email(part)
            elif _PLUS.match(part):
                extra = companions(part)
            else:
                raise Invalid(f"“{part}” is neither an email nor +N.")
        return GuestLine(guest_name(name), email, extra)
    except Invalid as error:
        raise Invalid(f"Line {number} (“{row.strip()}”): {error.message}", field="lines", line=number) from None
