"""Guest-list counts per list and per promoter: added, places, arrived and people in, to settle with promoters."""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts.permissions import Action, require
from core.context import TenantContext
from core.events.events import load_event
from core.guestlists import access
from core.services import Services
from db.enums import CheckinResult
from db.models import CheckIn, GuestEntry, GuestList, User


@dataclass(frozen=True)
class Counts:
    """`names` entries holding `places` (guests plus companions); `arrived` of them came, `people` people in all."""

    label: str
    names: int
    places: int
    arrived: int
    people: int
    cap: int | None = None
    closes_at: datetime | None = None

    @property
    def companions_in(self) -> int:
        return self.people - self.arrived


@dataclass(frozen=True)
class GuestStats:
    event_slug: str
    event_name: str
    timezone: str
    lists: list[Counts]
    promoters: list[Counts]
    mine_only: bool

    @property
    def total(self) -> Counts:
        return Counts(
            "all", sum(c.names for c in self.lists), sum(c.places for c in self.lists),
            sum(c.arrived for c in self.lists), sum(c.people for c in self.lists),
        )


async def guest_stats(services: Services, tenant: TenantContext, *, event: str) -> GuestStats:
    """Guest-list counts: every list and promoter for organizers; a promoter's own counts for them."""
    require(tenant, Action.SEE_GUEST_LIST_COUNTS)
    async with services.db.tenant(tenant.account_id) as session:
        row = await load_event(session, event)
        return await counts_for(session, row.id, row.slug, row.name, row.timezone, promoter=access.owner_filter(tenant))


async def counts_for(
    session: AsyncSession, event_id: uuid.UUID, slug: str, name: str, timezone: str, *, promoter: uuid.UUID | None = None
) -> GuestStats:
    """The counts of one event, grouped by list and by promoter (only `promoter`'s entries when given)."""
    arrived = (
        select(CheckIn.guest_entry_id, CheckIn.party)
        .where(CheckIn.event_id == event_id, CheckIn.result == CheckinResult.ADMITTED, CheckIn.guest_entry_id.is_not(None))
        .subquery()
    )
    measures = (
        func.count(GuestEntry.id), func.coalesce(func.sum(1 + GuestEntry.companions), 0),
        func.count(arrived.c.guest_entry_id), func.coalesce(func.sum(arrived.c.party), 0),
    )
    conditions = [GuestEntry.event_id == event_id]
    if promoter is not None:
        conditions.append(GuestEntry.promoter_id == promoter)
    by_list = await session.execute(
        select(GuestList.name, GuestList.cap, GuestList.closes_at, *measures)
        .select_from(GuestList)
        .outerjoin(GuestEntry, and_(GuestEntry.account_id == GuestList.account_id, GuestEntry.list_id == GuestList.id,
                                    *conditions))
        .outerjoin(arrived, arrived.c.guest_entry_id == GuestEntry.id)
        .where(GuestList.event_id == event_id, *([GuestList.promoter_id == promoter] if promoter else []))
        .group_by(GuestList.id)
        .order_by(GuestList.name)
    )
    by_promoter = await session.execute(
        select(func.coalesce(User.name, "—"), *measures)
        .select_from(GuestEntry)
        .outerjoin(arrived, arrived.c.guest_entry_id == GuestEntry.id)
        .outerjoin(User, and_(User.account_id == GuestEntry.account_id, User.id == GuestEntry.promoter_id))
        .where(*conditions)
        .group_by(User.id, User.name)
        .order_by(func.coalesce(User.name, "—"))
    )
    lists = [Counts(n, *map(int, (a, b, c, d)), cap=cap, closes_at=closes) for n, cap, closes, a, b, c, d in by_list]
    promoters = [Counts(n, *map(int, (a, b, c, d))) for n, a, b, c, d in by_promoter]
    return GuestStats(slug, name, timezone, lists, promoters, promoter is not None)


async def counts_for_stats(services: Services, tenant: TenantContext, *, event: str) -> GuestStats | None:
    """The guest counts the event stats add: None for users who handle no guest lists (door staff)."""
    if not tenant.has_role("promoter"):
        return None
    return await guest_stats(services, tenant, event=event)
