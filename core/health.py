"""Readiness: the database answers and its schema is at the head migration."""

from core.services import Services
from db.migrate import head_revision


async def readiness(services: Services) -> tuple[bool, str]:
    """(ready, reason) — never raises; the reason is safe to show to an operator."""
    try:
        current = await services.db.schema_revision()
    except Exception as exc:  # noqa: BLE001 - any failure means not ready, reported by class only
        return False, f"database unreachable or not migrated ({type(exc).__name__})"
    if current != head_revision():
        return False, f"migrations not current (at {current}, head {head_revision()})"
    return True, "ok"
