"""The ports through which core reaches the outside world; implementations live elsewhere."""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    # core.notices states digests, whose facts come from feature modules that need these ports.
    from core.notices import Notice


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""


@dataclass(frozen=True)
class SlackMessage:
    """A message for a channel: a notice the notifier words, or (rows stored before notices) its words."""

    channel: str
    notice: "Notice | None" = None
    text: str = ""
    blocks: list[dict[str, Any]] | None = None
    thread_ts: str | None = None
    update_ts: str | None = None
    # The delivery key, carried in the message's metadata so an in-doubt post can be found again.
    key: str | None = None


@dataclass(frozen=True)
class Delivered:
    channel: str
    ts: str


class DeliveryError(Exception):
    """The chat platform did not take a message; `retry` says whether trying later may succeed."""

    def __init__(self, reason: str, *, retry: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry


class Notifier(Protocol):
    async def post(self, account_id: Any, message: SlackMessage) -> Delivered:
        """Post (or update, when update_ts is set) a message in the account's workspace; raises DeliveryError."""

    async def find(self, account_id: Any, message: SlackMessage) -> Delivered | None:
        """The message posted earlier under `message.key`, if its channel's recent history (or thread) holds it."""


@dataclass(frozen=True)
class CheckoutLine:
    name: str
    unit_amount: int
    quantity: int


@dataclass(frozen=True)
class Checkout:
    session_id: str
    url: str


@dataclass(frozen=True)
class RefundResult:
    refund_id: str
    amount_cents: int


class InvalidSignature(Exception):
    """A webhook whose signature does not verify (forged, altered or stale)."""


class PaymentProviderError(Exception):
    """The payment provider refused or could not be reached; the message is safe to show."""


class PaymentNotFound(PaymentProviderError):
    """The payment provider has no such object: asking again will not find it."""


@dataclass(frozen=True)
class OrderRef:
    """The account and order a payment names (from the metadata set when its checkout was created)."""

    account_id: uuid.UUID | None
    order_id: uuid.UUID | None


@dataclass(frozen=True)
class PaymentEvent:
    """A verified payment provider event: its id and type, the connected account it came from, and its whole body.

    `body` is kept only to record the event as received; nothing reads fields from it.
    """

    id: str
    type: str
    connected_account: str | None
    body: Mapping[str, Any] = field(repr=False)


@dataclass(frozen=True)
class CheckoutCompleted(PaymentEvent):
    """A Checkout Session completed (or its delayed payment succeeded)."""

    session_id: str
    order: OrderRef
    # False while a delayed payment method (a bank debit) is still on its way.
    paid: bool
    payment_intent: str | None
    amount_total: int
    currency: str | None


@dataclass(frozen=True)
class CheckoutExpired(PaymentEvent):
    """A Checkout Session expired unpaid."""

    session_id: str
    order: OrderRef


@dataclass(frozen=True)
class CheckoutPaymentFailed(PaymentEvent):
    """A Checkout Session's delayed payment failed."""

    session_id: str
    order: OrderRef


@dataclass(frozen=True)
class ChargeRefunded(PaymentEvent):
    """A charge was refunded, in part or in full: `amount_refunded` is the total refunded so far."""

    payment_intent: str | None
    order: OrderRef
    amount: int
    amount_refunded: int
    currency: str | None


@dataclass(frozen=True)
class Unhandled:
    """A verified event of a type EventOS does not act on (or a body that is not an event at all)."""

    type: str | None


@dataclass(frozen=True)
class Unreadable:
    """A verified event of a handled type whose body does not have the shape that type has."""

    id: str | None
    type: str


WebhookEvent = CheckoutCompleted | CheckoutExpired | CheckoutPaymentFailed | ChargeRefunded | Unhandled | Unreadable


class PaymentGateway(Protocol):
    async def create_checkout(
        self, *, order_id: str, account_id: str, reference: str, currency: str, lines: list[CheckoutLine],
        customer_email: str, success_url: str, cancel_url: str, expires_at: datetime,
        connected_account: str | None,
    ) -> Checkout: ...

    async def expire_checkout(self, session_id: str, *, connected_account: str | None) -> str:
        """Expire an open Checkout Session; return its final status (`expired` or `complete`)."""

    async def refund(
        self, *, payment_intent: str, amount_cents: int | None, idempotency_key: str,
        connected_account: str | None,
    ) -> RefundResult: ...

    async def payment_order(self, payment_intent: str, *, connected_account: str | None) -> OrderRef:
        """The account and order a PaymentIntent was made for (names the order of a refunded charge)."""

    def parse_webhook(self, payload: bytes, signature: str) -> WebhookEvent:
        """Verify the signature (timestamp within tolerance either way) and read the event; raises InvalidSignature."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str
    content_id: str | None = None


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str
    html: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    attachments: tuple[Attachment, ...] = ()
    # The delivery's stable key: its Message-ID is made from it, so a resend carries the same one.
    key: str | None = None


class SendError(Exception):
    """A mail server or SMS provider did not take a message.

    `retry`: it surely did not get through and trying later may succeed (a 4xx answer, no
    connection). `maybe_sent`: the connection broke after the message was handed over, so it may
    have got through; at-most-once senders must not send it again.
    """

    def __init__(self, reason: str, *, retry: bool, maybe_sent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry and not maybe_sent
        self.maybe_sent = maybe_sent


class Mailer(Protocol):
    delivers: bool  # False for the local mailbox: nothing leaves the machine, and answers say so

    async def send(self, email: Email) -> None:
        """Hand one message to the mail server; raises SendError when it is refused."""

    async def send_many(self, emails: list[Email]) -> list[Exception | None]:
        """Send a batch over reused connections; one result per message, None when accepted."""


class SmsSender(Protocol):
    async def send(self, to: str, body: str) -> str:
        """Send one SMS and return the provider's message id; raises SendError when it is refused."""
