"""seed-demo fills an account with a small business, once."""

from sqlalchemy import func, select

from core.demo import GALA, seed_demo
from db.models import Contact, Event, Interaction, Order, Ticket


async def test_seed_demo_creates_events_contacts_orders_and_tickets_once(services, make_tenant):
    tenant = await make_tenant()
    first = await seed_demo(services, tenant)
    again = await seed_demo(services, tenant)
    assert first.created and not again.created
    async with services.db.tenant(tenant.account_id) as session:
        counts = [await session.scalar(select(func.count()).select_from(model)) for model in (Event, Contact, Order, Ticket, Interaction)]
        gala = (await session.execute(select(Event).where(Event.slug == GALA))).scalar_one()
    events, people, orders, tickets, notes = counts
    assert (events, people, orders) == (2, 5, 5)
    assert tickets == 6  # gala: 2 VIP + 2 general paid, 1 VIP comp; the free meetup seat is settled at once
    assert notes >= 2
    assert gala.status == "published" and gala.sold == 5
