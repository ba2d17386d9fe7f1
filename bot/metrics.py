"""Prometheus metrics for the HTTP surface.

With `eventos serve --workers N` the supervisor points PROMETHEUS_MULTIPROC_DIR at a fresh folder
before the workers start, so each worker writes its counters there and a scrape, whichever worker
answers it, reads them all summed (prometheus_client's multiprocess mode); a worker started again
after a crash adds to the totals of the one it replaced.
"""

import os
import time

from aiohttp import web
from prometheus_client import REGISTRY, CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess

REQUESTS = Counter("eventos_http_requests_total", "HTTP requests", ["route", "status"])
LATENCY = Histogram("eventos_http_request_seconds", "HTTP request latency", ["route"])


@web.middleware
async def measure(request: web.Request, handler):
    route = request.match_info.route.resource.canonical if request.match_info.route.resource else "unmatched"
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        REQUESTS.labels(route, str(status)).inc()
        LATENCY.labels(route).observe(time.perf_counter() - started)


async def metrics(request: web.Request) -> web.Response:
    return web.Response(body=generate_latest(_registry()), headers={"Content-Type": CONTENT_TYPE_LATEST})


def _registry() -> CollectorRegistry:
    """This process's metrics, or every worker's when they share a multiprocess folder."""
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry
