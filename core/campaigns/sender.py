"""Sending campaigns: the ticker's job. Each recipient gets a campaign at most once, on any number of replicas.

1. Claim due campaigns across tenants (system role, `FOR UPDATE SKIP LOCKED`, a lease in
   `claimed_until`), so one replica works on a campaign at a time and a crashed one's lapses.
2. Start: in the tenant's transaction, `scheduled → sending` (a conditional UPDATE) and, in the
   same transaction, one `INSERT … SELECT` of the audience into `campaign_recipients`
   (`ON CONFLICT DO NOTHING` on `(account_id, campaign_id, contact_id)`).
3. Batches: claim up to BATCH `pending` rows (`pending → sending`, a lease, `SKIP LOCKED`) and
   commit BEFORE handing anything to the mail server; a contact who lost consent meanwhile is
   marked `skipped` instead. Send, then record the outcome of the batch at once: `sent` (with a
   `campaign` interaction on the timeline), `failed`, or back to `pending` with a backoff when the
   server surely did not take it (a 4xx answer, no connection).
4. Finish: no `pending` left and no live `sending` lease → `sending → sent` (conditional) with the
   counts, and the report is queued in the outbox in the same transaction.

At most once: a row found in `sending` after its lease ran out belongs to a claimer that died
after the claim and before recording the outcome. It may have been handed to the server, so it
is never sent again: it is marked `failed` with UNKNOWN as its error, and counted in the report.
"""

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import case, exists, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.campaigns import audiences
from core.campaigns.messages import Recipient, Renderer, load_content
from core.errors import DomainError
from core.jobs import outbox
from core.ports import SendError
from core.services import Services
from db.models import Campaign, CampaignRecipient, Contact, Interaction

log = logging.getLogger(__name__)

BATCH = 250
# The campaign's claim is renewed after every batch; a crashed sender's lapses after this.
LEASE = timedelta(minutes=2)
# A claimed batch is sent and recorded in seconds; only a dead claimer leaves it this long.
RECIPIENT_LEASE = timedelta(minutes=15)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(minutes=30)
MAX_ATTEMPTS = 8
UNKNOWN = "unknown: the sender stopped after claiming this message; it may have been sent, so it is not sent again"
NO_CONSENT = "skipped: no consent any more (or unsubscribed) when its turn came"
CAMPAIGNS_AT_ONCE = 5

campaigns_t = Campaign.__table__
recipients_t = CampaignRecipient.__table__


@dataclass(frozen=True)
class _Run:
    name: str
    renderer: Renderer


@dataclass(frozen=True)
class _Claimed:
    recipient_id: uuid.UUID
    attempts: int
    contact: Recipient


