"""The daily rollup: event_analytics per event and per day of the event's own time zone, and per
account and day account_day_sales (per currency) and account_day_sources (sales by source).

A day's numbers are a function of the base tables only: orders paid that day (tickets, revenue),
payments whose refund is dated that day, check-ins scanned that day (admitted, duplicate scans),
and, on the day an event ends, its no-shows (valid tickets never admitted), once it has ended.
So the rollup recomputes whole days and overwrites them (never increments): running it twice
gives the same rows, and a day recomputed later fixes itself.

It is incremental: analytics_watermarks holds, per account, the time of its last run, and a run
recomputes only the (event, day) pairs with activity since then: orders paid, payments refunded,
check-ins created (attributed to the day they were scanned), events that ended. Two things can
move a number to another day without new activity on the old one: a second partial refund moves
a payment's refunded_at, and an offline scan demotes a later admission. For an event with such
activity, the days that already hold refunds or scans are recomputed too; rows whose numbers did
not change are not written (the upsert's WHERE), so updated_at marks real changes only. The
account rows of a day are recomputed, over all its events, when one of its event-days changed
(see _recompute_account_days), so a run that finds nothing new reads no day of orders.
"""

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.services import Services

log = logging.getLogger(__name__)

# Activity is stamped when its transaction starts and visible when it commits; reading back this
# far before the watermark catches rows that committed after the previous run had looked.
OVERLAP = timedelta(minutes=5)
ACCOUNTS_PER_RUN = 50
# The watermark of an account never rolled up: before any activity.
NEVER = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Rollup:
    """What one run did: the (event, day) pairs it recomputed, and how many rows changed."""

    recomputed: tuple[tuple[uuid.UUID, date], ...]
    written: int


_CREATE_WATERMARK = text(
    "INSERT INTO analytics_watermarks (account_id, rolled_up_to) VALUES (:account, :never) "
    "ON CONFLICT (account_id) DO NOTHING"
)
_LOCK_WATERMARK = text("SELECT rolled_up_to FROM analytics_watermarks WHERE account_id = :account FOR UPDATE")
_MOVE_WATERMARK = text("UPDATE analytics_watermarks SET rolled_up_to = :now WHERE account_id = :account")

# Every (event, day) whose numbers may have changed since :since. Each event's row is read once
# (a rush or a door burst is thousands of rows of one event, whose row every sale updates), and the
# days re-read for refunds and scans go through the primary key of the few events concerned.
_TOUCHED = text(
    """
    WITH activity AS (
        SELECT o.event_id, o.paid_at AS at, 'sale' AS kind FROM orders o WHERE o.paid_at > :since
        UNION ALL
        SELECT o.event_id, p.refunded_at, 'refund' FROM payments p
          JOIN orders o ON o.account_id = p.account_id AND o.id = p.order_id
         WHERE p.refunded_at > :since
        UNION ALL
        SELECT c.event_id, c.scanned_at, 'scan' FROM check_ins c
         WHERE c.created_at > :since AND c.event_id IS NOT NULL
    ),
    zones AS MATERIALIZED (
        SELECT e.id, e.timezone FROM events e WHERE e.id IN (SELECT event_id FROM activity)
    ),
    ended AS (
        SELECT e.id, e.timezone, coalesce(e.ends_at, e.starts_at) AS ends_at FROM events e
         WHERE coalesce(e.ends_at, e.starts_at) <= :now
    )
    SELECT a.event_id, (a.at AT TIME ZONE z.timezone)::date AS day
      FROM activity a JOIN zones z ON z.id = a.event_id
    UNION
    SELECT n.id, (n.ends_at AT TIME ZONE n.timezone)::date FROM ended n
     WHERE n.ends_at > :since OR n.id IN (SELECT id FROM zones)
    UNION
    SELECT r.event_id, r.day FROM event_analytics r
     WHERE r.event_id IN (SELECT event_id FROM activity WHERE kind = 'refund') AND r.refunds > 0
    UNION
    SELECT r.event_id, r.day FROM event_analytics r
     WHERE r.event_id IN (SELECT event_id FROM activity WHERE kind = 'scan') AND r.check_ins + r.duplicate_scans > 0
    ORDER BY 1, 2
    """
)

