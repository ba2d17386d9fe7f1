"""Door counts, and the live door status: one message in the event's channel, updated in place.

Counts are queries over check_ins and tickets; scanning never updates a counter row. The status
message is refreshed by a scheduled job: each run claims the events whose doors are open, that
saw check-ins recently, and whose message is older than THROTTLE (the job engine's `lease_due`
stamps events.door_status_posted_at, so replicas share the work and Slack sees at most one update
per event per THROTTLE). Messages go through the outbox, so none is lost.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Row, and_, column, func, literal, select, table, update

from core.door.checkins import door_channel
from core.door.tokens import resolve_door_token
from core.door._window import LENGTH_WITHOUT_END, OPEN_AFTER, OPEN_BEFORE
from core.jobs import engine, outbox
from core.notices import DoorStatus
from core.services import Services
from db.enums import AttendeeStatus, CheckinResult, EventStatus, TicketStatus
from db.models import Attendee, CheckIn, DoorToken, Event, Ticket

THROTTLE = timedelta(seconds=30)
RECENT = timedelta(minutes=15)
EVENTS_PER_RUN = 100
# Bare columns, so the model's updated_at onupdate stays out: door bookkeeping is not an edit of the event
# (and updated_at is not the system role's to write).
_STAMP = table("events", column("id"), column("account_id"), column("door_status_posted_at"))
_MESSAGE = table("events", column("id"), column("door_status_channel"), column("door_status_ts"))


@dataclass(frozen=True)
class DoorCounts:
    admitted: int
    sold: int
    recent: int  # admitted in the last 15 minutes
    refused: int


@dataclass(frozen=True)
class DoorOverview:
    """What a scanner shows about its door: the event, the door's name, and the counts so far."""

    event_slug: str
    event_name: str
    door_name: str
    counts: DoorCounts

    def to_json(self) -> dict:
        return {
            "event": {"slug": self.event_slug, "name": self.event_name},
            "door": {"name": self.door_name},
            "admitted": self.counts.admitted,
            "sold": self.counts.sold,
            "last_15_minutes": self.counts.recent,
        }


async def door_counts(session, event_id: uuid.UUID, now: datetime) -> DoorCounts:
    """Admitted, sold, admitted recently and refused scans for one event (queries, no counters)."""
    scans = (
        await session.execute(
            select(
                func.count().filter(CheckIn.result == CheckinResult.ADMITTED),
                func.count().filter(CheckIn.result == CheckinResult.ADMITTED, CheckIn.created_at > now - RECENT),
                func.count().filter(CheckIn.result != CheckinResult.ADMITTED),
            ).where(CheckIn.event_id == event_id)
        )
    ).one()
    sold = (
        await session.execute(
            select(func.count())
            .select_from(Ticket)
            .join(Attendee, and_(Attendee.account_id == Ticket.account_id, Attendee.id == Ticket.attendee_id))
            .where(Ticket.event_id == event_id, Ticket.status == TicketStatus.VALID, Attendee.status == AttendeeStatus.ACTIVE)
        )
    ).scalar_one()
    return DoorCounts(admitted=scans[0], sold=sold, recent=scans[1], refused=scans[2])


async def door_overview(services: Services, *, token: str | None) -> DoorOverview:
    """The scanner page's header: which event and door this token is for, and the counts."""
    access = await resolve_door_token(services, token)
    async with services.db.tenant(access.account_id) as session:
        row = (
            await session.execute(
                select(Event.slug, Event.name, DoorToken.name.label("door"))
                .join(DoorToken, and_(DoorToken.account_id == Event.account_id, DoorToken.event_id == Event.id))
                .where(DoorToken.id == access.token_id)
            )
        ).one()
        counts = await door_counts(session, access.event_id, services.clock.now())
    return DoorOverview(row.slug, row.name, row.door, counts)


async def refresh_door_statuses(services: Services, *, account_id: uuid.UUID | None = None) -> int:
    """Scheduled job: post or update the door status of every busy event due for it (of one account if given)."""
    now = services.clock.now()
    claimed = await _claim(services, now, account_id)

    async def refresh(row) -> int:
        async with services.db.tenant(row.account_id) as session:
            await _refresh(services, session, row.account_id, row.id, now)
        return 1

    return await engine.each(claimed, refresh, what="door status of event")


async def _claim(services: Services, now: datetime, account_id: uuid.UUID | None) -> list[Row]:
    """Events with open doors, check-ins in the last 15 minutes of their last message, and a stale message."""
    recent_activity = (
        select(CheckIn.event_id)
        .where(
            CheckIn.account_id == Event.account_id,
            CheckIn.event_id == Event.id,
            CheckIn.created_at > func.coalesce(Event.door_status_posted_at, literal(now) - RECENT) - RECENT,
        )
        .exists()
    )
    due = (
        select(Event.id)
        .where(
            Event.status == EventStatus.PUBLISHED,
            Event.starts_at <= now + OPEN_BEFORE,
            func.coalesce(Event.ends_at, Event.starts_at + LENGTH_WITHOUT_END) >= now - OPEN_AFTER,
            (Event.door_status_posted_at.is_(None)) | (Event.door_status_posted_at <= now - THROTTLE),
            recent_activity,
        )
        .limit(EVENTS_PER_RUN)
    )
    if account_id is not None:
        due = due.where(Event.account_id == account_id)
    async with services.db.system() as session:
        return await engine.lease_due(
            session, _STAMP, due=due, values=dict(door_status_posted_at=now), returning=(_STAMP.c.id, _STAMP.c.account_id),
        )


async def _refresh(services: Services, session, account_id: uuid.UUID, event_id: uuid.UUID, now: datetime) -> None:
    """Queue the event's status message, or an in-place update of it once Slack has given it a ts."""
    event = (
        await session.execute(
            select(Event.name, Event.door_status_channel, Event.door_status_ts).where(Event.id == event_id)
        )
    ).one()
    # The channel is pinned with the first message, so later updates find it where it was posted.
    channel, timezone = await door_channel(session, event_id)
    if channel is None:
        return
    counts = await door_counts(session, event_id, now)
    notice = DoorStatus(
        event=event.name, admitted=counts.admitted, sold=counts.sold, recent=counts.recent, refused=counts.refused,
        at=now, timezone=timezone,
    )
    first_key = f"door-status:{event_id}"
    ts = event.door_status_ts or await outbox.sent_ts(session, dedupe_key=first_key)
    if event.door_status_channel is None or event.door_status_ts != ts:
        await session.execute(
            update(_MESSAGE).where(_MESSAGE.c.id == event_id).values(door_status_channel=channel, door_status_ts=ts)
        )
    if ts is None:
        # The first message is queued now, or still waiting in the outbox: it is updated once sent.
        await outbox.enqueue(session, account_id=account_id, dedupe_key=first_key, channel=channel, notice=notice)
        return
    await outbox.enqueue(
        session, account_id=account_id, dedupe_key=f"{first_key}:{now.isoformat()}", channel=channel,
        notice=notice, kind="update", update_ts=ts,
    )
