"""Contact search, ranked exact email > prefix of email or name > words, each tier on an index.

Under forced row-level security the app role's prefix and full-text conditions (not leakproof)
cannot reach their indexes, so every tier goes through a path that filters the tenant on its own:
the exact email through the `contact_search` view, a security barrier whose email equality is
leakproof, and the prefix and word tiers through the functions `contact_search_prefix` and
`contact_search_words` (migration 0012), which take the search as arguments and return the
tenant's hits in order. All tiers go in one statement, best first; the full-text tier runs only when
the others left the page short, so a name prefix never pays for a full-text search.
"""

import re
import uuid
from dataclasses import dataclass
from functools import cache

from sqlalchemy import (
    BigInteger, CompoundSelect, Float, Integer, Select, String, Text, bindparam, column, distinct, func, literal, select,
    union_all,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.ext.asyncio import AsyncSession

from core.crm import names
from db.models.crm import contact_search as view

LIMIT = 20
WORD = re.compile(r"\w+")
MIN_PREFIX_WORD = 3  # shorter words match whole lexemes only: `a:*` would rank half the table


@dataclass(frozen=True)
class ContactHit:
    id: uuid.UUID
    email: str
    first_name: str | None
    last_name: str | None
    company_name: str | None
    tier: int  # 0 exact email, 1 prefix, 2 words

    @property
    def name(self) -> str:
        return names.display_name(self.first_name, self.last_name, self.email)


def prefix_range(prefix: str) -> tuple[str, str | None]:
    """Bounds [low, high) of the strings that start with `prefix`, in byte (pattern) order."""
    last = ord(prefix[-1])
    if last >= 0x10FFFF:
        return prefix, None
    following = 0xE000 if 0xD800 <= last + 1 <= 0xDFFF else last + 1
    return prefix, prefix[:-1] + chr(following)


def words_query(text: str) -> str | None:
    """A tsquery in which every typed word must match, longer words also as a prefix."""
    words = WORD.findall(text.lower())
    if not words:
        return None
    return " & ".join(f"'{w}':*" if len(w) >= MIN_PREFIX_WORD else f"'{w}'" for w in words[:8])


PREFIXED = ("email", "first_name", "last_name")  # the fields contact_search_prefix knows
HIT = (
    column("id", UUID(as_uuid=True)), column("email", Text), column("first_name", Text),
    column("last_name", Text), column("company_name", Text),
)
WORDS_STEP = 1 + len(PREFIXED)  # the order of the tiers' parts: exact 0, each prefix field, then words


def _part(hits, tier: int, step: int, position) -> Select:
    """A tier's rows as ContactHit's columns, then where they stand: the part's step and the row's position in it."""
    return select(
        hits.c.id, hits.c.email, hits.c.first_name, hits.c.last_name, hits.c.company_name,
        literal(tier, Integer).label("tier"), literal(step, Integer).label("step"), position.label("position"),
    )


def _ordered_hits(function, order_key):
    """The function's rows (HIT columns, then the key it ordered by), numbered in the order it returned them."""
    return function.table_valued(*HIT, order_key, with_ordinality="position").render_derived()


def _exact() -> Select:
    return _part(view, 0, 0, literal(0, BigInteger)).where(view.c.email == bindparam("needle", type_=String))


def _prefix(field: int, limit: int) -> Select:
    hits = _ordered_hits(func.contact_search_prefix(
        literal(PREFIXED[field]), bindparam("low", type_=String), bindparam("high", type_=String),
        literal(limit, Integer),
    ), column("key", Text))
    return _part(hits, 1, 1 + field, hits.c.position)


def _words(limit: int) -> Select:
    hits = _ordered_hits(
        func.contact_search_words(bindparam("tsquery", type_=String), literal(limit, Integer)), column("rank", Float)
    )
    return _part(hits, 2, WORDS_STEP, hits.c.position)


# Built once per limit and run with bound values: one round trip, no statement construction, and
# SQLAlchemy's compiled cache (and asyncpg's prepared statement) hit. The exact and prefix tiers each
# read a handful of index pages, so all run; the full-text tier runs only when they found fewer than
# `limit` contacts (a one-time filter: PostgreSQL never calls the function otherwise), so a name
# prefix never pays for a full-text search.
@cache
def search_statement(limit: int = LIMIT) -> CompoundSelect:
    found = union_all(_exact(), *(_prefix(field, limit) for field in range(len(PREFIXED)))).cte("found")
    still_short = select(func.count(distinct(found.c.id))).scalar_subquery() < limit
    words = _words(limit).where(bindparam("tsquery", type_=String).is_not(None), still_short)
    return union_all(select(*found.c), words).order_by(column("step"), column("position"))


def search_values(needle: str) -> dict[str, str | None]:
    """The search statement's values for a normalised (trimmed, lower-case) search text."""
    low, high = prefix_range(needle)
    return {"needle": needle, "low": low, "high": high, "tsquery": words_query(needle)}


async def search_contacts(session: AsyncSession, text: str, *, limit: int = LIMIT) -> list[ContactHit]:
    """Up to `limit` live contacts of the session's account matching `text`, best first."""
    needle = " ".join((text or "").split()).lower()
    if not needle:
        return []
    hits: dict[uuid.UUID, ContactHit] = {}
    for row in await session.execute(search_statement(limit), search_values(needle)):
        hits.setdefault(row.id, ContactHit(*row[:6]))  # a contact stays where its best tier found it
    return list(hits.values())[:limit]
