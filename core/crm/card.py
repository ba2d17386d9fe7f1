"""The contact card: who they are, what they spent, which events they came to, their timeline."""

import uuid
from dataclasses import dataclass

from sqlalchemy import distinct, func, select

from core.accounts.permissions import Action, require
from core.context import TenantContext
from core.crm.contacts import ContactView, contact_id_for, load_contact
from core.crm.interactions import TimelinePage, timeline_page
from core.errors import Next, NextStep, NotFound, Thing
from core.sales import totals
from core.sales.totals import Totals
from core.services import Services
from db.enums import CheckinResult
from db.models import Attendee, CheckIn, Contact, Event, Order

RECENT_EVENTS = 3


@dataclass(frozen=True)
class ContactCard:
    contact: ContactView
    lifetime_value: list[Totals]  # per currency
    events_attended: int
    recent_events: list[str]
    timeline: TimelinePage


@dataclass(frozen=True)
class NameCard:
    """What door staff see of a contact: the name, nothing else."""

    name: str


async def contact_card(
    services: Services,
    tenant: TenantContext,
    *,
    email: str | None = None,
    contact_id: uuid.UUID | None = None,
    older_than: str | None = None,
) -> ContactCard | NameCard:
    """The card for a contact found by email or id, its timeline from `older_than`; door staff get the name only."""
    require(tenant, Action.LOOK_UP_CONTACTS)
    async with services.db.tenant(tenant.account_id) as session:
        if contact_id is None:
            contact_id = await contact_id_for(session, email or "")
        live = await session.scalar(
            select(func.coalesce(Contact.merged_into_id, Contact.id)).where(Contact.id == contact_id)
        )
        if live is None:
            raise NotFound("That contact is gone.", kind=Thing.CONTACT, next_step=Next.to(NextStep.FIND_CONTACT_AGAIN))
        contact = await load_contact(session, live)
        if not tenant.has_role("sales"):
            return NameCard(contact.name)
        return ContactCard(
            contact,
            await _lifetime_value(session, live),
            *await _events_attended(session, live),
            await timeline_page(session, live, older_than=older_than),
        )


async def _lifetime_value(session, contact_id: uuid.UUID) -> list[Totals]:
    """The contact's paid orders: gross, refunds and net (core.sales.totals), per currency."""
    return await totals.order_totals(session, Order.contact_id == contact_id)


async def _events_attended(session, contact_id: uuid.UUID) -> tuple[int, list[str]]:
    """How many events the contact was admitted to, and the names of the latest few."""
    admitted = (
        select(CheckIn.event_id, func.max(CheckIn.scanned_at).label("at"))
        .join(Attendee, (Attendee.account_id == CheckIn.account_id) & (Attendee.id == CheckIn.attendee_id))
        .where(Attendee.contact_id == contact_id, CheckIn.result == CheckinResult.ADMITTED)
        .group_by(CheckIn.event_id)
        .subquery()
    )
    count = await session.scalar(select(func.count(distinct(admitted.c.event_id))))
    names = (
        await session.scalars(
            select(Event.name).join(admitted, admitted.c.event_id == Event.id).order_by(admitted.c.at.desc()).limit(RECENT_EVENTS)
        )
    ).all()
    return count or 0, list(names)
