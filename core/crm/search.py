"""Contact search, ranked exact email > prefix of email or name > words, each tier on an index.

Under forced row-level security the app role's prefix and full-text conditions (not leakproof)
cannot reach their indexes, so every tier goes through a path that filters the tenant on its own:
the exact email through the `contact_search` view, a security barrier whose email equality is
leakproof, and the prefix and word tiers through the functions `contact_search_prefix` and
`contact_search_words` (migration 0012), which take the search as arguments and return the
tenant's hits in order. Tiers run in order and stop once the page is full, so a name prefix never
pays for a full-text search.
"""

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Float, Integer, Select, String, Text, bindparam, column, func, literal, select
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


def _columns(hits, tier: int):
    return (hits.c.id, hits.c.email, hits.c.first_name, hits.c.last_name, hits.c.company_name, literal(tier))


PREFIXED = ("email", "first_name", "last_name")  # the fields contact_search_prefix knows
HIT = (
    column("id", UUID(as_uuid=True)), column("email", Text), column("first_name", Text),
    column("last_name", Text), column("company_name", Text),
)


def _ordered_hits(function, order_key):
    """The function's rows (HIT columns, then the key it ordered by), numbered in the order it returned them."""
    return function.table_valued(*HIT, order_key, with_ordinality="position").render_derived()


# Each tier's statement is built once per shape and run with bound values, so a search costs no
# statement construction and SQLAlchemy's compiled cache (and asyncpg's prepared statements) hit.
@cache
def _exact() -> Select:
    return select(*_columns(view, 0)).where(view.c.email == bindparam("needle", type_=String))


@cache
def _prefix(field: int, limit: int) -> Select:
    hits = _ordered_hits(func.contact_search_prefix(
        literal(PREFIXED[field]), bindparam("low", type_=String), bindparam("high", type_=String),
        literal(limit, Integer),
    ), column("key", Text))
    return select(*_columns(hits, 1)).order_by(hits.c.position)


@cache
def _words(limit: int) -> Select:
    hits = _ordered_hits(
        func.contact_search_words(bindparam("tsquery", type_=String), literal(limit, Integer)), column("rank", Float)
    )
    return select(*_columns(hits, 2)).order_by(hits.c.position)


def tier_statements(needle: str, limit: int = LIMIT) -> Iterator[tuple[Select, dict[str, str | None]]]:
    """The tiers' queries and their values, best first, for a normalised (trimmed, lower-case) search text."""
    yield _exact(), {"needle": needle}
    low, high = prefix_range(needle)
    for field in range(len(PREFIXED)):
        yield _prefix(field, limit), {"low": low, "high": high}
    tsquery = words_query(needle)
    if tsquery:
        yield _words(limit), {"tsquery": tsquery}


async def search_contacts(session: AsyncSession, text: str, *, limit: int = LIMIT) -> list[ContactHit]:
    """Up to `limit` live contacts of the session's account matching `text`, best first."""
    needle = " ".join((text or "").split()).lower()
    if not needle:
        return []
    hits: dict[uuid.UUID, ContactHit] = {}
    for statement, values in tier_statements(needle, limit):
        for row in (await session.execute(statement, values)).all():
            hits.setdefault(row[0], ContactHit(*row))
        if len(hits) >= limit:
            break
    return list(hits.values())[:limit]
