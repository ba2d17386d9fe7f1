"""An event's public link for organizers to share: its URL and a QR code of it for posters."""

from dataclasses import dataclass

from core.accounts.permissions import require
from core.context import TenantContext
from core.events import events
from core.sales import tickets
from core.services import Services
from core.storefront.handles import event_url, public_handle
from core.storefront.pages import event_page


@dataclass(frozen=True)
class EventLink:
    url: str
    qr_url: str
    event_name: str
    status: str  # the page is live only while the event is published


async def event_link(services: Services, tenant: TenantContext, *, event: str) -> EventLink:
    """The public URL of an event (drafts included: it goes live when the event is published)."""
    require(tenant, "sales", "share event pages")
    info = await events.get_event_by_slug(services, tenant, event)
    url = event_url(services, await public_handle(services, tenant), info.slug)
    return EventLink(url, f"{url}/qr.png", info.name, info.status)


async def published_url(services: Services, tenant: TenantContext, info: events.EventInfo) -> str | None:
    """The URL of a published event's page, else None."""
    if info.status != "published":
        return None
    return event_url(services, await public_handle(services, tenant), info.slug)


async def qr_png(services: Services, handle: str, event_slug: str) -> bytes | None:
    """A QR code (PNG) of a live event page's URL; None when there is no such page."""
    page = await event_page(services, handle, event_slug)
    if page is None:
        return None
    return tickets.qr_png(event_url(services, page.organizer.handle, page.slug))
