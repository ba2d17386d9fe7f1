"""The mail server the bench's campaigns go to: an aiosmtpd server on 127.0.0.1 that counts and keeps nothing.

Slack is devtools.slack_standin, the same stand-in the tests and the console use.
`SmtpCounter` is an aiosmtpd server that accepts and counts campaign mail without keeping it.
`StripeStandin` takes the Checkout Sessions of the rush's public checkouts and signs their completion webhooks.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import time
from typing import Any

from aiohttp import web
from aiosmtpd.smtp import SMTP, Envelope, Session

from devtools.loopback import LoopbackHttp, LoopbackSmtp
from devtools.stripe_signing import sign_webhook


class _Counting:
    """aiosmtpd handler: accept every message and count it (the sink keeps no mail)."""

    def __init__(self, counter: SmtpCounter) -> None:
        self.counter = counter

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.counter._received(len(envelope.original_content or envelope.content or b""))
        return "250 Message accepted for delivery"


class SmtpCounter(LoopbackSmtp):
    """An SMTP server on 127.0.0.1 (its own thread) that counts accepted messages and bytes."""

    def __init__(self) -> None:
        super().__init__()
        self.messages = 0
        self.bytes = 0
        self._lock = threading.Lock()

    def handler(self) -> _Counting:
        return _Counting(self)

    def start(self) -> None:
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every connection at INFO
        super().start()

    def _received(self, size: int) -> None:
        with self._lock:
            self.messages += 1
            self.bytes += size


class StripeStandin(LoopbackHttp):
    """The Stripe API calls a public checkout makes (create and expire a Checkout Session), and its webhook.

    `completed(session_id)` pays a session and returns its signed `checkout.session.completed`
    delivery, which the rush posts to the server like Stripe would.
    """

    def __init__(self, *, webhook_secret: str) -> None:
        super().__init__()
        self.webhook_secret = webhook_secret
        self.sessions: dict[str, dict[str, Any]] = {}

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/checkout/sessions", self._create)
        app.router.add_post("/v1/checkout/sessions/{id}/expire", self._expire)
        app.router.add_get("/v1/checkout/sessions/{id}", self._retrieve)

    async def _create(self, request: web.Request) -> web.Response:
        form = await request.post()
        session_id = f"cs_bench_{secrets.token_hex(12)}"  # unique across runs on a kept dataset
        session = {
            "id": session_id, "object": "checkout.session", "status": "open", "payment_status": "unpaid",
            "url": f"https://checkout.stripe.com/c/pay/{session_id}", "currency": str(form.get("currency", "eur")),
            "amount_total": int(form.get("line_items[0][price_data][unit_amount]", 0))
            * int(form.get("line_items[0][quantity]", 1)),
            "metadata": {key[9:-1]: str(value) for key, value in form.items() if key.startswith("metadata[")},
            "payment_intent": None,
        }
        self.sessions[session_id] = session
        return web.json_response(session)

    async def _expire(self, request: web.Request) -> web.Response:
        session = self.sessions.get(request.match_info["id"])
        if session is None or session["status"] != "open":
            return web.json_response({"error": {"type": "invalid_request_error", "message": "not open"}}, status=400)
        session.update(status="expired", url=None)
        return web.json_response(session)

    async def _retrieve(self, request: web.Request) -> web.Response:
        session = self.sessions.get(request.match_info["id"])
        if session is None:
            missing = {"error": {"type": "invalid_request_error", "message": "no such session"}}
            return web.json_response(missing, status=404)
        return web.json_response(session)

    def completed(self, session_id: str) -> tuple[bytes, str]:
        """Pay the session; the webhook body and its Stripe-Signature header."""
        session = self.sessions[session_id]
        session.update(status="complete", payment_status="paid", payment_intent=f"pi_{session_id}")
        event = {"id": f"evt_{session_id}", "object": "event", "type": "checkout.session.completed",
                 "created": int(time.time()), "data": {"object": dict(session)}, "livemode": False}
        body = json.dumps(event).encode()
        return body, sign_webhook(body, self.webhook_secret)
