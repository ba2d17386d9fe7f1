"""Attendee export throughput: bench-big's attendees written as CSV by core's exporter in this process.

Two passes: one timed (rows per second), one under tracemalloc for the peak Python memory while it
ran, which stays flat whatever the event's size (tracing slows Python down, so it is not timed).
"""

import tempfile
import time
import tracemalloc

from bench.dataset import BIG_EVENT
from core.context import TenantContext
from core.exports.event_exports import export_event
from core.services import Services


async def measure(services: Services, tenant: TenantContext) -> dict:
    """Export the big event's attendees to a temporary file; rows, seconds, rows/s, file size, peak memory."""
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        export = await export_event(services, tenant, event=BIG_EVENT, what="attendees", out=out)
        seconds = time.perf_counter() - started
    with tempfile.TemporaryFile() as out:
        tracemalloc.start()
        try:
            await export_event(services, tenant, event=BIG_EVENT, what="attendees", out=out)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    return {
        "status": "ok", "event": BIG_EVENT, "what": "attendees", "rows": export.rows, "bytes": export.size,
        "seconds": round(seconds, 3), "rows_per_second": round(export.rows / seconds) if seconds else 0,
        "peak_memory_mb": round(peak / 2**20, 1),
    }
