"""Writing an export: a header, one row per record, cells safe to open in a spreadsheet.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula by
Excel, LibreOffice and Google Sheets (CSV injection, OWASP); such text is written with a leading
apostrophe, which spreadsheets show as plain text. Numbers and the amounts we format ourselves
are not text from users and stay as they are.
"""

import csv
import io
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO
from zoneinfo import ZoneInfo

from core.money.amounts import exponent

FORMULA_STARTS = frozenset("=+-@\t\r")


class Amount(str):
    """An amount we formatted (`-12.50`): written as is, never neutralised."""


def cell(value: object) -> object:
    """A value as the CSV shows it; text that a spreadsheet would run as a formula is made inert."""
    if value is None:
        return ""
    if isinstance(value, int | float | Amount):
        return value
    text = str(value)
    return "'" + text if text[:1] in FORMULA_STARTS else text


def money(minor: int | None, currency: str) -> Amount:
    """Minor units as major units with the currency's decimals: 2500 EUR → `25.00`."""
    if minor is None:
        return Amount("")
    places = exponent(currency)
    if places == 0:
        return Amount(str(minor))
    sign = "-" if minor < 0 else ""
    whole, fraction = divmod(abs(minor), 10**places)
    return Amount(f"{sign}{whole}.{fraction:0{places}d}")


def local(at: datetime | None, zone: ZoneInfo) -> str:
    """A time as wall-clock time in the export's zone (named in the header)."""
    return "" if at is None else at.astimezone(zone).replace(tzinfo=None).isoformat(" ", "seconds")


@dataclass(frozen=True)
class Written:
    rows: int
    size: int


async def write_csv(out: BinaryIO, header: Sequence[str], rows: AsyncIterator[Sequence[object]]) -> Written:
    """Write UTF-8 CSV (with a BOM, so spreadsheets read accents and emoji right) as the rows arrive."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([cell(h) for h in header])
    count = 0
    async for row in rows:
        writer.writerow([cell(v) for v in row])
        count += 1
    text.flush()
    size = out.tell()
    text.detach()
    return Written(count, size)
