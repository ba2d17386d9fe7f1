"""Attendee export throughput: bench-big's attendees written as CSV by core's exporter in this process;
rows per second, and the peak Python memory while it ran (tracemalloc), which stays flat with size."""

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
        tracemalloc.start()
        started = time.perf_counter()
        try:
            export = await export_event(services, tenant, event=BIG_EVENT, what="attendees", out=out)
            seconds = time.perf_counter() - started
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    return {
        "status": "ok", "event": BIG_EVENT, "what": "attendees", "rows": export.rows, "bytes": export.size,
        "seconds": round(seconds, 3), "rows_per_second": round(export.rows / seconds) if seconds else 0,
        "peak_memory_mb": round(peak / 2**20, 1),
    }
