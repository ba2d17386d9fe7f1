"""Campaign mail throughput: one email campaign to bench-big's buyers, rendered and handed to the
local SMTP server by core's sender in this process; emails per second."""

import time

from bench.dataset import BIG_EVENT
from bench.standins import SmtpCounter
from core.context import TenantContext
from core.services import Services

AUDIENCE = f"event:{BIG_EVENT}:bought"


async def measure(services: Services, tenant: TenantContext, smtp: SmtpCounter) -> dict:
    """Create and send the campaign; how many emails went out, in how long, or why it was not measured."""
    try:
        from core.campaigns.campaigns import create_campaign, send_campaign_now
        from core.campaigns.sender import send_campaign
    except ImportError as error:
        return {"status": "missing", "note": f"campaign sending has not landed yet ({error})"}
    info = await create_campaign(
        services, tenant, name="Bench mail", audience=AUDIENCE, template="announcement", channel="email",
        subject="News from the Big Bench Gala", slug=f"bench-mail-{int(time.time())}",
    )
    _, reachable = await send_campaign_now(services, tenant, slug=info.slug)
    before = smtp.messages
    started = time.perf_counter()
    sent = await send_campaign(services, tenant.account_id, info.id)
    seconds = time.perf_counter() - started
    received = smtp.messages - before
    return {
        "status": "ok", "audience": AUDIENCE, "recipients": reachable, "emails": sent, "received_by_smtp": received,
        "seconds": round(seconds, 2), "per_second": round(sent / seconds, 1) if seconds else 0.0,
    }