# Recompute the given (event, day) pairs from the base tables and overwrite their rows.
_RECOMPUTE = text(
    """
    WITH pairs AS (
        SELECT p.event_id, p.day,
               p.day::timestamp AT TIME ZONE e.timezone AS starts,
               (p.day + 1)::timestamp AT TIME ZONE e.timezone AS ends,
               coalesce(e.ends_at, e.starts_at) <= :now
                 AND p.day = (coalesce(e.ends_at, e.starts_at) AT TIME ZONE e.timezone)::date AS closing
          FROM unnest(CAST(:events AS uuid[]), CAST(:days AS date[])) AS p(event_id, day)
          JOIN events e ON e.id = p.event_id
    ),
    sales AS (
        SELECT p.event_id, p.day,
               count(*) FILTER (WHERE o.kind = 'sale') AS orders,
               sum(o.quantity) AS tickets,
               coalesce(sum(o.total_cents) FILTER (WHERE o.kind = 'sale'), 0) AS revenue,
               min(o.currency) FILTER (WHERE o.kind = 'sale') AS low, max(o.currency) FILTER (WHERE o.kind = 'sale') AS high
          FROM pairs p JOIN orders o ON o.event_id = p.event_id AND o.paid_at >= p.starts AND o.paid_at < p.ends
         GROUP BY p.event_id, p.day
    ),
    refunds AS (
        SELECT p.event_id, p.day, count(*) AS refunds, sum(pay.refunded_cents) AS refunded,
               min(pay.currency) AS low, max(pay.currency) AS high
          FROM pairs p
          JOIN payments pay ON pay.refunded_at >= p.starts AND pay.refunded_at < p.ends
          JOIN orders o ON o.account_id = pay.account_id AND o.id = pay.order_id AND o.event_id = p.event_id
         GROUP BY p.event_id, p.day
    ),
    scans AS (
        SELECT p.event_id, p.day,
               count(*) FILTER (WHERE c.result = 'admitted') AS admitted,
               count(*) FILTER (WHERE c.result IN ('already_admitted', 'conflict')) AS duplicates
          FROM pairs p JOIN check_ins c ON c.event_id = p.event_id AND c.scanned_at >= p.starts AND c.scanned_at < p.ends
         GROUP BY p.event_id, p.day
    ),
    absent AS (
        SELECT p.event_id, p.day, count(*) AS no_shows
          FROM pairs p
          JOIN tickets t ON t.event_id = p.event_id AND t.status = 'valid'
          JOIN attendees a ON a.account_id = t.account_id AND a.id = t.attendee_id AND a.status = 'active'
         WHERE p.closing
           AND NOT EXISTS (SELECT 1 FROM check_ins c WHERE c.ticket_id = t.id AND c.result = 'admitted')
         GROUP BY p.event_id, p.day
    )
    INSERT INTO event_analytics AS ea (
        account_id, event_id, day, orders, tickets_sold, revenue_cents, refunds, refunded_cents,
        check_ins, duplicate_scans, no_shows, currency, updated_at
    )
    SELECT CAST(:account AS uuid), p.event_id, p.day,
           coalesce(s.orders, 0), coalesce(s.tickets, 0), coalesce(s.revenue, 0),
           coalesce(r.refunds, 0), coalesce(r.refunded, 0),
           coalesce(c.admitted, 0), coalesce(c.duplicates, 0), coalesce(n.no_shows, 0),
           -- One currency across the day's sales and refunds, or NULL (none, or several).
           CASE WHEN least(s.low, r.low) = greatest(s.high, r.high) THEN least(s.low, r.low) END,
           CAST(:now AS timestamptz)
      FROM pairs p
      LEFT JOIN sales s ON s.event_id = p.event_id AND s.day = p.day
      LEFT JOIN refunds r ON r.event_id = p.event_id AND r.day = p.day
      LEFT JOIN scans c ON c.event_id = p.event_id AND c.day = p.day
      LEFT JOIN absent n ON n.event_id = p.event_id AND n.day = p.day
    ON CONFLICT (account_id, event_id, day) DO UPDATE SET
        orders = excluded.orders, tickets_sold = excluded.tickets_sold, revenue_cents = excluded.revenue_cents,
        refunds = excluded.refunds, refunded_cents = excluded.refunded_cents, check_ins = excluded.check_ins,
        duplicate_scans = excluded.duplicate_scans, no_shows = excluded.no_shows, currency = excluded.currency,
        updated_at = excluded.updated_at
    WHERE (ea.orders, ea.tickets_sold, ea.revenue_cents, ea.refunds, ea.refunded_cents, ea.check_ins,
           ea.duplicate_scans, ea.no_shows, ea.currency)
          IS DISTINCT FROM
          (excluded.orders, excluded.tickets_sold, excluded.revenue_cents, excluded.refunds, excluded.refunded_cents,
           excluded.check_ins, excluded.duplicate_scans, excluded.no_shows, excluded.currency)
    RETURNING ea.event_id, ea.day
    """
)

# The touched event-days in several currencies: their split between currencies may move while
# their numbers stay (a refund moved out in one currency, one in another moved in), so their
# account days are recomputed even when the event-day row did not change.
_MIXED_DAYS = text(
    """
    SELECT DISTINCT p.day FROM unnest(CAST(:events AS uuid[]), CAST(:days AS date[])) AS p(event_id, day)
     -- OFFSET 0 keeps this a primary-key lookup per pair: never a scan of the account's event-days.
     CROSS JOIN LATERAL (
        SELECT 1 FROM event_analytics a
         WHERE a.event_id = p.event_id AND a.day = p.day
           AND a.currency IS NULL AND (a.revenue_cents, a.refunded_cents) <> (0, 0)
        OFFSET 0
     ) m
    """
)

# Recompute the account's totals per currency and its sales by source for the given local days, over
# every event (each on its own calendar day), and overwrite them: groups no longer there are deleted,
# unchanged rows are not written. Each day is one range of ix_orders_paid and ix_payments_refunded
# (OFFSET 0 keeps it so, in a rebuild of every day too), widened to every zone (-12 h to +14 h),
# before the event's zone decides. The bounds of the whole span (:first to :last), constants to the
# planner, let it see how few rows a day is: from the per-day bounds alone it expects a ninth of the
# table, and compiles the statement with JIT (half a second).
_RECOMPUTE_DAYS = text(
    """
    WITH days AS (
        SELECT d.day,
               d.day::timestamp AT TIME ZONE 'UTC' - interval '14 hours' AS after,
               (d.day + 1)::timestamp AT TIME ZONE 'UTC' + interval '12 hours' AS before
          FROM unnest(CAST(:days AS date[])) AS d(day)
    ),
    -- Every event's zone, hashed once: a day's tens of thousands of orders each look theirs up.
    zones AS MATERIALIZED (SELECT e.id, e.timezone FROM events e),
    paid AS (
        SELECT d.day, o.kind, o.source, o.channel_source, o.promoter_user_id, o.currency, o.quantity, o.total_cents
          FROM days d
         CROSS JOIN LATERAL (
            SELECT * FROM orders o
             WHERE o.paid_at >= d.after AND o.paid_at < d.before
               AND o.paid_at >= CAST(:first AS date)::timestamp AT TIME ZONE 'UTC' - interval '14 hours'
               AND o.paid_at < (CAST(:last AS date) + 1)::timestamp AT TIME ZONE 'UTC' + interval '12 hours'
            OFFSET 0
         ) o
          JOIN zones e ON e.id = o.event_id
         WHERE o.paid_at >= d.day::timestamp AT TIME ZONE e.timezone
           AND o.paid_at < (d.day + 1)::timestamp AT TIME ZONE e.timezone
    ),
    refunded AS (
        SELECT d.day, pay.currency, count(*) AS refunds, sum(pay.refunded_cents) AS cents
          FROM days d
         CROSS JOIN LATERAL (
            SELECT * FROM payments pay
             WHERE pay.refunded_at >= d.after AND pay.refunded_at < d.before
               AND pay.refunded_at >= CAST(:first AS date)::timestamp AT TIME ZONE 'UTC' - interval '14 hours'
               AND pay.refunded_at < (CAST(:last AS date) + 1)::timestamp AT TIME ZONE 'UTC' + interval '12 hours'
            OFFSET 0
         ) pay
          JOIN orders o ON o.account_id = pay.account_id AND o.id = pay.order_id
          JOIN zones e ON e.id = o.event_id
         WHERE pay.refunded_at >= d.day::timestamp AT TIME ZONE e.timezone
           AND pay.refunded_at < (d.day + 1)::timestamp AT TIME ZONE e.timezone
         GROUP BY d.day, pay.currency
    ),
    sold AS (
        SELECT day, currency, count(*) FILTER (WHERE kind = 'sale') AS orders, sum(quantity) AS tickets,
               coalesce(sum(total_cents) FILTER (WHERE kind = 'sale'), 0) AS revenue
          FROM paid GROUP BY day, currency
    ),
    totals AS (
        SELECT day, currency, coalesce(s.orders, 0) AS orders, coalesce(s.tickets, 0) AS tickets,
               coalesce(r.refunds, 0) AS refunds, coalesce(s.revenue, 0) AS revenue, coalesce(r.cents, 0) AS refunded
          FROM sold s FULL JOIN refunded r USING (day, currency)
    ),
    sources AS (
        SELECT day, source, channel_source, promoter_user_id, currency,
               count(*) AS orders, sum(quantity) AS tickets, sum(total_cents) AS cents
          FROM paid WHERE kind = 'sale'
         GROUP BY day, source, channel_source, promoter_user_id, currency
    ),
    gone_totals AS (
        DELETE FROM account_day_sales t USING days d
         WHERE t.day = d.day AND NOT EXISTS (SELECT 1 FROM totals n WHERE n.day = t.day AND n.currency = t.currency)
    ),
    gone_sources AS (
        DELETE FROM account_day_sources t USING days d
         WHERE t.day = d.day AND NOT EXISTS (
               SELECT 1 FROM sources n
                WHERE (n.day, n.source, n.currency) = (t.day, t.source, t.currency)
                  AND n.channel_source IS NOT DISTINCT FROM t.channel_source
                  AND n.promoter_user_id IS NOT DISTINCT FROM t.promoter_user_id)
    ),
    kept_sources AS (
        INSERT INTO account_day_sources AS ads (
            account_id, day, source, channel_source, promoter_user_id, currency, orders, tickets, cents, updated_at
        )
        SELECT CAST(:account AS uuid), day, source, channel_source, promoter_user_id, currency, orders, tickets, cents,
               CAST(:now AS timestamptz)
          FROM sources
        ON CONFLICT (account_id, day, source, channel_source, promoter_user_id, currency) DO UPDATE SET
            orders = excluded.orders, tickets = excluded.tickets, cents = excluded.cents, updated_at = excluded.updated_at
        WHERE (ads.orders, ads.tickets, ads.cents) IS DISTINCT FROM (excluded.orders, excluded.tickets, excluded.cents)
    )
    INSERT INTO account_day_sales AS ads (
        account_id, day, currency, orders, tickets_sold, refunds, revenue_cents, refunded_cents, updated_at
    )
    SELECT CAST(:account AS uuid), day, currency, orders, tickets, refunds, revenue, refunded, CAST(:now AS timestamptz)
      FROM totals
    ON CONFLICT (account_id, day, currency) DO UPDATE SET
        orders = excluded.orders, tickets_sold = excluded.tickets_sold, refunds = excluded.refunds,
        revenue_cents = excluded.revenue_cents, refunded_cents = excluded.refunded_cents, updated_at = excluded.updated_at
    WHERE (ads.orders, ads.tickets_sold, ads.refunds, ads.revenue_cents, ads.refunded_cents)
          IS DISTINCT FROM
          (excluded.orders, excluded.tickets_sold, excluded.refunds, excluded.revenue_cents, excluded.refunded_cents)
    """
)

# Accounts with activity since their watermark (system role: it sees only these timestamps).
_ACCOUNTS_WITH_ACTIVITY = text(
    """
    SELECT a.id FROM accounts a
      LEFT JOIN analytics_watermarks w ON w.account_id = a.id
     CROSS JOIN LATERAL (SELECT coalesce(w.rolled_up_to - CAST(:overlap AS interval), CAST(:never AS timestamptz)) AS since) s
     WHERE a.status = 'active' AND (
           EXISTS (SELECT 1 FROM orders o WHERE o.account_id = a.id AND o.paid_at > s.since)
        OR EXISTS (SELECT 1 FROM payments p WHERE p.account_id = a.id AND p.refunded_at > s.since)
        OR EXISTS (SELECT 1 FROM check_ins c WHERE c.account_id = a.id AND c.created_at > s.since)
        OR EXISTS (SELECT 1 FROM events e WHERE e.account_id = a.id
                      AND coalesce(e.ends_at, e.starts_at) > s.since AND coalesce(e.ends_at, e.starts_at) <= :now))
     ORDER BY w.rolled_up_to NULLS FIRST
     LIMIT :limit
    """
)


async def roll_up(session: AsyncSession, account_id: uuid.UUID, *, now: datetime) -> Rollup:
    """Recompute the days with activity since the last run, in the caller's tenant transaction."""
    # The watermark row lock serializes runs of one account (replicas, a digest refreshing its numbers).
    await session.execute(_CREATE_WATERMARK, {"account": account_id, "never": NEVER})
    watermark = (await session.execute(_LOCK_WATERMARK, {"account": account_id})).scalar_one()
    since = watermark - OVERLAP
    pairs = [tuple(row) for row in await session.execute(_TOUCHED, {"since": since, "now": now})]
    written = 0
    if pairs:
        events, days = [p[0] for p in pairs], [p[1] for p in pairs]
        rewritten = (await session.execute(
            _RECOMPUTE, {"account": account_id, "now": now, "events": events, "days": days}
        )).all()
        written = len(rewritten)
        await _recompute_account_days(session, account_id, now=now, pairs=pairs, rewritten=rewritten,
                                      rebuilding=watermark == NEVER)
    await session.execute(_MOVE_WATERMARK, {"account": account_id, "now": now})
    return Rollup(tuple(pairs), written)


