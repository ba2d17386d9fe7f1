"""What an event's settled orders add up to, read from `order_tallies` rather than from every order.

Triggers keep one row per event, state, kind, channel, tracked source, promoter and currency
(migration 0098), so an event card reads a few rows whatever its number of orders. The rules are
those of `core/sales/totals.py` (gross of the orders paid once, refunds, net) and
`core/sales/sources.py` (paid sales by channel, source and promoter); `tests/core/test_order_tallies.py`
checks that both ways of counting agree. Held orders are not tallied: the card counts them itself.
"""

import uuid
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.sales.sources import SourceSales
from core.sales.totals import PAID_ONCE, Totals
from db.enums import OrderStatus
from db.models import OrderTally, User

SOURCES_SHOWN = 25

_T, _U = OrderTally.__table__, User.__table__
# Built once: every card reuses its compiled form.
_READ = (
    select(_T.c.status, _T.c.kind, _T.c.source, _T.c.channel_source, _T.c.promoter_user_id, _U.c.name.label("promoter"),
           _T.c.currency,
           _T.c.orders, _T.c.tickets, _T.c.cents, _T.c.refunded_cents)
    .outerjoin(_U, and_(_U.c.account_id == _T.c.account_id, _U.c.id == _T.c.promoter_user_id))
    .where(_T.c.event_id == bindparam("event_id"), _T.c.orders != 0)
)


@dataclass(frozen=True)
class EventOrders:
    """An event's settled orders: how many in each state, the money they took and gave back, and where sales came from."""

    by_status: dict[str, int]
    money: tuple[Totals, ...]  # per currency, largest gross first
    sources: tuple[SourceSales, ...]  # paid sales per channel, source and promoter, most revenue first


async def event_orders(session: AsyncSession, event_id: uuid.UUID) -> EventOrders:
    """The event's tallies, in the caller's tenant transaction."""
    rows = (await session.execute(_READ, {"event_id": event_id})).all()
    by_status: dict[str, int] = defaultdict(int)
    gross: dict[str, int] = defaultdict(int)
    back: dict[str, int] = defaultdict(int)
    sources: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    promoters: dict[uuid.UUID | None, str | None] = {}
    for row in rows:
        by_status[row.status] += row.orders
        if row.status in PAID_ONCE:
            gross[row.currency] += row.cents
            # A refunded order gave back its whole total; a paid one its partial refunds.
            back[row.currency] += row.cents if row.status == OrderStatus.REFUNDED else row.refunded_cents
        if row.status == OrderStatus.PAID and row.kind == "sale":
            promoters[row.promoter_user_id] = row.promoter
            found = sources[(row.source, row.channel_source, row.promoter_user_id, row.currency)]
            found[0] += row.orders
            found[1] += row.tickets
            found[2] += row.cents
    money = sorted((Totals(int(gross[c]), int(back[c]), c) for c in gross), key=lambda t: (-t.gross_cents, t.currency))
    by_source = sorted(
        (SourceSales(channel, source, promoters[promoter], orders, tickets, int(cents), currency)
         for (channel, source, promoter, currency), (orders, tickets, cents) in sources.items()),
        # As sources.py orders them in SQL: NULLs last.
        key=lambda s: (-s.revenue_cents, -s.orders, s.channel, s.source is None, s.source or "",
                       s.promoter is None, s.promoter or ""),
    )
    return EventOrders(dict(by_status), tuple(money), tuple(by_source[:SOURCES_SHOWN]))
