"""Wall-clock times typed by people, read in an IANA zone and turned into UTC, DST-correct.

A time inside a spring-forward gap does not exist and is refused with a sentence. A time in a
fall-back overlap happens twice; it is read as the first occurrence (fold=0, the summer-time
offset), which is what a clock on the wall shows first.
"""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.errors import Invalid

_LOCAL = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]+(\d{1,2})[:.h](\d{2})(?::(\d{2}))?)?$")
EXAMPLE = "2031-07-01 19:00"


def zone(name: str) -> ZoneInfo:
    """The zone for an IANA name, or a sentence saying what to type instead."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # OSError: a folder of zones (`Europe`) or a name longer than a file name can be.
        raise Invalid(
            f"“{name}” is not a time zone; use an IANA name such as Europe/Berlin or America/New_York.",
            field="timezone",
        ) from None


def exists(naive: datetime, tz: ZoneInfo) -> bool:
    """Whether this wall-clock time happens in the zone (False inside a spring-forward gap)."""
    there = naive.replace(tzinfo=tz)
    return there.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == naive


def _gap(naive: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The skipped wall-clock interval [start, end) around a nonexistent time."""
    start = naive.replace(second=0)
    while not exists(start - timedelta(minutes=1), tz):
        start -= timedelta(minutes=1)
    length = naive.replace(tzinfo=tz, fold=1).utcoffset() - naive.replace(tzinfo=tz, fold=0).utcoffset()
    return start, start + abs(length)


def to_utc(naive: datetime, timezone: str, *, field: str) -> datetime:
    """A wall-clock time in `timezone` as an aware UTC datetime; Invalid inside a DST gap."""
    tz = zone(timezone)
    if not exists(naive, tz):
        start, end = _gap(naive, tz)
        raise Invalid(
            f"{field} {naive:%Y-%m-%d %H:%M} does not exist in {timezone}: clocks jump from "
            f"{start:%H:%M} to {end:%H:%M} that night, so pick a time outside that gap.",
            field=field,
        )
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)


def parse(text: str, timezone: str, *, field: str) -> datetime:
    """Read `2031-07-01 19:00` (also `2031-07-01T19:00`) in `timezone`; return it in UTC."""
    m = _LOCAL.match((text or "").strip())
    if not m:
        raise Invalid(f"{field} must be a date and time like {EXAMPLE}, not “{text}”.", field=field)
    year, month, day, hour, minute, second = m.groups()
    if hour is None:
        raise Invalid(f"{field} needs a time too, like {year}-{int(month):02d}-{int(day):02d} 19:00.", field=field)
    try:
        naive = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
    except ValueError:
        raise Invalid(f"{field} “{text}” is not a real date and time; write it like {EXAMPLE}.", field=field) from None
    return to_utc(naive, timezone, field=field)


def local(at: datetime, timezone: str) -> datetime:
    """An aware time as wall-clock time in `timezone` (naive)."""
    return at.astimezone(zone(timezone)).replace(tzinfo=None)


# Showing times: every time shown to someone goes through these, in the zone it belongs to (an
# event's own zone for anything about an event, the account's for the rest), and names that zone.
SHOWN = "%a %d %b %Y, %H:%M"


def in_zone(at: datetime, timezone: str) -> datetime:
    """An aware time as the same instant in `timezone` (aware), for showing it."""
    return at.astimezone(zone(timezone))


def zone_name(local: datetime) -> str:
    """The zone's name at that instant: its abbreviation (CEST, EST), or UTC±hh where it has none."""
    abbreviation = local.tzname() or ""
    return f"UTC{abbreviation}" if abbreviation.startswith(("+", "-")) else abbreviation


def wall_clock(at: datetime, timezone: str, pattern: str = SHOWN) -> str:
    """`at` as wall-clock time in `timezone`, followed by the zone's name: `Fri 10 Apr 2026, 19:00 CEST`."""
    local = in_zone(at, timezone)
    return f"{local.strftime(pattern)} {zone_name(local)}"
