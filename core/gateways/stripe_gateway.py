"""Stripe through the official library: Checkout Sessions, refunds and webhook verification."""

import json
import logging
import time
import uuid
from datetime import datetime
from typing import Any

import stripe

from core.ports import (
    ChargeRefunded,
    Checkout,
    CheckoutCompleted,
    CheckoutExpired,
    CheckoutLine,
    CheckoutPaymentFailed,
    InvalidSignature,
    OrderRef,
    PaymentNotFound,
    PaymentProviderError,
    RefundResult,
    Unhandled,
    Unreadable,
    WebhookEvent,
)

log = logging.getLogger("eventos.stripe")

# Stripe signs each delivery with its time; one outside this many seconds either way is refused.
WEBHOOK_TOLERANCE = 300


def _options(idempotency_key: str | None, connected_account: str | None) -> Any:
    options: dict[str, str] = {}
    if idempotency_key:
        options["idempotency_key"] = idempotency_key
    if connected_account:
        options["stripe_account"] = connected_account
    return options


def _failure(action: str, error: stripe.StripeError) -> PaymentProviderError:
    log.warning("stripe %s failed: %s (%s)", action, error.code or type(error).__name__, error.http_status)
    detail = (error.user_message or "").rstrip(".") or "it did not answer"
    return PaymentProviderError(f"Stripe could not {action}: {detail}.")


class StripeGateway:
    """The PaymentGateway port on Stripe (`StripeClient`, async over aiohttp, retried by the library)."""

    def __init__(self, api_key: str, webhook_secret: str | None, *, api_base: str) -> None:
        self._http = stripe.AIOHTTPClient()
        self._client = stripe.StripeClient(
            api_key, base_addresses={"api": api_base.rstrip("/")}, http_client=self._http, max_network_retries=2,
        )
        self._webhook_secret = webhook_secret

    async def create_checkout(
        self, *, order_id: str, account_id: str, reference: str, currency: str, lines: list[CheckoutLine],
        customer_email: str, success_url: str, cancel_url: str, expires_at: datetime,
        connected_account: str | None,
    ) -> Checkout:
        metadata = {"account_id": account_id, "order_id": order_id, "reference": reference}
        params: Any = {
            "mode": "payment",
            "currency": currency.lower(),
            "line_items": [
                {
                    "price_data": {
                        "currency": currency.lower(),
                        "unit_amount": line.unit_amount,
                        "product_data": {"name": line.name},
                    },
                    "quantity": line.quantity,
                }
                for line in lines
            ],
            "client_reference_id": order_id,
            "metadata": metadata,
            # Copied onto the PaymentIntent and its charges, so refund events name the order too.
            "payment_intent_data": {"metadata": metadata, "description": f"Order {reference}"},
            "customer_email": customer_email,
            "expires_at": int(expires_at.timestamp()),
            "success_url": success_url,
            "cancel_url": cancel_url,
        }
        try:
            # The key is the order's: a retried sale (or a crash between Stripe and our commit)
            # gets the same session back instead of a second one.
            session = await self._client.v1.checkout.sessions.create_async(
                params, _options(f"order:{order_id}:checkout", connected_account)
            )
        except stripe.StripeError as error:
            raise _failure("create the payment link", error) from error
        return Checkout(session_id=session.id, url=session.url or "")

    async def expire_checkout(self, session_id: str, *, connected_account: str | None) -> str:
        options = _options(None, connected_account)
        try:
            await self._client.v1.checkout.sessions.expire_async(session_id, options=options)
            return "expired"
        except stripe.InvalidRequestError:
            # Not open any more: it was paid or it expired on its own.
            try:
                session = await self._client.v1.checkout.sessions.retrieve_async(session_id, options=options)
            except stripe.StripeError as error:
                raise _failure("look up the payment link", error) from error
            return str(session.status)
        except stripe.StripeError as error:
            raise _failure("expire the payment link", error) from error

    async def refund(
        self, *, payment_intent: str, amount_cents: int | None, idempotency_key: str,
        connected_account: str | None,
    ) -> RefundResult:
        params: Any = {"payment_intent": payment_intent}
        if amount_cents is not None:
            params["amount"] = amount_cents
        try:
            refund = await self._client.v1.refunds.create_async(params, _options(idempotency_key, connected_account))
        except stripe.StripeError as error:
            raise _failure("refund the payment", error) from error
        return RefundResult(refund_id=refund.id, amount_cents=int(refund.amount))

    async def payment_order(self, payment_intent: str, *, connected_account: str | None) -> OrderRef:
        try:
            intent = await self._client.v1.payment_intents.retrieve_async(
                payment_intent, options=_options(None, connected_account)
            )
        except stripe.InvalidRequestError as error:
            if error.http_status == 404:
                raise PaymentNotFound(f"Stripe has no payment {payment_intent!r}.") from error
            raise _failure("look up the payment", error) from error
        except stripe.StripeError as error:
            raise _failure("look up the payment", error) from error
        return _order_ref(intent.metadata.to_dict() if intent.metadata else {})

    def parse_webhook(self, payload: bytes, signature: str) -> WebhookEvent:
        """The verified event, typed (a body of any other shape is Unhandled or Unreadable); InvalidSignature otherwise.

        Stripe's check bounds only the past; a timestamp from the future is refused here as well.
        """
        if not self._webhook_secret:
            raise InvalidSignature("STRIPE_WEBHOOK_SECRET is not set")
        try:
            stripe.WebhookSignature.verify_header(payload, signature, self._webhook_secret, WEBHOOK_TOLERANCE)
        except (stripe.SignatureVerificationError, ValueError) as error:
            raise InvalidSignature(str(error)[:200]) from None
        if _signed_at(signature) > time.time() + WEBHOOK_TOLERANCE:
            raise InvalidSignature("Timestamp is in the future, past the tolerance")
        try:
            body = json.loads(payload)
        except ValueError:
            return Unhandled(None)
        return read_event(body)

    async def aclose(self) -> None:
        await self._http.close_async()


