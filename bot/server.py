"""The aiohttp application: probes, metrics and the routes each feature registers."""

from aiohttp import web

from bot import metrics, ratelimit, security_headers, unavailable
from bot.log_lines import quiet_bad_requests
from core.health import readiness
from core.services import Services

SERVICES = web.AppKey("services", Services)


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    ready, reason = await readiness(request.app[SERVICES])
    return web.json_response({"status": "ready" if ready else "not_ready", "reason": reason}, status=200 if ready else 503)


def build_web_app(services: Services) -> web.Application:
    """The bare web application; bot.app adds Slack and the feature routes."""
    app = web.Application(middlewares=[metrics.measure, unavailable.retry_or_unavailable], client_max_size=1024 * 1024)
    app[SERVICES] = services
    ratelimit.install(app, services.settings)
    security_headers.install(app)
    quiet_bad_requests()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics.metrics)
    return app
