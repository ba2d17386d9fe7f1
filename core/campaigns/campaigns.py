"""Campaigns: create, preview, schedule, send, cancel, show and list (sending is core.campaign_sender).

A campaign is a draft until it is scheduled (`scheduled_at` set, status `scheduled`); sending
now is scheduling for this moment. The ticker's job picks it up from the table at its time on
whichever replica gets there first, so nothing about a schedule lives in a process.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts.permissions import Action, require
from core.campaigns import audiences
from core.campaigns._messages import (
    SAMPLE,
    Recipient,
    Renderer,
    clean_message,
    load_content,
    sms_segments,
    template_names,
)
from core.context import TenantContext
from core.errors import Conflict, Invalid, Next, NextStep, NotFound, NotReady, Thing
from core.events.events import load_event, shown
from core.services import Services
from core.text import lookup, names, slugs
from core.time import local_time
from db.enums import CampaignStatus, Channel, RecipientStatus
from db.models import Campaign, CampaignRecipient, Contact, Event

MAX_SUBJECT = 200
CHANGEABLE = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED)
CANCELLABLE = (*CHANGEABLE, CampaignStatus.SENDING)
LIST_LIMIT = 20


@dataclass(frozen=True)
class CampaignInfo:
    id: uuid.UUID
    slug: str
    name: str
    channel: str
    audience: str
    template: str
    subject: str | None
    message: str | None
    status: str
    scheduled_at: datetime | None
    sent_at: datetime | None
    event_slug: str | None
    event_name: str | None
    report_channel: str | None
    counts: dict[str, int]  # recipients by status, plus skipped for consent when materialised

    @property
    def sent(self) -> int:
        return self.counts.get(RecipientStatus.SENT, 0)


@dataclass(frozen=True)
class Preview:
    campaign: CampaignInfo
    reachable: int
    skipped: int
    sample_name: str  # whose message the sample is (a made-up contact when the audience is empty)
    subject: str | None
    body: str  # the email's text part, or the SMS
    sms_parts: int | None


@dataclass(frozen=True)
class Cancelled:
    campaign: CampaignInfo
    changed: bool


def _channel(value: str | None) -> Channel:
    try:
        return Channel((value or Channel.EMAIL).strip().lower())
    except ValueError:
        raise Invalid(f"channel must be email or sms, not “{value}”.", field="channel") from None


def _subject(value: str | None, channel: str) -> str | None:
    if channel == Channel.SMS:
        return None
    subject = names.clean_text(value, field="subject", limit=MAX_SUBJECT)
    if subject is None:
        raise Invalid("Give the email a subject, like subject=\"See you at the Summer Gala\".", field="subject")
    return subject


def _check_gateway(services: Services, channel: str) -> None:
    if channel == Channel.SMS and services.sms is None:
        raise NotReady("SMS is not set up: an admin sets SMS_API_URL and SMS_API_TOKEN, then campaigns can go by SMS.")


async def _campaign(session: AsyncSession, slug: str, *, lock: bool = False) -> Campaign:
    campaign = await lookup.find(session, Campaign, slug, lock=lock)
    if campaign is None:
        near = await lookup.closest(session, Campaign, slug)
        raise NotFound(
            f"There is no campaign `{slug}`.{lookup.did_you_mean(near)}", kind=Thing.CAMPAIGN, asked=slug, suggestions=near,
            next_step=Next.to(NextStep.LIST_CAMPAIGNS), field="campaign",
        )
    return campaign


async def _info(session: AsyncSession, campaign: Campaign) -> CampaignInfo:
    counts = dict(
        (
            await session.execute(
                select(CampaignRecipient.status, func.count())
                .where(CampaignRecipient.campaign_id == campaign.id)
                .group_by(CampaignRecipient.status)
            )
        ).all()
    )
    counts[RecipientStatus.SKIPPED] = counts.get(RecipientStatus.SKIPPED, 0) + campaign.skipped_count
    event = None
    if campaign.event_id is not None:
        event = (await session.execute(select(Event.slug, Event.name).where(Event.id == campaign.event_id))).one()
    return CampaignInfo(
        campaign.id, campaign.slug, campaign.name, campaign.channel, campaign.audience, campaign.template,
        campaign.subject, campaign.message, campaign.status, campaign.scheduled_at, campaign.sent_at,
        event.slug if event else None, event.name if event else None, campaign.report_channel, counts,
    )


async def _bound(session: AsyncSession, audience_text: str) -> audiences.Bound:
    return await audiences.bind(session, audiences.parse(audience_text))


async def _ready(services: Services, session: AsyncSession, campaign: Campaign) -> audiences.Size:
    """Check a campaign can go out now (gateway, events, template); the audience's size."""
    _check_gateway(services, campaign.channel)
    bound = await _bound(session, campaign.audience)
    Renderer(services, campaign.account_id, await load_content(session, campaign)).check()
    return await audiences.size(session, bound, campaign.channel)


