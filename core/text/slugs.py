"""Slugs: short, stable, URL-safe names (`summer-gala`, `summer-gala-2`) made from a name once."""

import re
import unicodedata
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Conflict, Invalid

MAX_LENGTH = 48
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def slugify(name: str, fallback: str) -> str:
    """`Sommer-Gala 2026!` → `sommer-gala-2026`; `fallback` when nothing usable is left."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:MAX_LENGTH].rstrip("-") or fallback


def check(slug: str) -> str:
    """A slug someone chose, lower-cased; Invalid unless it is letters, digits and single dashes."""
    value = (slug or "").strip().lower()
    if not _SLUG.match(value) or len(value) > MAX_LENGTH:
        raise Invalid(
            f"slug “{slug}” must be lower-case letters, digits and dashes (at most {MAX_LENGTH}), like summer-gala.",
            field="slug",
        )
    return value


def candidates(base: str, taken: set[str]) -> str:
    """`base`, else the first of `base-2`, `base-3`… not in `taken`."""
    if base not in taken:
        return base
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = base[: MAX_LENGTH - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
        n += 1


async def insert_unique(
    session: AsyncSession, model: type, values: dict[str, Any], *, base: str, chosen: bool,
    scope: list[ColumnElement[bool]], conflict: list[Any], taken_message: str,
) -> tuple[Any, str]:
    """Insert a row under the first free slug in `scope`; the unique index decides, not a read.

    A concurrent insert that wins the same slug makes ON CONFLICT DO NOTHING return no row;
    the next round then reads the slugs again and takes the following suffix.
    """
    for _ in range(10):
        slug = base
        if not chosen:
            prefix = base[: MAX_LENGTH - 8]
            taken = set(
                (await session.execute(select(model.slug).where(*scope, model.slug.startswith(prefix, autoescape=True)))).scalars()
            )
            slug = candidates(base, taken)
        row_id = (
            await session.execute(
                insert(model).values(**values, slug=slug).on_conflict_do_nothing(index_elements=conflict).returning(model.id)
            )
        ).scalar_one_or_none()
        if row_id is not None:
            return row_id, slug
        if chosen:
            raise Conflict(taken_message.format(slug=slug), field="slug")
    raise Conflict("Too many people picked the same name at once; please try again.", field="name")
