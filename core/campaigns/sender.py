"""Sending campaigns: the ticker's job. Every recipient gets a campaign once; a crash leaves at most the messages in flight in doubt.

1. Claim due campaigns across tenants (system role, the job engine's `lease_due`, a short lease in
   `claimed_until` renewed after every batch), so one replica works on a campaign at a time and a
   crashed one's lapses within a minute.
2. Start: in the tenant's transaction, `scheduled → sending` (a conditional UPDATE) and, in the
   same transaction, one `INSERT … SELECT` of the audience into `campaign_recipients`
   (`ON CONFLICT DO NOTHING` on `(account_id, campaign_id, contact_id)`).
3. Batches on the job engine (core/jobs/engine.py): claim a small batch of pending recipients with
   a lease kept alive while this worker lives; just before each message, mark that recipient as
   being attempted (committed), or `skipped` when its contact lost consent meanwhile; after the
   mail server or SMS provider answers, record `sent` (with a `campaign` interaction on the
   timeline), `failed`, or a retry after a backoff when the server surely did not take it.
4. Finish: no `pending` left → `sending → sent` (conditional) with the counts, and the report is
   queued in the outbox in the same transaction.

A recipient found "being attempted" by a later claim was in flight when its sender died: it is in
doubt, sent once more (an email with the same Message-ID, so receivers that de-duplicate can) and
counted as in doubt, never sent a third time. Recipients not yet attempted are simply sent by the
survivor. The report counts sent, failed, skipped and in-doubt recipients separately.
"""

import logging
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import Row, case, exists, func, literal, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.campaigns import audiences
from core.campaigns._messages import Recipient, Renderer, load_content
from core.errors import DomainError, Next
from core.jobs import engine, outbox
from core.jobs.engine import Attempt, Doubt, Failed, Finished, Outcome, Sent
from core.jobs.policies import CAMPAIGN_RECIPIENTS
from core.notices import CampaignReport
from core.ports import SendError
from core.services import Services
from db.enums import CampaignStatus, Channel, RecipientStatus
from db.models import Campaign, CampaignRecipient, Contact, Interaction

log = logging.getLogger(__name__)

# Small batches: a claim holds only what this worker is about to send (a second or two of it).
BATCH = 50
# The campaign's claim is renewed after every batch; a crashed sender's lapses after this.
LEASE = timedelta(seconds=15)
NO_CONSENT = "skipped: no consent any more (or unsubscribed) when its turn came"
CAMPAIGNS_AT_ONCE = 5
# Messages in flight at once per campaign: the round trips overlap, and a crash leaves at most this many in doubt.
LANES = 4

campaigns_t = Campaign.__table__
recipients_t = CampaignRecipient.__table__


@dataclass(frozen=True)
class _Run:
    name: str
    renderer: Renderer


async def send_due(
    services: Services, *, account_id: uuid.UUID | None = None, limit: int = CAMPAIGNS_AT_ONCE, batch: int = BATCH,
    lanes: int = LANES,
) -> int:
    """The ticker's job: send every due campaign (or one account's); returns how many messages went out."""
    now = services.clock.now()
    due = (
        select(campaigns_t.c.id)
        .where(
            campaigns_t.c.status.in_((CampaignStatus.SCHEDULED, CampaignStatus.SENDING)),
            campaigns_t.c.scheduled_at <= now,
            campaigns_t.c.claimed_until.is_(None) | (campaigns_t.c.claimed_until < now),
        )
        .order_by(campaigns_t.c.scheduled_at)
        .limit(limit)
    )
    if account_id is not None:
        due = due.where(campaigns_t.c.account_id == account_id)
    async with services.db.system() as session:
        claimed = await engine.lease_due(
            session, campaigns_t, due=due, values=dict(claimed_until=now + LEASE),
            returning=(campaigns_t.c.account_id, campaigns_t.c.id),
        )

    async def send(row: Row) -> int:
        return await send_campaign(services, row.account_id, row.id, batch=batch, lanes=lanes)

    return await engine.each(claimed, send, what="campaign")


