"""One rule for finding a named thing (event, ticket type, campaign) by what someone typed.

Its slug, or its exact name in any case (`Summer Gala`, `summer gala`); when nothing matches,
the closest slugs and names are offered instead of a dead end.
"""

import difflib
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, Suggestion

SUGGESTIONS = 3
_CANDIDATES = 2000  # the most names read to suggest from


def typed(text: str | None) -> str:
    """What was typed, trimmed and lower-cased (slugs are lower-case, names compare without case)."""
    return " ".join((text or "").split()).lower()


async def find(
    session: AsyncSession, model: type, text: str | None, *, scope: Sequence[ColumnElement[bool]] = (),
    lock: bool = False, key_share: bool = False,
) -> Any | None:
    """The row whose slug, else whose name (any case), is `text`; Conflict when that name is on several."""
    value = typed(text)
    if not value:
        return None
    # The slug first, on its index; a name (no index on lower(name)) only when no slug matches.
    by_slug = select(model).where(*scope, model.slug == value)
    if lock:
        by_slug = by_slug.with_for_update(key_share=key_share)
    if (row := (await session.scalars(by_slug)).first()) is not None:
        return row
    statement = select(model).where(*scope, func.lower(model.name) == value).order_by(model.slug).limit(2)
    if lock:
        statement = statement.with_for_update(key_share=key_share)
    rows = (await session.scalars(statement)).all()
    if len(rows) == 2:
        raise Conflict(
            f"More than one is called “{rows[0].name}”: `{rows[0].slug}` and `{rows[1].slug}`; use the slug."
        )
    return rows[0] if rows else None


async def closest(
    session: AsyncSession, model: type, text: str | None, *, scope: Sequence[ColumnElement[bool]] = (),
) -> list[Suggestion]:
    """Up to three suggestions closest to `text`, best first."""
    value = typed(text)
    rows = (
        await session.execute(select(model.slug, model.name).where(*scope).order_by(model.slug).limit(_CANDIDATES))
    ).all()
    scored = sorted(
        ((max(difflib.SequenceMatcher(None, value, slug).ratio(),
              difflib.SequenceMatcher(None, value, name.lower()).ratio()), slug, name) for slug, name in rows),
        key=lambda s: (-s[0], s[1]),
    )
    return [Suggestion(slug, name) for score, slug, name in scored[:SUGGESTIONS] if score >= 0.5]


def did_you_mean(suggestions: Sequence[Suggestion]) -> str:
    """` Did you mean `a` (A) or `b` (B)?` — empty when there is nothing close."""
    if not suggestions:
        return ""
    shown = [f"`{s.slug}` ({s.name})" for s in suggestions]
    return " Did you mean " + (" or ".join([", ".join(shown[:-1]), shown[-1]]) if len(shown) > 1 else shown[0]) + "?"
