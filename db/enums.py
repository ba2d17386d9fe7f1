"""The values a status (or kind, or result) column may hold: the CHECK constraints and core share these.

Each is a StrEnum, so a member is the string PostgreSQL stores (`OrderStatus.PAID == "paid"`), rows
read back as plain strings compare equal to it, and `tests/db/test_enums.py` checks that each enum
lists exactly the values its column's CHECK constraint allows in the migrated database.
"""

from enum import StrEnum


def sql_values(values: type[StrEnum]) -> str:
    """The enum's values as an SQL list for `column IN (...)`."""
    return "(" + ", ".join(f"'{member.value}'" for member in values) + ")"


class AccountStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


class EventStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class OrderStatus(StrEnum):
    PENDING = "pending"  # held, waiting for payment
    PAID = "paid"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    EXPIRED = "expired"  # the hold lapsed unpaid


class OrderSource(StrEnum):
    SLACK = "slack"
    WEB = "web"  # the public event page


class AttendeeStatus(StrEnum):
    ACTIVE = "active"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"


class TicketStatus(StrEnum):
    VALID = "valid"
    VOID = "void"


class PaymentStatus(StrEnum):
    SUCCEEDED = "succeeded"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"


class CheckinResult(StrEnum):
    ADMITTED = "admitted"
    ALREADY_ADMITTED = "already_admitted"
    UNKNOWN = "unknown"
    WRONG_EVENT = "wrong_event"
    NOT_VALID = "not_valid"  # refunded, cancelled or voided
    CONFLICT = "conflict"  # an offline scan of a ticket admitted meanwhile


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    CANCELLED = "cancelled"
    FAILED = "failed"


class RecipientStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"  # no consent, or unsubscribed


class Channel(StrEnum):
    """How a campaign reaches people, and what a contact consents to."""

    EMAIL = "email"
    SMS = "sms"


class DeliveryStatus(StrEnum):
    """A queued delivery (an outbox message, a ticket email) on the job engine.

    Every queue's status allows `pending` and `sent` too: the engine claims the one and records the other.
    """

    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"  # given up on, and reported


class WaitlistEntryStatus(StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"  # seats held for them, offer emailed
    BOUGHT = "bought"
    LAPSED = "lapsed"  # the offer's hold ended unpaid


class WaitlistOfferStatus(StrEnum):
    """The email of a waitlist offer, on the job engine."""

    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"
    ENDED = "ended"  # not sent: the offer's hold ended first


class DigestKind(StrEnum):
    SALES = "sales"
    CHECKINS = "checkins"
    BOTH = "both"
