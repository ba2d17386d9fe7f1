"""Contact search, ranked exact email > prefix of email or name > words, each tier on an index.

Every tier reads the `contact_search` view (migration 0004), the only way the app role's
prefix and full-text conditions reach their indexes under forced row-level security. Tiers run
in order and stop once the page is full, so a name prefix never pays for a full-text search.
"""

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from sqlalchemy import Select, String, bindparam, func, literal, literal_column, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from db.models.crm import contact_search as view

LIMIT = 20
WORD = re.compile(r"\w+")
SIMPLE = literal_column("'simple'")  # the text search configuration of contacts.search
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
        return " ".join(p for p in (self.first_name, self.last_name) if p) or self.email


def prefix_range(prefix: str) -> tuple[str, str | None]:
    """Bounds [low, high) of the strings that start with `prefix`, in byte (pattern) order."""
    last = ord(prefix[-1])
    if last >= 0x10FFFF:
        return prefix, None
    following = 0xE000 if 0xD800 <= last + 1 <= 0xDFFF else last + 1
    return prefix, prefix[:-1] + chr(following)


def _starts_with(expression, bounded: bool):
    # text_pattern_ops operators, written out: they are leakproof and match the 0001 indexes.
    condition = expression.op("~>=~", is_comparison=True)(bindparam("low", type_=String))
    return condition & expression.op("~<~", is_comparison=True)(bindparam("high", type_=String)) if bounded else condition


def _pattern_order(expression):
    # The pattern opclass's own order, so the index hands rows over sorted and LIMIT stops early.
    sql = expression.compile(dialect=postgresql.dialect())
    return literal_column(f"{sql} USING ~<~")


def words_query(text: str) -> str | None:
    """A tsquery in which every typed word must match, longer words also as a prefix."""
    words = WORD.findall(text.lower())
    if not words:
        return None
    return " & ".join(f"'{w}':*" if len(w) >= MIN_PREFIX_WORD else f"'{w}'" for w in words[:8])


def _columns(tier: int):
    return (view.c.id, view.c.email, view.c.first_name, view.c.last_name, view.c.company_name, literal(tier))


PREFIXED = (view.c.email, func.lower(view.c.first_name), func.lower(view.c.last_name))


# Each tier's statement is built once per shape and run with bound values, so a search costs no
# statement construction and SQLAlchemy's compiled cache (and asyncpg's prepared statements) hit.
@cache
def _exact() -> Select:
    return select(*_columns(0)).where(view.c.email == bindparam("needle", type_=String))


@cache
def _prefix(column: int, bounded: bool, limit: int) -> Select:
    expression = PREFIXED[column]
    return select(*_columns(1)).where(_starts_with(expression, bounded)).order_by(_pattern_order(expression)).limit(limit)


@cache
def _words(limit: int) -> Select:
    query = func.to_tsquery(SIMPLE, bindparam("tsquery", type_=String))
    return (
        select(*_columns(2))
        .where(view.c.search.op("@@", is_comparison=True)(query))
        .order_by(func.ts_rank(view.c.search, query).desc(), view.c.email)
        .limit(limit)
    )


def tier_statements(needle: str, limit: int = LIMIT) -> Iterator[tuple[Select, dict[str, str]]]:
    """The tiers' queries and their values, best first, for a normalised (trimmed, lower-case) search text."""
    yield _exact(), {"needle": needle}
    low, high = prefix_range(needle)
    bounds = {"low": low, "high": high} if high is not None else {"low": low}
    for column in range(len(PREFIXED)):
        yield _prefix(column, high is not None, limit), bounds
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
