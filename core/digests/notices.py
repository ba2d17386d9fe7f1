"""The digest as a notice: its facts, which the outbox stores and bot words (bot/digests/notices.py)."""

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from core.digests.reports import CheckinDigest, SalesDigest
from core.notices import Notice


@dataclass(frozen=True)
class Digest(Notice):
    """The daily sales and/or check-in digest of a day, shown in the account's zone.

    `so_far` (when it was made) marks a digest of today, still running; `late`, when a late one was due.
    """

    kind: ClassVar[str] = "digest"
    sales: SalesDigest | None
    checkins: CheckinDigest | None
    currency: str
    timezone: str
    late: datetime | None = None
    so_far: datetime | None = None
