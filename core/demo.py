"""The demo: a small event business that shows every part of EventOS, marked as demo data and removable.

`seed_demo` first claims the account's one `demos` row (unique per account), so a second run, or
two at once, adds nothing. Every row it makes (venue, events, companies, contacts, notes, campaign,
digest subscription) is recorded in `demo_rows` the moment it exists, so `remove_demo` deletes the
demo's rows and only those, with what hangs off its events (orders, tickets, check-ins, the
promo code and tracked link it sold through), even after a run that stopped half-way. Its names end in "(demo)" and its slugs come from them, so an
event of the user's own called Summer Gala (slug `summer-gala`) is neither taken for the demo nor
touched by it; a contact or company the account had already is used as it is and never recorded.
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, delete, exists, func, or_, select, union_all
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from core.accounts.permissions import Action, require
from core.campaigns import campaigns
from core.context import TenantContext
from core.crm import companies, contacts, interactions
from core.digests import subscriptions
from core.door import checkins
from core.errors import Conflict, NotFound
from core.events import events, ticket_types, venues
from core.sales import orders, payments, promos
from core.services import Services
from core.storefront import links
from core.time.local_time import in_zone
from db.enums import DigestKind, OrderSource
from db.models import (
    Attendee,
    Campaign,
    CheckIn,
    Company,
    Contact,
    Demo,
    DemoRow,
    DigestSubscription,
    Event,
    GuestEntry,
    Interaction,
    Order,
    Payment,
    Product,
    PromoCode,
    Ticket,
    TrackedLink,
    Venue,
)

SUFFIX = " (demo)"
# Every company the people below work at, made first, so the demo records each one it adds.
COMPANIES = (
    ("Analytical Engines", "lovelace.example"), ("Compilers Inc", "hopper.example"),
    ("Bletchley Labs", "turing.example"), ("Orbital", "johnson.example"),
)
# email, name, company, tags
PEOPLE = (
    ("ada@lovelace.example", "Ada Lovelace", "Analytical Engines", ["vip"]),
    ("grace@hopper.example", "Grace Hopper", "Compilers Inc", ["speaker"]),
    ("alan@turing.example", "Alan Turing", "Bletchley Labs", []),
    ("katherine@johnson.example", "Katherine Johnson", "Orbital", ["press"]),
    ("tim@bernerslee.example", "Tim Berners-Lee", None, []),
    ("margaret@hamilton.example", "Margaret Hamilton", None, ["vip"]),
)
ADA, GRACE, ALAN, KATHERINE, TIM, MARGARET = PEOPLE
PROMO_CODE = "GALA-FRIENDS-DEMO"  # 20% off the gala, 20 uses
LINK_SOURCE = "newsletter"  # the gala's tracked link


@dataclass(frozen=True)
class DemoSummary:
    created: bool
    events: tuple[str, ...]  # slugs, the tour's first stop first
    contacts: int
    orders: int
    campaign: str | None = None


@dataclass(frozen=True)
class DemoRemoved:
    events: int
    contacts: int
    rows: int  # every demo row removed, of every kind


class _Recorder:
    """Records each row the demo makes, in its own transaction, as soon as it exists."""

    def __init__(self, services: Services, tenant: TenantContext, demo_id: uuid.UUID) -> None:
        self.services, self.tenant, self.demo_id = services, tenant, demo_id

    async def __call__(self, kind: str, row_id: uuid.UUID) -> uuid.UUID:
        async with self.services.db.tenant(self.tenant.account_id) as session:
            await session.execute(
                insert(DemoRow).values(account_id=self.tenant.account_id, demo_id=self.demo_id, kind=kind, row_id=row_id)
            )
        return row_id


async def _claim(services: Services, tenant: TenantContext) -> uuid.UUID | None:
    """The new demo record's id, or None when the account has its demo already."""
    async with services.db.tenant(tenant.account_id) as session:
        return (
            await session.execute(
                insert(Demo).values(account_id=tenant.account_id)
                .on_conflict_do_nothing(index_elements=["account_id"]).returning(Demo.id)
            )
        ).scalar_one_or_none()