SETTLING = ("checkout.session.completed", "checkout.session.async_payment_succeeded")
HANDLED = (*SETTLING, "checkout.session.expired", "checkout.session.async_payment_failed", "charge.refunded")

# The fields of a handled event's object that are read, and the JSON types each may have.
_OBJECT_FIELDS = {
    "id": str, "payment_intent": str, "payment_status": str, "currency": str,
    "amount_total": int, "amount": int, "amount_refunded": int, "metadata": dict,
}


def read_event(body: Any) -> WebhookEvent:
    """A Stripe event body (parsed JSON of any shape) as the typed event EventOS acts on."""
    kind = body.get("type") if isinstance(body, dict) else None
    if kind not in HANDLED:
        return Unhandled(kind if isinstance(kind, str) else None)
    if not _well_formed(body):
        return Unreadable(body.get("id") if isinstance(body.get("id"), str) else None, kind)
    obj = body["data"]["object"]
    common = {"id": body["id"], "type": kind, "connected_account": body.get("account"), "body": body}
    order = _order_ref(obj.get("metadata") or {})
    if kind == "charge.refunded":
        return ChargeRefunded(
            **common, payment_intent=obj.get("payment_intent"), order=order, amount=int(obj.get("amount") or 0),
            amount_refunded=int(obj.get("amount_refunded") or 0), currency=obj.get("currency"),
        )
    session_id = obj.get("id") or ""
    if kind == "checkout.session.expired":
        return CheckoutExpired(**common, session_id=session_id, order=order)
    if kind == "checkout.session.async_payment_failed":
        return CheckoutPaymentFailed(**common, session_id=session_id, order=order)
    return CheckoutCompleted(
        **common, session_id=session_id, order=order,
        paid=obj.get("payment_status") in ("paid", "no_payment_required"),
        payment_intent=obj.get("payment_intent"), amount_total=int(obj.get("amount_total") or 0),
        currency=obj.get("currency"),
    )


def _well_formed(event: dict) -> bool:
    """A handled event has the shape read here: objects where objects are, text and numbers where they are."""
    if not isinstance(event.get("id"), str) or not isinstance(event.get("data"), dict):
        return False
    obj = event["data"].get("object")
    if not isinstance(obj, dict) or not isinstance(event.get("account"), str | None):
        return False
    for name, kind in _OBJECT_FIELDS.items():
        value = obj.get(name)
        if value is not None and (not isinstance(value, kind) or isinstance(value, bool)):
            return False
    return all(isinstance(value, str) for value in (obj.get("metadata") or {}).values())


def _order_ref(metadata: dict[str, Any]) -> OrderRef:
    """The account and order named in metadata set at checkout (None where missing or not a UUID)."""
    return OrderRef(_uuid(metadata.get("account_id")), _uuid(metadata.get("order_id")))


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError):
        return None


def _signed_at(header: str) -> int:
    """The `t=` of a Stripe-Signature header that verified (so it has one, and it is a number)."""
    return next(int(value) for key, _, value in (item.partition("=") for item in header.split(",")) if key == "t")