async def _recompute_account_days(
    session: AsyncSession, account_id: uuid.UUID, *, now: datetime, pairs: list, rewritten: list, rebuilding: bool,
) -> None:
    """Recompute the account rows of the days whose event-days changed (every touched day in a rebuild).

    An event-day whose row did not change leaves its account day as it was, unless it is in several
    currencies (_MIXED_DAYS): a run that finds nothing new reads no day of orders.
    """
    if rebuilding:
        days = {day for _, day in pairs}
    else:
        mixed = await session.execute(_MIXED_DAYS, {"events": [p[0] for p in pairs], "days": [p[1] for p in pairs]})
        days = {day for _, day in rewritten} | set(mixed.scalars())
    if days:
        await session.execute(_RECOMPUTE_DAYS, {
            "account": account_id, "now": now, "days": sorted(days), "first": min(days), "last": max(days),
        })


async def roll_up_account(services: Services, account_id: uuid.UUID) -> Rollup:
    """Run the rollup for one account now, in its own tenant unit of work."""
    async with services.db.tenant(account_id) as session:
        return await roll_up(session, account_id, now=services.clock.now())


async def accounts_with_activity(services: Services, *, now: datetime, limit: int = ACCOUNTS_PER_RUN) -> list[uuid.UUID]:
    """Accounts with orders paid, refunds, check-ins or ended events since their last rollup, stalest first."""
    async with services.db.system() as session:
        found = await session.execute(_ACCOUNTS_WITH_ACTIVITY, {"overlap": OVERLAP, "never": NEVER, "now": now, "limit": limit})
        return list(found.scalars())


async def roll_up_due(services: Services) -> int:
    """The scheduler job: roll up every account with activity since its last run; returns rows written."""
    written = 0
    for account_id in await accounts_with_activity(services, now=services.clock.now()):
        try:
            written += (await roll_up_account(services, account_id)).written
        except Exception:
            log.exception("the analytics rollup of account %s failed; it runs again at the next tick", account_id)
    return written
