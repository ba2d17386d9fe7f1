"""A local stand-in for the parts of the Stripe API EventOS uses, plus webhook signing helpers."""

from __future__ import annotations

import asyncio
import copy
import json
import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import stripe
from aiohttp import web

from devtools.loopback import LoopbackHttp
from devtools.stripe_signing import sign_webhook

_RECORDED_HEADERS = ("Idempotency-Key", "Stripe-Account", "Authorization", "Stripe-Version")

Result = tuple[int, dict[str, Any]]


@dataclass
class StripeRequest:
    """One request received by the stand-in."""

    method: str
    path: str
    params: dict[str, Any]
    headers: dict[str, str]
    at: float = field(default_factory=time.time)
    status: int = 200
    failed: bool = False
    response: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Failure:
    """A pending injected failure for a path prefix."""

    prefix: str
    status: int
    times: int


def event(
    type: str,
    obj: dict[str, Any],
    *,
    event_id: str | None = None,
    account: str | None = None,
    created: int | None = None,
) -> dict[str, Any]:
    """A Stripe Event envelope around obj (with "account" only for Connect events)."""
    envelope: dict[str, Any] = {
        "id": event_id or _new_id("evt_test_"),
        "object": "event",
        "api_version": stripe.api_version,
        "created": int(time.time()) if created is None else created,
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": type,
    }
    if account is not None:
        envelope["account"] = account
    return envelope