async def send_campaign(
    services: Services, account_id: uuid.UUID, campaign_id: uuid.UUID, *, batch: int = BATCH, lanes: int = LANES,
) -> int:
    """Start (once) and send a due campaign until it is done or the server refuses; returns messages sent.

    Safe to run on any number of workers at once: every recipient row is claimed before sending.
    """
    run = await _start(services, account_id, campaign_id)
    if run is None:
        return 0
    worker = _Worker(services, account_id, campaign_id, run)
    # A cancelled campaign stops at the next batch.
    sending = exists().where(Campaign.id == campaign_id, Campaign.status == CampaignStatus.SENDING)
    sent = 0
    while True:
        tally = await engine.drain(
            services, worker, limit=batch, account_id=account_id,
            where=(CampaignRecipient.campaign_id == campaign_id, sending),
            # A mail server that refuses for now refuses the rest too; an SMS refused is refused alone.
            stop_on_retry=run.renderer.content.channel == Channel.EMAIL, lanes=lanes,
        )
        sent += tally.sent
        if not tally.claimed or tally.retrying:
            # Done, or the server is refusing for now: the rest waits for its backoff, on a later tick.
            break
        await _renew(services, account_id, campaign_id)
    await _finish(services, account_id, campaign_id)
    return sent


async def _start(services: Services, account_id: uuid.UUID, campaign_id: uuid.UUID) -> _Run | None:
    """`scheduled → sending` with its recipients, once; what it sends, or None when it is not sending."""
    now = services.clock.now()
    async with services.db.tenant(account_id) as session:
        started = (
            await session.execute(
                update(Campaign)
                .where(Campaign.id == campaign_id, Campaign.status == CampaignStatus.SCHEDULED, Campaign.scheduled_at <= now)
                .values(status=CampaignStatus.SENDING)
                .returning(Campaign.id)
            )
        ).scalar_one_or_none()
        campaign = (await session.execute(select(Campaign).where(Campaign.id == campaign_id))).scalar_one()
        if campaign.status != CampaignStatus.SENDING:
            return None
        try:
            renderer = Renderer(services, account_id, await load_content(session, campaign))
            renderer.check()
            if started is not None:
                await _materialise(session, campaign, now=now)
        except DomainError as error:
            # The campaign cannot go out as it stands (an event or company gone, a template removed).
            await session.execute(
                update(Campaign).where(Campaign.id == campaign_id)
                .values(status=CampaignStatus.FAILED, claimed_until=None, sent_at=now)
            )
            log.warning("campaign %s of account %s cannot be sent: %s", campaign_id, account_id, error.message)
            await _report(services, session, campaign, reason=error.message, step=error.next_step)
            return None
        return _Run(campaign.name, renderer)


async def _materialise(session: AsyncSession, campaign: Campaign, *, now: datetime) -> None:
    """Everyone the audience reaches now becomes a pending recipient, due now, in one statement."""
    bound = await audiences.bind(session, audiences.parse(campaign.audience))
    chosen = bound.recipients(campaign.channel).with_only_columns(
        literal(campaign.account_id), literal(campaign.id), Contact.id, literal(now),
    )
    await session.execute(
        insert(CampaignRecipient)
        .from_select(["account_id", "campaign_id", "contact_id", "next_attempt_at"], chosen)
        .on_conflict_do_nothing(index_elements=["account_id", "campaign_id", "contact_id"])
    )
    size = await audiences.size(session, bound, campaign.channel)
    await session.execute(update(Campaign).where(Campaign.id == campaign.id).values(skipped_count=size.skipped))


class _Worker:
    """One campaign's recipients on the job engine."""

    queue = CAMPAIGN_RECIPIENTS

    def __init__(self, services: Services, account_id: uuid.UUID, campaign_id: uuid.UUID, run: _Run) -> None:
        self._services = services
        self._account_id = account_id
        self._campaign_id = campaign_id
        self._run = run

    async def prepare(self, session: AsyncSession, row: Row, doubt: Doubt) -> Recipient | Finished:
        channel = self._run.renderer.content.channel
        contact = (
            await session.execute(
                select(Contact.id, Contact.email, Contact.phone, Contact.first_name, Contact.last_name,
                       audiences.reachable(channel).label("reachable"))
                .where(Contact.id == row.contact_id)
            )
        ).one()
        if not contact.reachable:
            return Finished(RecipientStatus.SKIPPED, NO_CONSENT)
        return Recipient(contact.id, contact.email, contact.phone, contact.first_name, contact.last_name)

    async def deliver(self, attempt: Attempt) -> Outcome:
        renderer = self._run.renderer
        contact: Recipient = attempt.prepared
        try:
            if renderer.content.channel == Channel.EMAIL:
                # Keyed by the recipient row: an in-doubt resend carries the same Message-ID.
                await self._services.mailer.send(replace(renderer.email(contact), key=f"campaign.{attempt.id}"))
            elif self._services.sms is None:
                return Failed("SMS is not set up (SMS_API_URL, SMS_API_TOKEN)", retry=True)
            else:
                await self._services.sms.send(contact.phone or "", renderer.sms(contact))
        except SendError as error:
            return Failed(_failure(error), retry=error.retry)
        return Sent()

    async def recorded(self, session: AsyncSession, attempt: Attempt, outcome: Outcome, status: str) -> None:
        if status != RecipientStatus.SENT:
            return
        await session.execute(
            insert(Interaction)
            .values(
                account_id=self._account_id, contact_id=attempt.prepared.id, kind="campaign",
                body=_timeline_body(self._run.name, self._run.renderer, delivers=self._services.mailer.delivers),
                occurred_at=self._services.clock.now(),
                author="campaign", source_key=f"campaign:{self._campaign_id}",
            )
            .on_conflict_do_nothing(
                index_elements=["account_id", "contact_id", "source_key"],
                index_where=Interaction.source_key.is_not(None),
            )
        )


