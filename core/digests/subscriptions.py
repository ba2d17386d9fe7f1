"""Daily digest subscriptions: one per channel, sent once per local date through the outbox.

Sending is claimed the way ARCHITECTURE.md's scheduling section says:

1. Claim: the system role leases due subscriptions (`next_run_at <= now`, from services.clock)
   with the job engine's `lease_due`, so replicas share them and a crashed replica's lease lapses.
2. Send: per subscription, a tenant transaction locks it again, inserts its digest_runs row for
   (subscription, local date) — unique, so a second sender inserts nothing — and, only if that
   insert happened, enqueues the message (dedupe key `digest:{subscription}:{local date}`) and
   moves next_run_at on, all in the one transaction: the run exists if and only if its message does.

A subscription whose run was missed (nothing was running at 09:00) is due the next time any
replica ticks: it sends the latest missed date's digest once, saying it is late, and skips older ones.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts.permissions import Action, require
from core.context import TenantContext
from core.digests import analytics
from core.digests import reports as digest_reports
from core.digests.notices import Digest
from core.digests.schedule import latest_run, next_run, parse_at
from core.errors import Invalid, Next, NextStep, NotFound, Thing
from core.jobs import engine, outbox
from core.services import Services
from core.time.local_time import in_zone
from db.enums import AccountStatus, DigestKind
from db.models import Account, DigestRun, DigestSubscription

log = logging.getLogger(__name__)

KIND_NAMES = {
    DigestKind.SALES: "sales digest", DigestKind.CHECKINS: "check-in digest", DigestKind.BOTH: "sales and check-in digest",
}
LEASE = timedelta(minutes=2)
# A run this long after its time is late: the message says so.
LATE_AFTER = timedelta(minutes=15)
CLAIMS_PER_TICK = 20

subscriptions = DigestSubscription.__table__


@dataclass(frozen=True)
class Subscription:
    channel_id: str
    kind: str
    at: time
    timezone: str
    next_run_at: datetime

    @property
    def what(self) -> str:
        return KIND_NAMES[self.kind]


@dataclass(frozen=True)
class Posted:
    channel_id: str
    kind: str
    day: date  # the reported day
    today: bool = False  # today so far, rather than yesterday

    @property
    def what(self) -> str:
        return KIND_NAMES[self.kind]


def _kind(kind: str | None) -> DigestKind:
    try:
        return DigestKind((kind or DigestKind.BOTH).strip().lower())
    except ValueError:
        raise Invalid(f"kind must be sales, checkins or both, not “{kind}”.", field="kind") from None


def _channel(channel_id: str | None) -> str:
    if not channel_id:
        raise Invalid("Name the channel with #.", next_step=Next.to(NextStep.NAME_DIGEST_CHANNEL), field="channel")
    return channel_id


async def subscribe(
    services: Services, tenant: TenantContext, *, channel_id: str | None, kind: str | None = None, at: str | None = None,
) -> Subscription:
    """Send the channel a daily digest at `at` (account time); subscribing again changes its kind and time."""
    require(tenant, Action.SET_UP_DIGESTS)
    channel, value, at_local = _channel(channel_id), _kind(kind), parse_at(at)
    now = services.clock.now()
    async with services.db.tenant(tenant.account_id) as session:
        timezone, _ = await _account(session)
        due = next_run(at_local, timezone, after=now)
        await session.execute(
            insert(subscriptions)
            .values(account_id=tenant.account_id, channel_id=channel, kind=value, at_local=at_local,
                    next_run_at=due, created_by=tenant.user_id)
            .on_conflict_do_update(
                index_elements=["account_id", "channel_id"],
                set_={"kind": value, "at_local": at_local, "next_run_at": due, "active": True, "claimed_until": None},
            )
        )
    return Subscription(channel, value, at_local, timezone, due)


async def unsubscribe(services: Services, tenant: TenantContext, *, channel_id: str | None) -> Subscription:
    """Stop the channel's digest (its record of days already sent stays, so re-subscribing never repeats one)."""
    require(tenant, Action.STOP_DIGESTS)
    channel = _channel(channel_id)
    async with services.db.tenant(tenant.account_id) as session:
        timezone, _ = await _account(session)
        row = (
            await session.execute(
                update(subscriptions)
                .where(subscriptions.c.channel_id == channel, subscriptions.c.active)
                .values(active=False, claimed_until=None)
                .returning(subscriptions.c.kind, subscriptions.c.at_local, subscriptions.c.next_run_at)
            )
        ).first()
    if row is None:
        raise NotFound(
            "That channel gets no digest.", kind=Thing.DIGEST, asked=channel,
            next_step=Next.to(NextStep.LIST_DIGESTS, channel=channel), field="channel",
        )
    return Subscription(channel, row.kind, row.at_local, timezone, row.next_run_at)


