"""An event's public link for organizers to share: its URL and a QR code of it for posters.

A link may be tracked: for a source (`instagram`) and/or a promoter, it carries a short token
(`?via=k7m2q9xa`), one per event, source and promoter; orders placed through it record both, so
sales can be read by source and a promoter can read their own figures.
"""

import re
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts.permissions import Action, require
from core.context import TenantContext
from core.errors import Forbidden, Invalid, Next, NextStep, NotFound, Thing
from core.events import events
from core.sales import tickets
from core.services import Services
from core.storefront.handles import event_url, public_handle
from core.storefront.pages import event_page
from db.enums import EventStatus
from db.models import TrackedLink, User

SOURCE = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
TOKEN = re.compile(r"[a-z0-9]{8,16}")
_TOKEN_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
_TOKEN_LENGTH = 8
VIA = "via"  # the query parameter that carries a tracked link's token

links_t = TrackedLink.__table__


@dataclass(frozen=True)
class EventLink:
    url: str
    qr_url: str
    event_name: str
    status: str  # the page is live only while the event is published
    source: str | None = None
    promoter: str | None = None  # the promoter's name, for a promoter's link


@dataclass(frozen=True)
class Attribution:
    """Where a public order came from: the tracked link's source and promoter."""

    source: str | None
    promoter_id: uuid.UUID | None


def normalize_source(text: str | None) -> str | None:
    """A source as stored: lower-case letters, digits, - and _, at most 32 (`Instagram` is `instagram`)."""
    if text is None:
        return None
    source = text.strip().lower()
    if not SOURCE.fullmatch(source):
        raise Invalid("A source is 1–32 letters, digits, - or _, like source=instagram.", field="source")
    return source


async def event_link(
    services: Services, tenant: TenantContext, *, event: str, source: str | None = None,
    promoter_slack_id: str | None = None,
) -> EventLink:
    """The public URL of an event (drafts included: it goes live when the event is published).

    With a source or a promoter it is a tracked link. Promoters get only their own: asked by a
    promoter, the link always credits them.
    """
    require(tenant, Action.SHARE_EVENT_PAGES)
    source = normalize_source(source)
    own = not tenant.has_role("sales")
    if own and promoter_slack_id is not None and promoter_slack_id != tenant.slack_user_id:
        raise Forbidden("You can share only your own link; leave out promoter= to get it.", field="promoter")
    info = await events.get_event_by_slug(services, tenant, event)
    url = event_url(services, await public_handle(services, tenant), info.slug)
    promoter_id, promoter = None, None
    if own or source or promoter_slack_id:
        async with services.db.tenant(tenant.account_id) as session:
            if own:
                promoter_id = tenant.user_id
            elif promoter_slack_id:
                promoter_id = await _user_id(session, promoter_slack_id)
            if promoter_id is not None:
                promoter = (await session.execute(select(User.name).where(User.id == promoter_id))).scalar_one()
            token = await _token_for(session, tenant, info.id, source, promoter_id)
        url = f"{url}?{VIA}={token}"
        return EventLink(url, _qr_url(url), info.name, info.status, source, promoter)
    return EventLink(url, _qr_url(url), info.name, info.status)


def _qr_url(url: str) -> str:
    base, _, query = url.partition("?")
    return f"{base}/qr.png" + (f"?{query}" if query else "")


async def _user_id(session: AsyncSession, slack_user_id: str) -> uuid.UUID:
    found = (await session.execute(select(User.id).where(User.slack_user_id == slack_user_id))).scalar_one_or_none()
    if found is None:
        raise NotFound(
            "That person has not used EventOS yet.", kind=Thing.USER, asked=slack_user_id,
            next_step=Next.to(NextStep.OPEN_PROMO_HELP), field="promoter",
        )
    return found


async def _token_for(session: AsyncSession, tenant: TenantContext, event_id: uuid.UUID, source: str | None,
                     promoter_id: uuid.UUID | None) -> str:
    """The link's token, made on first use; asking again (at once or later) gives the same one."""
    for _ in range(8):
        token = "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(_TOKEN_LENGTH))
        made = (
            await session.execute(
                insert(links_t)
                .values(account_id=tenant.account_id, event_id=event_id, token=token, source=source,
                        promoter_id=promoter_id, created_by=tenant.user_id)
                .on_conflict_do_nothing()
                .returning(links_t.c.token)
            )
        ).scalar_one_or_none()
        if made is not None:
            return made
        # Either this link exists (a concurrent first use waited on the index, then lost) or the token clashed.
        existing = (
            await session.execute(
                select(links_t.c.token).where(
                    links_t.c.event_id == event_id, links_t.c.source.is_not_distinct_from(source),
                    links_t.c.promoter_id.is_not_distinct_from(promoter_id),
                )
            )
        ).scalar_one_or_none()
        if existing is not None:
            return existing
    raise RuntimeError("could not draw a free link token")


def read_token(text: str | None) -> str | None:
    """A `via` value as it may be looked up, or None for anything that cannot be a token."""
    token = (text or "").strip().lower()
    return token if TOKEN.fullmatch(token) else None


async def attribution(session: AsyncSession, *, event_id: uuid.UUID, token: str | None) -> Attribution | None:
    """The source and promoter of this event's tracked link `token`; None for no token or another event's."""
    token = read_token(token)
    if token is None:
        return None
    row = (
        await session.execute(
            select(links_t.c.source, links_t.c.promoter_id).where(links_t.c.token == token,
                                                                   links_t.c.event_id == event_id)
        )
    ).first()
    return None if row is None else Attribution(row.source, row.promoter_id)


async def published_url(
    services: Services, tenant: TenantContext, info: events.EventInfo, *, handle: str | None = None
) -> str | None:
    """The URL of a published event's page, else None; `handle` is the account's, when the caller read it already."""
    if info.status != EventStatus.PUBLISHED:
        return None
    return event_url(services, handle or await public_handle(services, tenant), info.slug)


async def qr_png(services: Services, handle: str, event_slug: str, *, via: str | None = None) -> bytes | None:
    """A QR code (PNG) of a live event page's URL (with a tracked link's token); None when there is no such page."""
    page = await event_page(services, handle, event_slug)
    if page is None:
        return None
    url = event_url(services, page.organizer.handle, page.slug)
    token = read_token(via)
    return tickets.qr_png(f"{url}?{VIA}={token}" if token else url)
