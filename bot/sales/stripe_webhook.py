"""POST /stripe/webhook: Stripe events, signature-verified, each applied once."""

import logging

from aiohttp import web

from bot.server import SERVICES
from core.errors import NotReady
from core.ports import InvalidSignature, PaymentProviderError
from core.sales import payments

log = logging.getLogger(__name__)


async def stripe_webhook(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    payload = await request.read()
    try:
        result = await payments.handle_stripe_webhook(services, payload, request.headers.get("Stripe-Signature", ""))
    except InvalidSignature as error:
        log.warning("refused a Stripe webhook: %s (%d bytes)", error, len(payload))
        return web.json_response({"error": "invalid signature"}, status=400)
    except NotReady:
        return web.json_response({"error": "stripe is not configured"}, status=404)
    except PaymentProviderError:
        # Stripe delivers the event again later; answering 503 asks it to.
        return web.json_response({"error": "stripe unavailable, retry later"}, status=503)
    return web.json_response({"received": True, "outcome": result.outcome})


def register(app: web.Application) -> None:
    app.router.add_post("/stripe/webhook", stripe_webhook)
