"""Drive the public pages as a browser without JavaScript does: GET the page, POST its form, follow redirects."""

import html
import json
import re
from dataclasses import dataclass

import aiohttp

from core.storefront import handles
from tests.support.stripe_standin import sign_webhook

WEBHOOK_SECRET = "whsec_test_eventos"
_TOKEN = re.compile(r'name="token" value="([^"]*)"')
_ALERT = re.compile(r'role="alert" id="error">([^<]*)<')


@dataclass
class Answer:
    status: int
    url: str
    text: str

    @property
    def error(self) -> str | None:
        found = _ALERT.search(self.text)
        return html.unescape(found[1]) if found else None

    @property
    def token(self) -> str:
        return _TOKEN.search(self.text)[1]


class Buyer:
    """One browser: its own cookies; `redirects=False` stops at the 303 after a checkout."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    async def close(self) -> None:
        await self.http.close()

    async def get(self, path: str) -> Answer:
        async with self.http.get(self.base_url + path) as response:
            return Answer(response.status, str(response.url), await response.text())

    async def post(self, path: str, data: dict, *, redirects: bool = False) -> Answer:
        async with self.http.post(self.base_url + path, data=data, allow_redirects=redirects) as response:
            location = response.headers.get("Location", str(response.url))
            return Answer(response.status, location, await response.text())

    async def buy(self, path: str, *, ticket: str = "ga", qty: int | str = 1, name: str = "Bea Buyer",
                  email: str = "bea@example.com", phone: str = "", consent: bool = False, **extra) -> Answer:
        """Open the event page and submit its form once."""
        page = await self.get(path)
        data = {"token": page.token, "ticket": ticket, f"qty-{ticket}": str(qty), "name": name, "email": email,
                "phone": phone, **({"consent": "yes"} if consent else {}), **extra}
        return await self.post(path, data)


async def event_path(services, tenant, event) -> str:
    return f"/e/{await handles.public_handle(services, tenant)}/{event.slug}"


async def deliver(base_url: str, envelope: dict, *, secret: str = WEBHOOK_SECRET) -> tuple[int, dict]:
    payload = json.dumps(envelope).encode()
    headers = {"Stripe-Signature": sign_webhook(payload, secret), "Content-Type": "application/json"}
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{base_url}/stripe/webhook", data=payload, headers=headers) as response:
            return response.status, await response.json()
