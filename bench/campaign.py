"""Campaign mail throughput: render and hand N emails to the local SMTP server through core."""

import importlib

from bench.standins import SmtpCounter
from core.context import TenantContext
from core.services import Services


async def measure(services: Services, tenant: TenantContext, smtp: SmtpCounter, emails: int) -> dict:
    """Emails per second for one campaign of `emails` recipients, or why it could not be measured."""
    try:
        importlib.import_module("core.campaigns")
    except ImportError:
        return {"status": "missing", "note": "core.campaigns has not landed yet"}
    return {"status": "missing", "note": "core.campaigns has no send use case the bench knows yet"}
