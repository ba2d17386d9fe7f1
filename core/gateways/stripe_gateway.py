"""Stripe through the official library: Checkout Sessions, refunds and webhook verification."""

import json
import logging
import time
from datetime import datetime
from typing import Any

import stripe

from core.ports import (
    Checkout,
    CheckoutLine,
    InvalidSignature,
    PaymentNotFound,
    PaymentProviderError,
    RefundResult,
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
            # The key is the order's: a retried /sell (or a crash between Stripe and our commit)
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

    async def payment_metadata(self, payment_intent: str, *, connected_account: str | None) -> dict[str, str]:
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
        return intent.metadata.to_dict() if intent.metadata else {}

    def parse_webhook(self, payload: bytes, signature: str) -> Any:
        """The verified event as parsed JSON (any shape: the caller checks it); InvalidSignature otherwise.

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
            return json.loads(payload)
        except ValueError:
            return None

    async def aclose(self) -> None:
        await self._http.close_async()


def _signed_at(header: str) -> int:
    """The `t=` of a Stripe-Signature header that verified (so it has one, and it is a number)."""
    return next(int(value) for key, _, value in (item.partition("=") for item in header.split(",")) if key == "t")