async def list_subscriptions(services: Services, tenant: TenantContext) -> list[Subscription]:
    """The channels that get a digest, by time of day."""
    require(tenant, Action.SEE_DIGESTS)
    async with services.db.tenant(tenant.account_id) as session:
        timezone, _ = await _account(session)
        rows = await session.execute(
            select(subscriptions.c.channel_id, subscriptions.c.kind, subscriptions.c.at_local, subscriptions.c.next_run_at)
            .where(subscriptions.c.active)
            .order_by(subscriptions.c.at_local, subscriptions.c.channel_id)
        )
        return [Subscription(r.channel_id, r.kind, r.at_local, timezone, r.next_run_at) for r in rows]


async def send_now(
    services: Services, tenant: TenantContext, *, channel_id: str | None, request_key: str, today: bool = False,
) -> Posted:
    """Post yesterday's digest (or today's so far) into the channel now (the channel's kind, else both), through the outbox.

    Days are the account's calendar days. `request_key` names this request (Slack's trigger_id), so a
    retried request posts once.
    """
    require(tenant, Action.POST_DIGESTS)
    channel = _channel(channel_id)
    now = services.clock.now()
    async with services.db.tenant(tenant.account_id) as session:
        timezone, currency = await _account(session)
        kind = (
            await session.execute(
                select(subscriptions.c.kind).where(subscriptions.c.channel_id == channel, subscriptions.c.active)
            )
        ).scalar_one_or_none() or DigestKind.BOTH
        local_now = in_zone(now, timezone)
        day = local_now.date() if today else local_now.date() - timedelta(days=1)
        digest = await compose(
            session, services, account_id=tenant.account_id, kind=kind, day=day, currency=currency,
            timezone=timezone, now=now, so_far=now if today else None,
        )
        await outbox.enqueue(
            session, account_id=tenant.account_id, dedupe_key=f"digest-now:{channel}:{request_key}", channel=channel,
            notice=digest,
        )
    return Posted(channel, kind, day, today)


async def compose(
    session: AsyncSession, services: Services, *, account_id: uuid.UUID, kind: str, day: date, currency: str,
    timezone: str, now: datetime, late: datetime | None = None, so_far: datetime | None = None,
) -> Digest:
    """Bring the rollup up to date unless one is running, then state the digest of `day` from it.

    `so_far` (now) marks `day` as today, still running; `late` is when a late digest was due.
    """
    if await _rollup_free(session, account_id):
        await analytics.roll_up(session, account_id, now=now)
    sales, checkins = None, None
    if kind != DigestKind.CHECKINS:
        sales = await digest_reports.sales_digest(session, day=day, currency=currency, now=now)
    if kind != DigestKind.SALES:
        checkins = await digest_reports.checkin_digest(session, day=day, now=now)
    return Digest(sales=sales, checkins=checkins, currency=currency, timezone=timezone, late=late, so_far=so_far)