async def _demo_slugs(services: Services, tenant: TenantContext) -> tuple[str, ...]:
    async with services.db.tenant(tenant.account_id) as session:
        found = await session.execute(
            select(Event.slug).join(DemoRow, and_(DemoRow.kind == "event", DemoRow.row_id == Event.id))
            .order_by(Event.starts_at)
        )
        return tuple(found.scalars())


def _at(services: Services, tenant: TenantContext, days: int, hour: int) -> str:
    """`days` from today at `hour` o'clock, written as a person would type it in the account's zone."""
    day = in_zone(services.clock.now(), tenant.timezone) + timedelta(days=days)
    return day.strftime(f"%Y-%m-%d {hour:02d}:00")


async def seed_demo(services: Services, tenant: TenantContext) -> DemoSummary:
    """Add the demo business once: a second run (or one racing this one) changes nothing.

    `tenant.channel_id` is where its campaign reports and its daily digest go (none when unset).
    """
    require(tenant, Action.ADD_THE_DEMO_DATA)
    demo_id = await _claim(services, tenant)
    if demo_id is None:
        return DemoSummary(False, await _demo_slugs(services, tenant), 0, 0)
    remember = _Recorder(services, tenant, demo_id)

    hall = await venues.add_venue(services, tenant, name="Harbour Hall" + SUFFIX, address="1 Quay Street", capacity=400)
    await remember("venue", hall.id)
    launch = await _event(services, tenant, remember, "Launch Party", venue=hall.name, capacity=120,
                          starts=services.clock.now().replace(second=0, microsecond=0) + timedelta(hours=1),
                          tickets=(("Door", "15", None),))
    meetup = await _event(services, tenant, remember, "Product Meetup", starts=_at(services, tenant, 14, 18),
                          ends=_at(services, tenant, 14, 21), capacity=80, tickets=(("Free entry", "0", None),))
    gala = await _event(services, tenant, remember, "Summer Gala", venue=hall.name, capacity=300,
                        starts=_at(services, tenant, 30, 19), ends=_at(services, tenant, 30, 23),
                        tickets=(("Early bird", "25", 50), ("General admission", "35", 200), ("VIP", "120", 50)))

    for name, domain in COMPANIES:
        try:
            await remember("company", (await companies.add_company(services, tenant, name=name, domain=domain)).id)
        except Conflict:
            pass  # the account has this company already: the demo uses it and leaves it be
    for email, name, company, tags in PEOPLE:
        try:
            added = await contacts.add_contact(services, tenant, email=email, name=name, company=company, tags=tags)
        except Conflict:
            continue  # the account's own contact: the demo sells to it but never records (or removes) it
        await remember("contact", added.id)
        await contacts.set_consent(services, tenant, email=email, email_consent=True, source="demo")

    sold = [
        await _paid(services, tenant, gala, "vip", ADA, 2),
        await _paid(services, tenant, gala, "general-admission", GRACE, 1),
        await _paid(services, tenant, gala, "early-bird", ALAN, 2),
    ]
    refunded = await _paid(services, tenant, gala, "general-admission", MARGARET, 1)
    await payments.refund(services, tenant, reference=refunded)
    await orders.comp(services, tenant, event=gala, ticket="vip", email=KATHERINE[0], name=KATHERINE[1])
    await orders.hold_seats(services, tenant, event=meetup, ticket="free-entry", email=TIM[0], name=TIM[1])
    promoted = await _promo_sale(services, tenant, remember, gala)
    tracked = await _tracked_sale(services, tenant, remember, gala)
    at_the_door = [await _paid(services, tenant, launch, "door", person, 1) for person in (ADA, GRACE, ALAN)]
    for reference in at_the_door[:2]:
        for code in await _codes(services, tenant, reference):
            await checkins.admit_code(services, tenant, code=code)

    for kind, person, body in (
        ("call", ADA, "Asked about a table for ten at the gala."),
        ("meeting", GRACE, "Agreed to give the opening talk."),
        ("note", KATHERINE, "Writing a piece on the gala for Orbital's newsletter."),
    ):
        logged = await interactions.log_interaction(services, tenant, kind=kind, email=person[0], body=body)
        if logged.interaction_id is not None:
            await remember("interaction", logged.interaction_id)

    campaign = await campaigns.create_campaign(
        services, tenant, name="Gala tickets on sale" + SUFFIX, audience=f"tag:vip or event:{meetup}:bought",
        template="announcement", subject="The Summer Gala is on sale", event=gala,
        message="Early-bird seats go first: book yours this week.",
    )
    await remember("campaign", campaign.id)
    if tenant.channel_id:
        await _subscribe(services, tenant, remember)
    # The paid orders, then the refunded one, the comp, the meetup's free seat and the code's and the link's sales.
    return DemoSummary(
        True, (gala, meetup, launch), len(PEOPLE), len(sold) + len(at_the_door) + 3 + promoted + tracked, campaign.slug,
    )


