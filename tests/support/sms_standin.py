"""A Twilio-style SMS API on loopback: POST …/Messages.json (form To, Body, From), Basic auth, JSON answers."""

from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass

from aiohttp import web

from devtools.loopback import LoopbackHttp

ACCOUNT_SID = "AC0123456789abcdef"
AUTH_TOKEN = "sms-secret"
PATH = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"


@dataclass(frozen=True)
class Sms:
    to: str
    body: str
    sender: str | None
    sid: str


class SmsStandin(LoopbackHttp):
    """Accepts messages and keeps them; `fail_next(status, n)` answers the next n with an error instead."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[Sms] = []
        self.refused = 0
        self._failures: list[int] = []
        self._ids = itertools.count(1)

    def routes(self, app: web.Application) -> None:
        app.router.add_post(PATH, self._create)

    @property
    def url(self) -> str:
        """SMS_API_URL for the app, the sender number in its query."""
        return f"{self.origin}{PATH}?From=%2B15550001111"

    @property
    def token(self) -> str:
        """SMS_API_TOKEN for the app: ACCOUNT_SID:AUTH_TOKEN."""
        return f"{ACCOUNT_SID}:{AUTH_TOKEN}"

    def fail_next(self, status: int, n: int = 1) -> None:
        self._failures.extend([status] * n)

    def to(self, number: str) -> list[Sms]:
        return [m for m in self.messages if m.to == number]

    async def _create(self, request: web.Request) -> web.Response:
        expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        if request.headers.get("Authorization") != expected:
            return web.json_response({"code": 20003, "message": "Authenticate"}, status=401)
        if self._failures:
            self.refused += 1
            status = self._failures.pop(0)
            return web.json_response({"code": 20429 if status == 429 else 21211, "message": f"Refused with {status}"}, status=status)
        form = await request.post()
        to, body = str(form.get("To") or ""), str(form.get("Body") or "")
        if not to or not body:
            return web.json_response({"code": 21604, "message": "A 'To' and a 'Body' are required."}, status=400)
        sid = f"SM{next(self._ids):032d}"
        sender = form.get("From")
        self.messages.append(Sms(to, body, str(sender) if sender else None, sid))
        return web.json_response({"sid": sid, "status": "queued", "to": to, "body": body}, status=201)