async def _renew(services: Services, account_id: uuid.UUID, campaign_id: uuid.UUID) -> None:
    """Keep the campaign's claim while its batches go out."""
    async with services.db.tenant(account_id) as session:
        await session.execute(
            update(Campaign).where(Campaign.id == campaign_id, Campaign.status == CampaignStatus.SENDING)
            .values(claimed_until=func.greatest(Campaign.claimed_until, services.clock.now() + LEASE))
        )


def _failure(error: SendError) -> str:
    """The recipient's error: `unknown: …` when the message may have got through."""
    return ("unknown: " if error.maybe_sent else "") + error.reason[:500]


def _timeline_body(name: str, renderer: Renderer, *, delivers: bool) -> str:
    """The contact's timeline entry; with no mail server (`delivers` False) an email is said to have stayed local."""
    content = renderer.content
    about = f": {content.subject}" if content.subject else ""
    if content.channel != Channel.EMAIL:
        return f"Campaign “{name}” sent by SMS{about}"
    if not delivers:
        return f"Campaign “{name}” put in the local mailbox, not emailed (no mail server was set){about}"
    return f"Campaign “{name}” sent by email{about}"


async def _finish(services: Services, account_id: uuid.UUID, campaign_id: uuid.UUID) -> None:
    """Close the campaign when nothing is left to send, with its counts and the report; else leave it."""
    now = services.clock.now()
    async with services.db.tenant(account_id) as session:
        # In-doubt recipients are counted apart, whatever their last attempt's outcome.
        state = case((CampaignRecipient.in_doubt, "in_doubt"), else_=CampaignRecipient.status)
        counts = dict(
            (
                await session.execute(
                    select(state, func.count()).where(CampaignRecipient.campaign_id == campaign_id).group_by(state)
                )
            ).all()
        )
        if counts.get(RecipientStatus.PENDING):
            await session.execute(
                update(Campaign).where(Campaign.id == campaign_id, Campaign.status == CampaignStatus.SENDING)
                .values(claimed_until=None)
            )
            return
        campaign = (
            await session.execute(
                update(Campaign)
                .where(Campaign.id == campaign_id, Campaign.status == CampaignStatus.SENDING)
                .values(
                    status=CampaignStatus.SENT, sent_at=now, claimed_until=None, sent_count=counts.get(RecipientStatus.SENT, 0),
                    failed_count=counts.get(RecipientStatus.FAILED, 0),
                    skipped_count=Campaign.skipped_count + counts.get(RecipientStatus.SKIPPED, 0),
                )
                .returning(Campaign)
            )
        ).scalar_one_or_none()
        if campaign is not None:
            await _report(services, session, campaign, in_doubt=counts.get("in_doubt", 0))


async def _report(
    services: Services, session: AsyncSession, campaign: Campaign, *, reason: str | None = None, in_doubt: int = 0,
    step: Next | None = None,
) -> None:
    """Queue the campaign's report for its channel (once, by its dedupe key) in this transaction."""
    if not campaign.report_channel:
        return
    notice = CampaignReport(
        name=campaign.name, slug=campaign.slug, channel=campaign.channel, sent=campaign.sent_count,
        failed=campaign.failed_count, skipped=campaign.skipped_count, in_doubt=in_doubt, reason=reason,
        step=step.step if step else None, step_args={k: str(v) for k, v in step.args.items()} if step else None,
        stayed_local=campaign.channel == Channel.EMAIL and not services.mailer.delivers,
    )
    await outbox.enqueue(
        session, account_id=campaign.account_id, dedupe_key=f"campaign:{campaign.id}:report",
        channel=campaign.report_channel, notice=notice,
    )