def decode_form(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Decode Stripe's bracketed form encoding (a[b][0][c]=v, a[]=v) into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        head, *rest = key.split("[")
        parts = [head, *(r.rstrip("]") for r in rest)]
        node = root
        for i, part in enumerate(parts):
            if part == "":
                part = str(len(node))
            if i == len(parts) - 1:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return _listify(root)


def _listify(value: Any) -> Any:
    """Turn dicts keyed "0", "1", … into lists, recursively."""
    if not isinstance(value, dict):
        return value
    items = {k: _listify(v) for k, v in value.items()}
    if items and all(k.isdigit() for k in items):
        return [items[k] for k in sorted(items, key=int)]
    return items


def _new_id(prefix: str, length: int = 24) -> str:
    """A random Stripe-style object id."""
    return prefix + secrets.token_hex(length // 2 + 1)[:length]


def _error(
    status: int, message: str, *, type: str = "invalid_request_error", code: str | None = None, param: str | None = None
) -> Result:
    """A Stripe error response."""
    error: dict[str, Any] = {"type": type, "message": message}
    if code:
        error["code"] = code
        error["doc_url"] = f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"
    if param:
        error["param"] = param
    return status, {"error": error}


def _missing(kind: str, object_id: str, param: str, status: int = 404) -> Result:
    """Stripe's resource_missing error."""
    return _error(status, f"No such {kind}: '{object_id}'", code="resource_missing", param=param)


class StripeStandin(LoopbackHttp):
    """An aiohttp server on 127.0.0.1 answering like the Stripe API; objects are scoped by Stripe-Account."""

    def __init__(self) -> None:
        """Create an empty stand-in; call start() to serve."""
        super().__init__()
        self.requests: list[StripeRequest] = []
        self.sessions: dict[str, dict[str, Any]] = {}
        self.payment_intents: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self._accounts: dict[str, str | None] = {}
        self._refunded: dict[str, int] = {}
        self._idempotency: dict[tuple[str | None, str], tuple[str, str, dict[str, Any], Result]] = {}
        self._failures: list[_Failure] = []
        self._delays: dict[str, float] = {}
        self._webhook: tuple[str, str] | None = None

    # ----- lifecycle -------------------------------------------------------------------

    def routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/{path:.*}", self._handle)

    @property
    def base_url(self) -> str:
        """The API base, for StripeClient(base_addresses={"api": base_url})."""
        return self.origin

    def host_checkout(self, webhook_url: str, webhook_secret: str) -> None:
        """Serve Checkout pages here (session URLs point at them) and deliver their events to the app, signed."""
        self._webhook = (webhook_url, webhook_secret)

    # ----- inspection and control --------------------------------------------------------

    def requests_to(self, path_prefix: str, method: str | None = None, *, include_failed: bool = False) -> list[StripeRequest]:
        """Requests whose path starts with path_prefix (and with that HTTP method, if given)."""
        return [
            r
            for r in self.requests
            if r.path.startswith(path_prefix)
            and (method is None or r.method == method.upper())
            and (include_failed or not r.failed)
        ]

    def clear(self) -> None:
        """Forget recorded requests (objects and idempotency keys stay)."""
        self.requests.clear()

    def fail_next(self, path_prefix: str, status: int = 500, times: int = 1) -> None:
        """Answer the next `times` requests under path_prefix with a Stripe error of that HTTP status (calls queue up)."""
        self._failures.append(_Failure(path_prefix, status, times))

    def delay(self, path_prefix: str, seconds: float) -> None:
        """Answer every later request under path_prefix after `seconds` (0 removes the delay)."""
        if seconds > 0:
            self._delays[path_prefix] = seconds
        else:
            self._delays.pop(path_prefix, None)

    def account_of(self, object_id: str) -> str | None:
        """The connected account an object was created on (None for the platform)."""
        return self._accounts.get(object_id)

    def create_payment_intent(
        self, amount: int, currency: str = "eur", *, account: str | None = None, metadata: dict[str, str] | None = None
    ) -> dict[str, Any]:
        """Add a succeeded PaymentIntent (as if a customer had paid) and return it."""
        intent = {
            "id": _new_id("pi_"),
            "object": "payment_intent",
            "amount": amount,
            "amount_capturable": 0,
            "amount_received": amount,
            "capture_method": "automatic_async",
            "created": int(time.time()),
            "currency": currency,
            "customer": None,
            "description": None,
            "latest_charge": _new_id("ch_"),
            "livemode": False,
            "metadata": dict(metadata or {}),
            "payment_method": _new_id("pm_"),
            "payment_method_types": ["card"],
            "status": "succeeded",
        }
        self.payment_intents[intent["id"]] = intent
        self._accounts[intent["id"]] = account
        return intent

    def complete(self, session_id: str, *, email: str = "buyer@example.com", name: str = "Test Buyer") -> dict[str, Any]:
        """Pay an open Checkout Session; return its checkout.session.completed event (with account for Connect)."""
        session = self.sessions[session_id]
        if session["status"] != "open":
            raise ValueError(f"session {session_id} is {session['status']}, not open")
        account = self._accounts.get(session_id)
        intent_metadata = session.pop("_payment_intent_metadata", {})
        intent = self.create_payment_intent(
            session["amount_total"], session["currency"], account=account, metadata=intent_metadata
        )
        session.update(
            status="complete",
            payment_status="paid",
            payment_intent=intent["id"],
            customer_details={"email": email, "name": name, "address": None, "phone": None, "tax_exempt": "none", "tax_ids": []},
        )
        return event("checkout.session.completed", _public(session), account=account)

    def expire(self, session_id: str) -> dict[str, Any]:
        """Let a Checkout Session lapse, as Stripe does at its expires_at (or was told to); its checkout.session.expired event."""
        session = self.sessions[session_id]
        if session["status"] == "complete":
            raise ValueError(f"session {session_id} is complete; it cannot expire")
        session.update(status="expired", url=None)
        return event("checkout.session.expired", _public(session), account=self._accounts.get(session_id))

    # ----- HTTP --------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        """Record, then answer (failure, idempotent replay, or the endpoint)."""
        path = request.path
        if self._webhook is not None and path.startswith("/c/pay/"):
            return await self._checkout_page(request, path.removeprefix("/c/pay/"))
        if request.method == "POST":
            params = decode_form((await request.post()).items())  # type: ignore[arg-type]
        else:
            params = decode_form(request.query.items())
        headers = {h: request.headers[h] for h in _RECORDED_HEADERS if h in request.headers}
        record = StripeRequest(request.method, path, params, headers)
        self.requests.append(record)
        for prefix, seconds in self._delays.items():
            if path.startswith(prefix):
                await asyncio.sleep(seconds)
                break
        reply_headers = {"Request-Id": _new_id("req_", 14)}
        status, body = self._answer(request.method, path, params, headers, reply_headers)
        record.status, record.failed, record.response = status, status >= 400, body
        return web.json_response(body, status=status, headers=reply_headers)

    def _answer(
        self, method: str, path: str, params: dict[str, Any], headers: dict[str, str], reply_headers: dict[str, str]
    ) -> Result:
        """Compute the answer synchronously, so idempotency checks and object updates are atomic."""
        for failure in self._failures:
            if path.startswith(failure.prefix):
                failure.times -= 1
                if failure.times <= 0:
                    self._failures.remove(failure)
                return _injected_failure(failure.status)
        if not headers.get("Authorization", "").startswith("Bearer sk_"):
            return _error(401, "You did not provide an API key. You need to provide your API key in the Authorization header.")
        account = headers.get("Stripe-Account")
        key = headers.get("Idempotency-Key")
        if method == "POST" and key:
            seen = self._idempotency.get((account, key))
            if seen is not None:
                seen_method, seen_path, seen_params, result = seen
                if (seen_method, seen_path) != (method, path):
                    return _error(
                        400,
                        f"Keys for idempotent requests can only be used for the same endpoint they were first used for "
                        f"('{seen_method} {seen_path}' vs '{method} {path}'). Try using a key other than '{key}' if you "
                        "meant to execute a different request.",
                        type="idempotency_error",
                    )
                if seen_params != params:
                    return _error(
                        400,
                        "Keys for idempotent requests can only be used with the same parameters they were first used "
                        f"with. Try using a key other than '{key}' if you meant to execute a different request.",
                        type="idempotency_error",
                    )
                reply_headers["Idempotent-Replayed"] = "true"
                return result
        result = self._route(method, path, params, account)
        if method == "POST" and key and result[0] < 500:
            self._idempotency[(account, key)] = (method, path, params, result)
        return result

    def _route(self, method: str, path: str, params: dict[str, Any], account: str | None) -> Result:
        """Dispatch to the endpoint implementation."""
        if method == "POST" and path == "/v1/checkout/sessions":
            return self._create_session(params, account)
        if m := re.fullmatch(r"/v1/checkout/sessions/([^/]+)", path):
            if method == "GET":
                return self._retrieve(self.sessions, m[1], account, "checkout.session", "session")
        if method == "POST" and (m := re.fullmatch(r"/v1/checkout/sessions/([^/]+)/expire", path)):
            return self._expire_session(m[1], account)
        if method == "POST" and path == "/v1/refunds":
            return self._create_refund(params, account)
        if method == "GET" and (m := re.fullmatch(r"/v1/refunds/([^/]+)", path)):
            return self._retrieve(self.refunds, m[1], account, "refund", "refund")
        if method == "GET" and (m := re.fullmatch(r"/v1/payment_intents/([^/]+)", path)):
            return self._retrieve(self.payment_intents, m[1], account, "payment_intent", "intent")
        return _error(
            404,
            f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we can help at "
            "https://support.stripe.com/.",
        )

    def _retrieve(self, store: dict[str, dict[str, Any]], object_id: str, account: str | None, kind: str, param: str) -> Result:
        """GET an object, visible only from the account it was created on."""
        obj = store.get(object_id)
        if obj is None or self._accounts.get(object_id) != account:
            return _missing(kind, object_id, param)
        return 200, _public(obj)

    def _create_session(self, params: dict[str, Any], account: str | None) -> Result:
        """POST /v1/checkout/sessions."""
        mode = params.get("mode")
        if not mode:
            return _error(400, "Missing required param: mode.", code="parameter_missing", param="mode")
        line_items = params.get("line_items") or []
        if mode == "payment" and not line_items:
            return _error(400, "Missing required param: line_items.", code="parameter_missing", param="line_items")
        total, currencies = 0, set()
        for i, item in enumerate(line_items):
            if "price" in item:
                return _missing("price", str(item["price"]), f"line_items[{i}][price]", status=400)
            price_data = item.get("price_data") or {}
            if "currency" not in price_data or "unit_amount" not in price_data:
                return _error(
                    400, f"Missing required param: line_items[{i}][price_data].", code="parameter_missing",
                    param=f"line_items[{i}][price_data]",
                )
            try:
                total += int(price_data["unit_amount"]) * int(item.get("quantity", 1))
            except ValueError:
                return _error(400, f"Invalid integer: {price_data['unit_amount']}", param=f"line_items[{i}][price_data][unit_amount]")
            currencies.add(str(price_data["currency"]).lower())
        if len(currencies) > 1:
            return _error(400, "All line items must use the same currency.", param="line_items")
        now = int(time.time())
        session_id = _new_id("cs_test_a1", 56)
        session: dict[str, Any] = {
            "id": session_id,
            "object": "checkout.session",
            "after_expiration": None,
            "allow_promotion_codes": None,
            "amount_subtotal": total,
            "amount_total": total,
            "automatic_tax": {"enabled": False, "liability": None, "status": None},
            "billing_address_collection": None,
            "cancel_url": params.get("cancel_url"),
            "client_reference_id": params.get("client_reference_id"),
            "client_secret": None,
            "created": now,
            "currency": currencies.pop() if currencies else params.get("currency"),
            "customer": params.get("customer"),
            "customer_creation": "if_required",
            "customer_details": None,
            "customer_email": params.get("customer_email"),
            "expires_at": int(params["expires_at"]) if params.get("expires_at") else now + 24 * 3600,
            "invoice": None,
            "livemode": False,
            "locale": params.get("locale"),
            "metadata": dict(params.get("metadata") or {}),
            "mode": mode,
            "payment_intent": None,
            "payment_link": None,
            "payment_method_types": params.get("payment_method_types") or ["card"],
            "payment_status": "unpaid",
            "status": "open",
            "submit_type": params.get("submit_type"),
            "success_url": params.get("success_url"),
            "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
            "ui_mode": "hosted",
            "url": f"{self.base_url if self._webhook else 'https://checkout.stripe.com'}/c/pay/{session_id}",
            "_payment_intent_metadata": dict((params.get("payment_intent_data") or {}).get("metadata") or {}),
        }
        self.sessions[session_id] = session
        self._accounts[session_id] = account
        return 200, _public(session)

    async def _checkout_page(self, request: web.Request, session_id: str) -> web.Response:
        """A minimal hosted Checkout: GET shows the amount and a Pay button; POST pays, tells the app, returns."""
        session = self.sessions.get(session_id)
        if session is None or session["status"] != "open":
            return web.Response(status=404, text="<!doctype html><title>Expired</title><p>This checkout has expired.</p>",
                                content_type="text/html")
        if request.method == "GET":
            amount = f"{session['amount_total'] / 100:.2f} {session['currency'].upper()}"
            page = (f'<!doctype html><html lang="en"><title>Pay</title><main><h1>Pay {amount}</h1>'
                    f'<form method="post"><button type="submit">Pay {amount}</button></form>'
                    f'<p><a href="{session["cancel_url"]}">Cancel</a></p></main></html>')
            return web.Response(text=page, content_type="text/html")
        completed = self.complete(session_id, email=session.get("customer_email") or "buyer@example.com")
        url, secret = self._webhook
        payload = json.dumps(completed).encode()
        headers = {"Stripe-Signature": sign_webhook(payload, secret), "Content-Type": "application/json"}
        async with aiohttp.ClientSession() as http:
            async with http.post(url, data=payload, headers=headers) as answer:
                answer.raise_for_status()
        raise web.HTTPSeeOther(session["success_url"])

    def _expire_session(self, session_id: str, account: str | None) -> Result:
        """POST /v1/checkout/sessions/{id}/expire."""
        session = self.sessions.get(session_id)
        if session is None or self._accounts.get(session_id) != account:
            return _missing("checkout.session", session_id, "session")
        if session["status"] != "open":
            return _error(
                400, f'Only Checkout Sessions with a status in ["open"] can be expired. This session has a status of '
                f'"{session["status"]}".',
            )
        session.update(status="expired", url=None)
        return 200, _public(session)

    def _create_refund(self, params: dict[str, Any], account: str | None) -> Result:
        """POST /v1/refunds (by payment_intent; amount defaults to what is left)."""
        intent_id = params.get("payment_intent")
        if not intent_id:
            return _error(
                400, "One of the following params should be provided for this request: payment_intent or charge.",
                code="parameter_missing",
            )
        intent = self.payment_intents.get(intent_id)
        if intent is None or self._accounts.get(intent_id) != account:
            return _missing("payment_intent", intent_id, "payment_intent", status=400)
        left = intent["amount_received"] - self._refunded.get(intent_id, 0)
        if left <= 0:
            return _error(
                400, f"Charge {intent['latest_charge']} has already been refunded.", code="charge_already_refunded"
            )
        amount = int(params.get("amount", left))
        if amount <= 0 or amount > left:
            return _error(
                400, f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})", param="amount"
            )
        self._refunded[intent_id] = self._refunded.get(intent_id, 0) + amount
        refund = {
            "id": _new_id("re_"),
            "object": "refund",
            "amount": amount,
            "balance_transaction": _new_id("txn_"),
            "charge": intent["latest_charge"],
            "created": int(time.time()),
            "currency": intent["currency"],
            "destination_details": {"card": {"type": "refund"}, "type": "card"},
            "metadata": dict(params.get("metadata") or {}),
            "payment_intent": intent_id,
            "reason": params.get("reason"),
            "receipt_number": None,
            "source_transfer_reversal": None,
            "status": "succeeded",
            "transfer_reversal": None,
        }
        self.refunds[refund["id"]] = refund
        self._accounts[refund["id"]] = account
        return 200, _public(refund)


def _public(obj: dict[str, Any]) -> dict[str, Any]:
    """A copy of a stored object without the stand-in's private fields."""
    return copy.deepcopy({k: v for k, v in obj.items() if not k.startswith("_")})


def _injected_failure(status: int) -> Result:
    """The Stripe error body for an injected failure of the given HTTP status."""
    if status == 429:
        return _error(429, "Request rate limit exceeded. Try again later.", code="rate_limit")
    if status == 409:
        return _error(409, "This object cannot be accessed right now because another API request or Stripe process is "
                      "currently accessing it.", code="lock_timeout")
    if status >= 500:
        return _error(status, "An unknown error occurred", type="api_error")
    return _error(status, "Injected failure.")
