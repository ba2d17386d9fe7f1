"""The contact card: who they are, what they spent, which events they came to, their timeline."""

import uuid
from dataclasses import dataclass

from sqlalchemy import Select, bindparam, func, select

from core.accounts.permissions import Action, require
from core.context import TenantContext
from core.crm.contacts import ContactView, live_contact
from core.crm.interactions import TimelinePage, timeline_page
from core.sales import totals
from core.sales.totals import Totals
from core.services import Services
from db.enums import CheckinResult
from db.models import Attendee, CheckIn, Event, Order

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
        contact = await live_contact(session, email=email, contact_id=contact_id)
        if not tenant.has_role("sales"):
            return NameCard(contact.name)
        return ContactCard(
            contact,
            await _lifetime_value(session, contact.id),
            *await _events_attended(session, contact.id),
            await timeline_page(session, contact.id, older_than=older_than),
        )


async def _lifetime_value(session, contact_id: uuid.UUID) -> list[Totals]:
    """The contact's paid orders: gross, refunds and net (core.sales.totals), per currency."""
    return await totals.order_totals(session, Order.contact_id == contact_id)


def _latest_events_attended() -> Select:
    """The latest few events the contact (bound as `contact_id`) was admitted to, each row with how many there are."""
    admitted = (
        select(CheckIn.event_id, func.max(CheckIn.scanned_at).label("at"))
        .join(Attendee, (Attendee.account_id == CheckIn.account_id) & (Attendee.id == CheckIn.attendee_id))
        .where(Attendee.contact_id == bindparam("contact_id"), CheckIn.result == CheckinResult.ADMITTED)
        .group_by(CheckIn.event_id)
        .subquery()
    )
    # The window counts every admitted event (a check-in's event always exists) before LIMIT keeps the latest.
    return (
        select(Event.name, func.count().over().label("events"))
        .join(admitted, admitted.c.event_id == Event.id)
        .order_by(admitted.c.at.desc())
        .limit(RECENT_EVENTS)
    )


_LATEST_EVENTS_ATTENDED = _latest_events_attended()


async def _events_attended(session, contact_id: uuid.UUID) -> tuple[int, list[str]]:
    """How many events the contact was admitted to, and the names of the latest few."""
    rows = (await session.execute(_LATEST_EVENTS_ATTENDED, {"contact_id": contact_id})).all()
    return (rows[0].events if rows else 0), [row.name for row in rows]