async def _event(
    services: Services, tenant: TenantContext, remember: _Recorder, name: str, *, starts, ends=None,
    venue: str | None = None, capacity: int, tickets: tuple[tuple[str, str, int | None], ...],
) -> str:
    """A published demo event with its ticket types; its slug."""
    event = await events.create_event(
        services, tenant, name=name + SUFFIX, starts=starts, ends=ends, venue=venue, capacity=capacity,
    )
    await remember("event", event.id)
    for ticket, price, seats in tickets:
        await ticket_types.add_ticket_type(services, tenant, event=event.slug, name=ticket, price=price, capacity=seats)
    await events.publish_event(services, tenant, slug=event.slug)
    return event.slug


async def _paid(services: Services, tenant: TenantContext, event: str, ticket: str, person, qty: int) -> str:
    """A paid (bank transfer) order; its reference."""
    held = await orders.hold_seats(services, tenant, event=event, ticket=ticket, qty=qty, email=person[0], name=person[1])
    await payments.mark_paid(services, tenant, reference=held.reference, method="bank")
    return held.reference


async def _promo_sale(services: Services, tenant: TenantContext, remember: _Recorder, gala: str) -> int:
    """The gala's promo code, two of its uses taken by a paid order; 0 orders when the account has that code already."""
    try:
        code = await promos.add_promo(services, tenant, event=gala, code=PROMO_CODE, percent=20, max=20)
    except Conflict:
        return 0  # the account's own code: the demo neither sells with it nor removes it
    await remember("promo_code", code.id)
    held = await orders.hold_seats(
        services, tenant, event=gala, ticket="general-admission", qty=2, email=TIM[0], name=TIM[1], code=code.code,
    )
    await payments.mark_paid(services, tenant, reference=held.reference, method="bank")
    return 1


async def _tracked_sale(services: Services, tenant: TenantContext, remember: _Recorder, gala: str) -> int:
    """The gala's tracked link for its newsletter, and an order placed on the event page through it."""
    await links.event_link(services, tenant, event=gala, source=LINK_SOURCE)
    async with services.db.tenant(tenant.account_id) as session:
        link = (
            await session.execute(
                select(TrackedLink.id, TrackedLink.event_id, TrackedLink.token)
                .join(Event, Event.id == TrackedLink.event_id)
                .where(Event.slug == gala, TrackedLink.source == LINK_SOURCE)
            )
        ).one()
        via = await links.attribution(session, event_id=link.event_id, token=link.token)
    await remember("tracked_link", link.id)
    placement = orders.Placement(OrderSource.WEB, channel_source=via.source, promoter_id=via.promoter_id)
    held = await orders.place_hold(
        services, tenant.account_id, placement, event=gala, ticket="early-bird", qty=1, email=KATHERINE[0],
        name=KATHERINE[1],
    )
    await payments.mark_paid(services, tenant, reference=held.reference, method="bank")
    return 1


async def _codes(services: Services, tenant: TenantContext, reference: str) -> list[str]:
    async with services.db.tenant(tenant.account_id) as session:
        found = await session.execute(
            select(Ticket.code).join(Attendee, Attendee.id == Ticket.attendee_id)
            .join(Order, Order.id == Attendee.order_id).where(Order.reference == reference)
        )
        return list(found.scalars())


async def _subscribe(services: Services, tenant: TenantContext, remember: _Recorder) -> None:
    """The daily digest in the tenant's channel, unless that channel has one of the user's own."""
    async with services.db.tenant(tenant.account_id) as session:
        taken = (
            await session.execute(select(DigestSubscription.id).where(DigestSubscription.channel_id == tenant.channel_id))
        ).first()
    if taken is not None:
        return
    await subscriptions.subscribe(services, tenant, channel_id=tenant.channel_id, kind=DigestKind.BOTH, at="09:00")
    async with services.db.tenant(tenant.account_id) as session:
        row_id = (
            await session.execute(select(DigestSubscription.id).where(DigestSubscription.channel_id == tenant.channel_id))
        ).scalar_one()
    await remember("digest_subscription", row_id)