async def send_due(services: Services, *, limit: int = CLAIMS_PER_TICK) -> int:
    """The scheduler job: send every due digest once; returns how many were enqueued."""
    now = services.clock.now()

    async def send(claimed: tuple[uuid.UUID, uuid.UUID]) -> int:
        # Nothing is committed by a failure: the lease lapses and the next tick (here or elsewhere) tries again.
        subscription_id, account_id = claimed
        return await send_claimed(services, account_id, subscription_id, now=now)

    return await engine.each(await claim_due(services, now=now, limit=limit), send, what="digest")


async def claim_due(services: Services, *, now: datetime, limit: int = CLAIMS_PER_TICK) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """Lease up to `limit` due subscriptions across tenants (system role: routing columns only)."""
    due = (
        select(subscriptions.c.id)
        .where(
            subscriptions.c.active,
            subscriptions.c.next_run_at <= now,
            or_(subscriptions.c.claimed_until.is_(None), subscriptions.c.claimed_until < now),
            subscriptions.c.account_id.in_(select(Account.id).where(Account.status == AccountStatus.ACTIVE)),
        )
        .order_by(subscriptions.c.next_run_at)
        .limit(limit)
    )
    async with services.db.system() as session:
        rows = await engine.lease_due(
            session, subscriptions, due=due, values=dict(claimed_until=now + LEASE),
            returning=(subscriptions.c.id, subscriptions.c.account_id),
        )
    return [(row.id, row.account_id) for row in rows]


async def send_claimed(services: Services, account_id: uuid.UUID, subscription_id: uuid.UUID, *, now: datetime) -> int:
    """Send one due subscription's digest unless its date was sent already; 1 if a message was enqueued."""
    async with services.db.tenant(account_id) as session:
        sub = (
            await session.execute(
                select(subscriptions)
                .where(subscriptions.c.id == subscription_id, subscriptions.c.active, subscriptions.c.next_run_at <= now)
                .with_for_update()
            )
        ).first()
        if sub is None:
            return 0  # sent and moved on by another replica meanwhile, or stopped
        timezone, currency = await _account(session)
        local_date, scheduled = latest_run(sub.at_local, timezone, upto=now)
        late = now - scheduled > LATE_AFTER
        ran = (
            await session.execute(
                insert(DigestRun.__table__)
                .values(account_id=account_id, subscription_id=subscription_id, local_date=local_date, late=late)
                .on_conflict_do_nothing(index_elements=["account_id", "subscription_id", "local_date"])
                .returning(DigestRun.__table__.c.id)
            )
        ).first()
        if ran is not None:
            digest = await compose(
                session, services, account_id=account_id, kind=sub.kind, day=local_date - timedelta(days=1),
                currency=currency, timezone=timezone, now=now, late=scheduled if late else None,
            )
            await outbox.enqueue(
                session, account_id=account_id, dedupe_key=f"digest:{subscription_id}:{local_date}",
                channel=sub.channel_id, notice=digest,
            )
        await session.execute(
            update(subscriptions)
            .where(subscriptions.c.id == subscription_id)
            .values(next_run_at=next_run(sub.at_local, timezone, after=now), claimed_until=None)
        )
    return 1 if ran is not None else 0


_TRY_WATERMARK = text("SELECT 1 FROM analytics_watermarks WHERE account_id = :account FOR UPDATE SKIP LOCKED")
_HAS_WATERMARK = text("SELECT 1 FROM analytics_watermarks WHERE account_id = :account")


async def _rollup_free(session: AsyncSession, account_id: uuid.UUID) -> bool:
    """Take the rollup's watermark lock if nobody holds it (or the account was never rolled up).

    A digest never waits for a running rollup (a scheduler tick or another digest): it reports the
    rows as they are. Holding the lock, its own roll_up's FOR UPDATE does not wait either.
    """
    if (await session.execute(_TRY_WATERMARK, {"account": account_id})).first() is not None:
        return True
    return (await session.execute(_HAS_WATERMARK, {"account": account_id})).first() is None


async def _account(session: AsyncSession) -> tuple[str, str]:
    """The account's time zone and currency."""
    row = (await session.execute(select(Account.timezone, Account.currency))).one()
    return row.timezone, row.currency