async def send_due(
    services: Services, *, account_id: uuid.UUID | None = None, limit: int = CAMPAIGNS_AT_ONCE, batch: int = BATCH,
) -> int:
    """The ticker's job: send every due campaign (or one account's); returns how many messages went out."""
    now = services.clock.now()
    due = (
        select(campaigns_t.c.id)
        .where(
            campaigns_t.c.status.in_(("scheduled", "sending")),
            campaigns_t.c.scheduled_at <= now,
            campaigns_t.c.claimed_until.is_(None) | (campaigns_t.c.claimed_until < now),
        )
        .order_by(campaigns_t.c.scheduled_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if account_id is not None:
        due = due.where(campaigns_t.c.account_id == account_id)
    async with services.db.system() as session:
        claimed = (
            await session.execute(
                update(campaigns_t).where(campaigns_t.c.id.in_(due.scalar_subquery()))
                .values(claimed_until=now + LEASE)
                .returning(campaigns_t.c.account_id, campaigns_t.c.id)
            )
        ).all()
    sent = 0
    for account, campaign_id in claimed:
        try:
            sent += await send_campaign(services, account, campaign_id, batch=batch)
        except Exception:
            # One broken campaign must not hold up the others; its lease lapses and it is tried again.
            log.exception("campaign %s of account %s failed this run", campaign_id, account)
    return sent


async def send_campaign(services: Services, account_id: uuid.UUID, campaign_id: uuid.UUID, *, batch: int = BATCH) -> int:
    """Start (once) and send a due campaign until it is done or the server refuses; returns messages sent.

    Safe to run on any number of workers at once: every recipient row is claimed before sending.
    """
    run = await _start(services, account_id, campaign_id)
    if run is None:
        return 0
    sent = 0
    while True:
        claimed, touched = await _claim_batch(services, account_id, campaign_id, run.renderer.content.channel, batch)
        if not touched:
            break
        if not claimed:
            continue
        results = await _hand_over(services, run.renderer, claimed)
        sent += sum(r is None for r in results)
        if await _record(services, account_id, campaign_id, run, claimed, results):
            # The server is refusing for now: the rest waits for its backoff, on a later tick.
            break
    await _finish(services, account_id, campaign_id)
    return sent


async def _start(services: Services, account_id: uuid.UUID, campaign_id: uuid.UUID) -> _Run | None:
    """`scheduled → sending` with its recipients, once; what it sends, or None when it is not sending."""
    now = services.clock.now()
    async with services.db.tenant(account_id) as session:
        started = (
            await session.execute(
                update(Campaign)
                .where(Campaign.id == campaign_id, Campaign.status == "scheduled", Campaign.scheduled_at <= now)
                .values(status="sending")
                .returning(Campaign.id)
            )
        ).scalar_one_or_none()
        campaign = (await session.execute(select(Campaign).where(Campaign.id == campaign_id))).scalar_one()
        if campaign.status != "sending":
            return None
        try:
            renderer = Renderer(services, account_id, await load_content(session, campaign))
            renderer.check()
            if started is not None:
                await _materialise(session, campaign)
        except DomainError as error:
            # The campaign cannot go out as it stands (an event or company gone, a template removed).
            await session.execute(
                update(Campaign).where(Campaign.id == campaign_id)
                .values(status="failed", claimed_until=None, sent_at=now)
            )
            log.warning("campaign %s of account %s cannot be sent: %s", campaign_id, account_id, error.message)
            await _report(services, session, campaign, reason=error.message)
            return None
        return _Run(campaign.name, renderer)


async def _materialise(session: AsyncSession, campaign: Campaign) -> None:
    """Everyone the audience reaches now becomes a pending recipient, in one statement."""
    bound = await audiences.bind(session, audiences.parse(campaign.audience))
    chosen = bound.recipients(campaign.channel).with_only_columns(
        literal(campaign.account_id), literal(campaign.id), Contact.id,
    )
    await session.execute(
        insert(CampaignRecipient)
        .from_select(["account_id", "campaign_id", "contact_id"], chosen)
        .on_conflict_do_nothing(index_elements=["account_id", "campaign_id", "contact_id"])
    )
    size = await audiences.size(session, bound, campaign.channel)
    await session.execute(update(Campaign).where(Campaign.id == campaign.id).values(skipped_count=size.skipped))


async def _claim_batch(
    services: Services, account_id: uuid.UUID, campaign_id: uuid.UUID, channel: str, size: int,
) -> tuple[list[_Claimed], bool]:
    """Claim the next pending rows (committed before any sending); (to send, whether any row was taken)."""
    now = services.clock.now()
    picked = (
        select(CampaignRecipient.id)
        .where(
            CampaignRecipient.campaign_id == campaign_id,
            CampaignRecipient.status == "pending",
            or_(CampaignRecipient.claimed_until.is_(None), CampaignRecipient.claimed_until <= now),
            # A cancelled campaign stops at the next batch.
            exists().where(Campaign.id == campaign_id, Campaign.status == "sending"),
        )
        .limit(size)
        .with_for_update(skip_locked=True)
        .cte("picked")
    )
    ok = audiences.reachable(channel)
    async with services.db.tenant(account_id) as session:
        rows = (
            await session.execute(
                update(CampaignRecipient)
                .where(
                    CampaignRecipient.id == picked.c.id,
                    Contact.account_id == CampaignRecipient.account_id,
                    Contact.id == CampaignRecipient.contact_id,
                )
                .values(
                    status=case((ok, "sending"), else_="skipped"),
                    error=case((ok, None), else_=NO_CONSENT),
                    claimed_until=now + RECIPIENT_LEASE,
                    attempts=CampaignRecipient.attempts + 1,
                )
                .returning(
                    CampaignRecipient.id, CampaignRecipient.status, CampaignRecipient.attempts, Contact.id,
                    Contact.email, Contact.phone, Contact.first_name, Contact.last_name,
                )
            )
        ).all()
    batch = [
        _Claimed(row[0], row[2], Recipient(row[3], row[4], row[5], row[6], row[7]))
        for row in rows if row[1] == "sending"
    ]
    return batch, bool(rows)


async def _hand_over(services: Services, renderer: Renderer, batch: list[_Claimed]) -> list[Exception | None]:
    """Render and send a claimed batch; one result per row, None when the server or provider took it."""
    if renderer.content.channel == "email":
        return await services.mailer.send_many([renderer.email(item.contact) for item in batch])
    sms = services.sms
    if sms is None:
        return [SendError("SMS is not set up (SMS_API_URL, SMS_API_TOKEN)", retry=True)] * len(batch)

    async def one(item: _Claimed) -> Exception | None:
        try:
            await sms.send(item.contact.phone or "", renderer.sms(item.contact))
        except SendError as error:
            return error
        return None

    return list(await asyncio.gather(*(one(item) for item in batch)))


async def _record(
    services: Services, account_id: uuid.UUID, campaign_id: uuid.UUID, run: _Run,
    batch: list[_Claimed], results: list[Exception | None],
) -> bool:
    """Write a batch's outcomes in one transaction; True when some must wait (the server refused for now)."""
    now = services.clock.now()
    sent = [item for item, result in zip(batch, results, strict=True) if result is None]
    later: dict[int, list[uuid.UUID]] = {}
    failed: dict[str, list[uuid.UUID]] = {}
    for item, result in zip(batch, results, strict=True):
        if result is None:
            continue
        retry = isinstance(result, SendError) and result.retry
        if retry and item.attempts < MAX_ATTEMPTS:
            later.setdefault(item.attempts, []).append(item.recipient_id)
        else:
            failed.setdefault(_failure(result), []).append(item.recipient_id)
    mine = CampaignRecipient.status == "sending"
    async with services.db.tenant(account_id) as session:
        if sent:
            await session.execute(
                update(CampaignRecipient)
                .where(CampaignRecipient.id.in_([item.recipient_id for item in sent]), mine)
                .values(status="sent", sent_at=now, claimed_until=None, error=None)
            )
            body = _timeline_body(run.name, run.renderer)
            await session.execute(
                insert(Interaction)
                .values([
                    dict(account_id=account_id, contact_id=item.contact.id, kind="campaign", body=body,
                         occurred_at=now, author="campaign", source_key=f"campaign:{campaign_id}")
                    for item in sent
                ])
                .on_conflict_do_nothing(
                    index_elements=["account_id", "contact_id", "source_key"],
                    index_where=Interaction.source_key.is_not(None),
                )
            )
        for reason, ids in failed.items():
            await session.execute(
                update(CampaignRecipient).where(CampaignRecipient.id.in_(ids), mine)
                .values(status="failed", error=reason, claimed_until=None)
            )
        for attempts, ids in later.items():
            delay = min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_RETRY)
            await session.execute(
                update(CampaignRecipient).where(CampaignRecipient.id.in_(ids), mine)
                # Back in line, not before the backoff (claimed_until doubles as "not before").
                .values(status="pending", claimed_until=now + delay, error="waiting to retry: the server said try later")
            )
        await session.execute(
            update(Campaign).where(Campaign.id == campaign_id, Campaign.status == "sending")
            .values(claimed_until=func.greatest(Campaign.claimed_until, now + LEASE))
        )
    if later:
        log.warning("campaign %s: %d message(s) wait for a retry (%s)", campaign_id, sum(map(len, later.values())),
                    next(r for r in results if isinstance(r, SendError) and r.retry).reason)
    return bool(later)


def _failure(error: Exception) -> str:
    """The recipient's error: `unknown: …` when the message may have got through."""
    if not isinstance(error, SendError):
        return repr(error)[:500]
    return ("unknown: " if error.maybe_sent else "") + error.reason[:500]


def _timeline_body(name: str, renderer: Renderer) -> str:
    content = renderer.content
    about = f": {content.subject}" if content.subject else ""
    return f"Campaign “{name}” sent by {'email' if content.channel == 'email' else 'SMS'}{about}"


async def _finish(services: Services, account_id: uuid.UUID, campaign_id: uuid.UUID) -> None:
    """Close the campaign when nothing is left to send, with its counts and the report; else leave it."""
    now = services.clock.now()
    async with services.db.tenant(account_id) as session:
        # Rows whose claimer died before recording them: maybe sent, so never again (see the module doc).
        await session.execute(
            update(CampaignRecipient)
            .where(
                CampaignRecipient.campaign_id == campaign_id, CampaignRecipient.status == "sending",
                CampaignRecipient.claimed_until < now,
            )
            .values(status="failed", error=UNKNOWN, claimed_until=None)
        )
        counts = dict(
            (
                await session.execute(
                    select(CampaignRecipient.status, func.count())
                    .where(CampaignRecipient.campaign_id == campaign_id)
                    .group_by(CampaignRecipient.status)
                )
            ).all()
        )
        if counts.get("pending") or counts.get("sending"):
            await session.execute(
                update(Campaign).where(Campaign.id == campaign_id, Campaign.status == "sending").values(claimed_until=None)
            )
            return
        campaign = (
            await session.execute(
                update(Campaign)
                .where(Campaign.id == campaign_id, Campaign.status == "sending")
                .values(
                    status="sent", sent_at=now, claimed_until=None, sent_count=counts.get("sent", 0),
                    failed_count=counts.get("failed", 0),
                    skipped_count=Campaign.skipped_count + counts.get("skipped", 0),
                )
                .returning(Campaign)
            )
        ).scalar_one_or_none()
        if campaign is not None:
            unknown = await session.scalar(
                select(func.count()).where(
                    CampaignRecipient.campaign_id == campaign_id, CampaignRecipient.status == "failed",
                    CampaignRecipient.error.startswith("unknown"),
                )
            )
            await _report(services, session, campaign, unknown=unknown or 0)


async def _report(
    services: Services, session: AsyncSession, campaign: Campaign, *, reason: str | None = None, unknown: int = 0,
) -> None:
    """Queue the campaign's report for its channel (once, by its dedupe key) in this transaction."""
    if not campaign.report_channel:
        return
    text = services.templates.get_template("slack/campaign_report.md.j2").render(
        name=_mrkdwn(campaign.name), slug=campaign.slug, channel="email" if campaign.channel == "email" else "SMS",
        sent=campaign.sent_count, failed=campaign.failed_count, skipped=campaign.skipped_count, unknown=unknown,
        reason=_mrkdwn(reason) if reason else None,
    )
    await outbox.enqueue(
        session, account_id=campaign.account_id, dedupe_key=f"campaign:{campaign.id}:report",
        channel=campaign.report_channel, text=text.strip(),
    )


def _mrkdwn(text: str) -> str:
    """Names people typed, made inert in Slack mrkdwn (no mentions or links)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
