"""When an event's doors are open, for the live door status and for dating offline scans."""

from datetime import datetime, timedelta

# Doors count as open from two hours before the start until an hour after the end.
OPEN_BEFORE = timedelta(hours=2)
OPEN_AFTER = timedelta(hours=1)
LENGTH_WITHOUT_END = timedelta(hours=6)
# An offline scan may be dated up to this much outside the open doors: scanner clocks drift, and
# doors sometimes open earlier or close later than planned. Beyond it the date is not believed.
OFFLINE_MARGIN = timedelta(hours=2)


def offline_window(starts_at: datetime, ends_at: datetime | None) -> tuple[datetime, datetime]:
    """The earliest and latest time an offline scan for this event may carry."""
    ends_at = ends_at or starts_at + LENGTH_WITHOUT_END
    return starts_at - OPEN_BEFORE - OFFLINE_MARGIN, ends_at + OPEN_AFTER + OFFLINE_MARGIN
