"""Readiness: the database answers (within a few seconds) and its schema is at the head migration."""

import asyncio

from core.services import Services
from db.migrate import head_revision

TIMEOUT = 3.0


async def readiness(services: Services) -> tuple[bool, str]:
    """(ready, reason) — never raises; the reason is safe to show to an operator."""
    try:
        current = await asyncio.wait_for(services.db.schema_revision(), TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - any failure means not ready, reported by class only
        return False, f"database unreachable or not migrated ({type(exc).__name__})"
    if current != head_revision():
        return False, f"migrations not current (at {current}, head {head_revision()})"
    return True, "ok"
