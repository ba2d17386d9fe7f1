"""Demo data for the local workspace: a venue, two events on sale, contacts, orders and notes."""

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.context import TenantContext
from core.crm import contacts, interactions
from core.events import events, ticket_types, venues
from core.sales import orders, payments
from core.services import Services
from db.models import Event

GALA = "summer-gala"
MEETUP = "product-meetup"

PEOPLE = (
    ("ada@lovelace.example", "Ada Lovelace", "Analytical Engines", ["vip"]),
    ("grace@hopper.example", "Grace Hopper", "Compilers Inc", ["speaker"]),
    ("alan@turing.example", "Alan Turing", "Bletchley Labs", []),
    ("katherine@johnson.example", "Katherine Johnson", "Orbital", ["press"]),
    ("tim@bernerslee.example", "Tim Berners-Lee", None, []),
)


@dataclass(frozen=True)
class DemoSummary:
    created: bool
    events: tuple[str, ...]
    contacts: int
    orders: int


async def _exists(services: Services, tenant: TenantContext) -> bool:
    async with services.db.tenant(tenant.account_id) as session:
        return (await session.execute(select(Event.id).where(Event.slug == GALA))).first() is not None


def _local(services: Services, tenant: TenantContext, days: int, hour: int) -> str:
    """`days` from today at `hour` o'clock, written as a person would type it in the account's zone."""
    day = services.clock.now().astimezone(ZoneInfo(tenant.timezone)) + timedelta(days=days)
    return day.strftime(f"%Y-%m-%d {hour:02d}:00")


async def seed_demo(services: Services, tenant: TenantContext) -> DemoSummary:
    """Fill the account with a small, believable business; a second run changes nothing."""
    if await _exists(services, tenant):
        return DemoSummary(False, (GALA, MEETUP), 0, 0)
    hall = await venues.add_venue(services, tenant, name="Harbour Hall", address="1 Quay Street", capacity=400)
    await events.create_event(
        services, tenant, name="Summer Gala", slug=GALA, venue=hall.name,
        starts=_local(services, tenant, 30, 19), ends=_local(services, tenant, 30, 23), capacity=300,
    )
    await ticket_types.add_ticket_type(services, tenant, event=GALA, name="General admission", price="35", capacity=250)
    await ticket_types.add_ticket_type(services, tenant, event=GALA, name="VIP", price="120", capacity=50)
    await events.publish_event(services, tenant, slug=GALA)
    await events.create_event(
        services, tenant, name="Product Meetup", slug=MEETUP,
        starts=_local(services, tenant, 14, 18), ends=_local(services, tenant, 14, 21), capacity=80,
    )
    await ticket_types.add_ticket_type(services, tenant, event=MEETUP, name="Free entry", price="0")
    await events.publish_event(services, tenant, slug=MEETUP)

    for email, name, company, tags in PEOPLE:
        await contacts.add_contact(services, tenant, email=email, name=name, company=company, tags=tags)
    sold = 0
    for email, name, _, tags in PEOPLE[:3]:
        held = await orders.hold_seats(
            services, tenant, event=GALA, ticket="vip" if "vip" in tags else "general-admission",
            qty=2 if "vip" in tags else 1, email=email, name=name,
        )
        await payments.mark_paid(services, tenant, reference=held.reference, method="bank")
        sold += 1
    await orders.comp(services, tenant, event=GALA, ticket="vip", email=PEOPLE[3][0], name=PEOPLE[3][1])
    await orders.hold_seats(services, tenant, event=MEETUP, ticket="free-entry", qty=1, email=PEOPLE[4][0], name=PEOPLE[4][1])
    await interactions.log_interaction(
        services, tenant, kind="call", email=PEOPLE[0][0], body="Asked about a table for ten at the gala.",
    )
    await interactions.log_interaction(
        services, tenant, kind="meeting", email=PEOPLE[1][0], body="Agreed to give the opening talk.",
    )
    return DemoSummary(True, (GALA, MEETUP), len(PEOPLE), sold + 2)