# --- use cases ----------------------------------------------------------------------------


def templates_for(channel: str) -> list[str]:
    """Template names usable on a channel (for pickers and help)."""
    return template_names(_channel(channel))


async def create_campaign(
    services: Services, tenant: TenantContext, *, name: str, audience: str, template: str,
    channel: str | None = Channel.EMAIL, subject: str | None = None, message: str | None = None,
    event: str | None = None, slug: str | None = None,
) -> CampaignInfo:
    """A draft campaign; its event is the one given, else the only event its audience names."""
    require(tenant, Action.CREATE_CAMPAIGNS)
    clean = names.clean_name(name)
    channel = _channel(channel)
    chosen = slugs.check(slug) if slug else None
    parsed = audiences.parse(audience)
    clean_subject = _subject(subject, channel)
    text = clean_message(message)
    picked = (template or "").strip().lower()
    if not picked:
        raise Invalid(f"Pick a template: {', '.join(template_names(channel))}.", field="template")
    async with services.db.tenant(tenant.account_id) as session:
        bound = await audiences.bind(session, parsed)
        if event and event.strip():
            event_id = (await load_event(session, event)).id
        else:
            event_id = next(iter(bound.events.values())).id if len(bound.events) == 1 else None
        values = dict(
            account_id=tenant.account_id, name=clean, channel=channel, audience=parsed.text, subject=clean_subject,
            template=picked, message=text, event_id=event_id, report_channel=tenant.channel_id,
            created_by=tenant.user_id,
        )
        probe = Campaign(**values)
        Renderer(services, tenant.account_id, await load_content(session, probe)).check()
        campaign_id, _ = await slugs.insert_unique(
            session, Campaign, values, base=chosen or slugs.slugify(clean, "campaign"), chosen=chosen is not None,
            scope=[], conflict=[Campaign.account_id, Campaign.slug],
            taken_message="Another campaign already has the slug `{slug}`; choose another slug=.",
        )
        campaign = (await session.execute(select(Campaign).where(Campaign.id == campaign_id))).scalar_one()
        return await _info(session, campaign)


async def get_campaign(services: Services, tenant: TenantContext, *, slug: str) -> CampaignInfo:
    require(tenant, Action.SEE_CAMPAIGNS)
    async with services.db.tenant(tenant.account_id) as session:
        return await _info(session, await _campaign(session, slug))


async def list_campaigns(services: Services, tenant: TenantContext) -> list[CampaignInfo]:
    """The newest campaigns first."""
    require(tenant, Action.SEE_CAMPAIGNS)
    async with services.db.tenant(tenant.account_id) as session:
        rows = (
            await session.scalars(select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id).limit(LIST_LIMIT))
        ).all()
        return [await _info(session, campaign) for campaign in rows]


async def preview_campaign(services: Services, tenant: TenantContext, *, slug: str) -> Preview:
    """The audience's size now and the message as its first recipient would get it."""
    require(tenant, Action.PREVIEW_CAMPAIGNS)
    async with services.db.tenant(tenant.account_id) as session:
        campaign = await _campaign(session, slug)
        bound = await _bound(session, campaign.audience)
        size = await audiences.size(session, bound, campaign.channel)
        first = (
            await session.execute(
                bound.recipients(campaign.channel)
                .with_only_columns(Contact.id, Contact.email, Contact.phone, Contact.first_name, Contact.last_name)
                .order_by(Contact.created_at, Contact.id)
                .limit(1)
            )
        ).first()
        contact = Recipient(*first) if first else SAMPLE
        renderer = Renderer(services, tenant.account_id, await load_content(session, campaign))
        renderer.check()
        if campaign.channel == Channel.SMS:
            body = renderer.sms(contact)
            subject, parts = None, sms_segments(body)
        else:
            email = renderer.email(contact, preview=True)
            body, subject, parts = email.text, email.subject, None
        return Preview(
            await _info(session, campaign), size.reachable, size.skipped,
            contact.name if first else f"{contact.name} (a sample: nobody in the audience yet)", subject, body, parts,
        )


