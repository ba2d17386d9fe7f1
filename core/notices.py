"""Notices: what core tells a team's channel, as typed facts; each transport chooses the words.

core states a notice (names as people typed them, counts, amounts in minor units with their
currency, aware times with the zone to show them in) and the outbox stores it as its kind and
its facts in JSON. The Slack notifier words it when it sends (bot/notices.py), so a message
waiting in the outbox can have its facts revised, and the words can change without touching core.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, ClassVar

from pydantic import TypeAdapter

from core.errors import NextStep


class Notice:
    """A notice's kind names it in the outbox; it never changes once rows carry it.

    Every subclass is registered in KINDS by its kind; a feature may declare its own (the digest's
    is in core/digests/notices.py, next to the report it states).
    """

    kind: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("kind") in KINDS:
            raise TypeError(f"two notices are of kind {cls.kind!r}")
        KINDS[cls.__dict__["kind"]] = cls


KINDS: dict[str, type[Notice]] = {}


@dataclass(frozen=True)
class _Sale:
    """What every notice of a sale states: the order, what it bought, and how full its event is now."""

    event: str
    products: str
    quantity: int
    currency: str  # of the order's amount
    reference: str
    sold: int
    capacity: int | None


@dataclass(frozen=True)
class SaleAlert(_Sale, Notice):
    """A sale made in Slack (a card payment, or one marked paid by hand) settled."""

    kind: ClassVar[str] = "sale_alert"
    amount_cents: int
    method: str | None  # stripe, cash, bank, free
    buyer: str | None
    email: str


@dataclass(frozen=True)
class PublicSale(_Sale, Notice):
    """Public orders of one rush on the event page: the latest sale and the rush's running totals."""

    kind: ClassVar[str] = "public_sale"
    total_cents: int
    buyer: str  # a short form of the buyer's name, little of it in a channel
    orders: int  # in this rush, the latest included
    seats: int


@dataclass(frozen=True)
class SoldOut(Notice):
    kind: ClassVar[str] = "sold_out"
    event: str
    sold: int


@dataclass(frozen=True)
class PaidWithoutSeats(Notice):
    """A card payment arrived after its order's hold lapsed and the seats were sold: someone must refund it."""

    kind: ClassVar[str] = "paid_without_seats"
    reference: str
    email: str


@dataclass(frozen=True)
class DoorScan:
    door: str | None  # the door token's name, the user's, or where the scan came from
    at: datetime
    offline: bool


@dataclass(frozen=True)
class CheckinConflict(Notice):
    """One ticket was admitted twice (offline scans that met later); the earlier scan counts."""

    kind: ClassVar[str] = "checkin_conflict"
    event: str
    attendee: str
    ticket_type: str
    code: str
    scans: tuple[DoorScan, ...]  # earliest first
    timezone: str


@dataclass(frozen=True)
class DoorStatus(Notice):
    """The live count at an event's doors, posted once and then updated in place."""

    kind: ClassVar[str] = "door_status"
    event: str
    admitted: int
    sold: int
    recent: int  # admitted in the last 15 minutes
    refused: int
    at: datetime
    timezone: str


@dataclass(frozen=True)
class CampaignReport(Notice):
    """A campaign finished sending, or could not be sent (`reason`)."""

    kind: ClassVar[str] = "campaign_report"
    name: str
    slug: str
    channel: str  # email, sms
    sent: int
    failed: int
    skipped: int
    in_doubt: int
    reason: str | None = None
    # What to do about `reason` (the error's next step and its fields), worded by the transport.
    step: NextStep | None = None
    step_args: dict[str, str] | None = None
    # No mail server was set: the emails went to the local mailbox, not to people.
    stayed_local: bool = False


@cache
def _adapter(cls: type[Notice]) -> TypeAdapter:
    return TypeAdapter(cls)


def to_facts(notice: Notice) -> dict[str, Any]:
    """The notice's facts as JSON values (times in ISO 8601 with their offset)."""
    if KINDS.get(getattr(notice, "kind", "")) is not type(notice):
        raise ValueError(f"{type(notice).__name__} is not a registered notice")
    return _adapter(type(notice)).dump_python(notice, mode="json")


def from_facts(kind: str, facts: dict[str, Any]) -> Notice:
    """The notice of this kind with these facts, as `to_facts` stored them."""
    return _adapter(KINDS[kind]).validate_python(facts)