def _recorded(kind: str):
    return select(DemoRow.row_id).where(DemoRow.kind == kind)


async def remove_demo(services: Services, tenant: TenantContext) -> DemoRemoved:
    """Delete the demo's rows, and only those, in one transaction; NotFound when there is no demo.

    The demo events go with everything on them (orders, tickets, check-ins, their analytics). A demo
    contact, company or venue that the account's own data has come to use since is kept.
    """
    require(tenant, Action.REMOVE_THE_DEMO_DATA)
    merged = aliased(Contact)
    demo_events = _recorded("event")
    async with services.db.tenant(tenant.account_id) as session:
        demo_id = (await session.execute(select(Demo.id).with_for_update())).scalar_one_or_none()
        if demo_id is None:
            raise NotFound("This workspace has no demo data; `eventos seed-demo` adds it.")
        recorded = await session.scalar(select(func.count()).select_from(DemoRow))
        try:
            async with session.begin_nested():
                # The timeline entries the demo's orders, refunds, check-ins and campaign wrote (on any contact).
                demo_orders = select(Order.id).where(Order.event_id.in_(demo_events))
                keys = union_all(
                    select(func.concat("order:", Order.id, ":purchase")).where(Order.event_id.in_(demo_events)),
                    select(func.concat("checkin:", Ticket.id)).where(Ticket.event_id.in_(demo_events)),
                    select(func.concat("campaign:", Campaign.id)).where(Campaign.id.in_(_recorded("campaign"))),
                )
                refunds = exists().where(
                    Payment.order_id.in_(demo_orders),
                    Interaction.source_key.like(func.concat("payment:", Payment.id, ":refunded:%")),
                )
                await session.execute(delete(Interaction).where(
                    or_(Interaction.id.in_(_recorded("interaction")), Interaction.source_key.in_(keys), refunds)
                ))
                for table, column in ((CheckIn, CheckIn.event_id), (Ticket, Ticket.event_id), (Attendee, Attendee.event_id)):
                    await session.execute(delete(table).where(column.in_(demo_events)))
                await session.execute(delete(Payment).where(Payment.order_id.in_(demo_orders)))
                await session.execute(delete(Order).where(Order.event_id.in_(demo_events)))
                await session.execute(delete(PromoCode).where(PromoCode.id.in_(_recorded("promo_code"))))
                await session.execute(delete(TrackedLink).where(TrackedLink.id.in_(_recorded("tracked_link"))))
                await session.execute(delete(Campaign).where(Campaign.id.in_(_recorded("campaign"))))
                await session.execute(delete(Product).where(Product.event_id.in_(demo_events)))
                removed_events = (await session.execute(delete(Event).where(Event.id.in_(demo_events)))).rowcount
                await session.execute(
                    delete(Venue).where(Venue.id.in_(_recorded("venue")), ~exists().where(Event.venue_id == Venue.id))
                )
                await session.execute(
                    delete(DigestSubscription).where(DigestSubscription.id.in_(_recorded("digest_subscription")))
                )
                removed_contacts = (
                    await session.execute(
                        delete(Contact).where(
                            Contact.id.in_(_recorded("contact")),
                            ~exists().where(Order.contact_id == Contact.id),
                            ~exists().where(Attendee.contact_id == Contact.id),
                            ~exists().where(GuestEntry.contact_id == Contact.id),
                            ~exists().where(merged.merged_into_id == Contact.id),
                        )
                    )
                ).rowcount
                await session.execute(
                    delete(Company).where(Company.id.in_(_recorded("company")), ~exists().where(Contact.company_id == Company.id))
                )
        except IntegrityError:
            raise Conflict(
                "Some of your own data points at the demo (a campaign about a demo event, say); "
                "change or remove it, then remove the demo again."
            ) from None
        await session.execute(delete(Demo).where(Demo.id == demo_id))
    return DemoRemoved(removed_events, removed_contacts, recorded)
