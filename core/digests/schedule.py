"""When a daily digest runs: a wall-clock time in the account's zone, turned into UTC instants, DST-correct.

A time inside a spring-forward gap (02:30 on the night clocks jump from 02:00 to 03:00) does not
happen that day: the digest runs at the first valid instant after it, when the clocks jump. A time
in a fall-back overlap happens twice: the digest runs at the first of the two, once.
"""

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.errors import Invalid
from core.time.local_time import exists, zone

DEFAULT_AT = time(9, 0)
_AT = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?$")


def parse_at(text: str | None) -> time:
    """`09:00`, `9:30`, `18h15` or `7` as a time of day; Invalid with a sentence otherwise."""
    if text is None or not text.strip():
        return DEFAULT_AT
    m = _AT.match(text.strip().lower())
    hour, minute = (int(m.group(1)), int(m.group(2) or 0)) if m else (24, 0)
    if hour > 23 or minute > 59:
        raise Invalid(f"at must be a time of day like 09:00 or 18:30, not “{text.strip()}”.", field="at")
    return time(hour, minute)


def occurrence(day: date, at: time, timezone: str) -> datetime:
    """The UTC instant the digest of `day` runs: `at` on that day, or the first instant after a DST gap."""
    tz = zone(timezone)
    naive = datetime.combine(day, at)
    if exists(naive, tz):
        return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    return _gap_end(naive, tz)


def next_run(at: time, timezone: str, *, after: datetime) -> datetime:
    """The first run strictly after `after`."""
    today = after.astimezone(zone(timezone)).date()
    for offset in range(-1, 3):
        run = occurrence(today + timedelta(days=offset), at, timezone)
        if run > after:
            return run
    raise AssertionError("a daily time always happens within two days")


def latest_run(at: time, timezone: str, *, upto: datetime) -> tuple[date, datetime]:
    """The last run at or before `upto`, with the local date it belongs to."""
    today = upto.astimezone(zone(timezone)).date()
    for offset in range(1, -3, -1):
        day = today + timedelta(days=offset)
        run = occurrence(day, at, timezone)
        if run <= upto:
            return day, run
    raise AssertionError("a daily time always happens within two days")


def _gap_end(naive: datetime, tz: ZoneInfo) -> datetime:
    """The instant clocks jump over `naive`: the first instant whose wall-clock time is past it."""
    # Read with the offsets before and after the jump, `naive` brackets the transition instant.
    low, high = sorted(naive.replace(tzinfo=tz, fold=f).astimezone(UTC) for f in (0, 1))
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).replace(tzinfo=None) < naive:
            low = middle
        else:
            high = middle
    return high.replace(microsecond=0)
