"""Keyset-paging cursors: (time, id) of the last row shown, carried in a button's value."""

import uuid
from datetime import datetime

from core.errors import Invalid, Next


def cursor(at: datetime, row_id: uuid.UUID) -> str:
    return f"{at.isoformat()}~{row_id}"


def read_cursor(value: str, *, stale: str, next_step: Next | None = None) -> tuple[datetime, uuid.UUID]:
    """The (time, id) a cursor names; `stale` is the sentence for one that cannot be read."""
    try:
        at, _, ident = value.partition("~")
        return datetime.fromisoformat(at), uuid.UUID(ident)
    except ValueError:
        raise Invalid(stale, next_step=next_step) from None