async def schedule_campaign(services: Services, tenant: TenantContext, *, slug: str, at: str | datetime) -> CampaignInfo:
    """Send at `at` (read in the account's zone); a scheduled campaign may be moved."""
    require(tenant, Action.SCHEDULE_CAMPAIGNS)
    async with services.db.tenant(tenant.account_id) as session:
        campaign = await _campaign(session, slug, lock=True)
        _check_changeable(campaign)
        when = at if isinstance(at, datetime) else local_time.parse(at, tenant.timezone, field="at")
        if when <= services.clock.now():
            raise Invalid(
                f"at {shown(when, tenant.timezone)} is in the past; pick a later time.",
                next_step=Next.to(NextStep.SEND_CAMPAIGN_NOW, campaign=campaign.slug), field="at",
            )
        await _ready(services, session, campaign)
        campaign.status, campaign.scheduled_at = CampaignStatus.SCHEDULED, when
        await session.flush()
        return await _info(session, campaign)


async def sending_size(services: Services, tenant: TenantContext, *, slug: str) -> Preview:
    """What `send` would do now: the confirmation step's numbers (refused when nobody can get it)."""
    require(tenant, Action.SEND_CAMPAIGNS)
    preview = await preview_campaign(services, tenant, slug=slug)
    _check_changeable(preview.campaign)
    _check_gateway(services, preview.campaign.channel)
    if preview.reachable == 0:
        raise Invalid(_nobody(preview.campaign, preview.skipped), field="audience")
    return preview


async def send_campaign_now(services: Services, tenant: TenantContext, *, slug: str) -> tuple[CampaignInfo, int]:
    """Hand the campaign to the sender at once; returns it with the number of people it goes to."""
    require(tenant, Action.SEND_CAMPAIGNS)
    async with services.db.tenant(tenant.account_id) as session:
        campaign = await _campaign(session, slug, lock=True)
        _check_changeable(campaign)
        size = await _ready(services, session, campaign)
        if size.reachable == 0:
            raise Invalid(_nobody(campaign, size.skipped), field="audience")
        campaign.status, campaign.scheduled_at = CampaignStatus.SCHEDULED, services.clock.now()
        await session.flush()
        return await _info(session, campaign), size.reachable


async def cancel_campaign(services: Services, tenant: TenantContext, *, slug: str) -> Cancelled:
    """Stop a draft, scheduled or sending campaign; recipients not yet handed over get nothing."""
    require(tenant, Action.CANCEL_CAMPAIGNS)
    async with services.db.tenant(tenant.account_id) as session:
        campaign = await _campaign(session, slug)
        # Conditional: a campaign that finished meanwhile stays sent.
        changed = (
            await session.execute(
                update(Campaign)
                .where(Campaign.id == campaign.id, Campaign.status.in_(CANCELLABLE))
                .values(status=CampaignStatus.CANCELLED, claimed_until=None)
                .returning(Campaign.id)
            )
        ).scalar_one_or_none()
        await session.refresh(campaign)
        if changed is None and campaign.status != CampaignStatus.CANCELLED:
            raise Conflict(f"“{campaign.name}” is {campaign.status} already; there is nothing to cancel.")
        return Cancelled(await _info(session, campaign), changed is not None)


def _check_changeable(campaign: Campaign | CampaignInfo) -> None:
    if campaign.status not in CHANGEABLE:
        raise Conflict(f"“{campaign.name}” is {campaign.status}; only a draft or scheduled campaign can be sent or scheduled.")


def _nobody(campaign: Campaign | CampaignInfo, skipped: int) -> str:
    why = f" ({skipped} match but have no {campaign.channel} consent or unsubscribed)" if skipped else ""
    return f"Nobody in “{campaign.audience}” can get it by {campaign.channel}{why}; widen the audience first."
