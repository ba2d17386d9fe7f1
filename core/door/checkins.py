"""Check-in at the door: admit each ticket at most once, record every attempt, answer retries the same.

The partial unique index uq_check_ins_admitted (one `admitted` row per ticket) decides who admits
a ticket; the unique (account_id, door_token_id, nonce) index makes a scanner's retry one row with
one stored answer. Both are hit with INSERT … ON CONFLICT DO NOTHING, which waits for a concurrent
insert of the same key to commit or roll back, so no read-then-write race exists. A stored answer
is given back only to the same door for the same scan (its `scan_hash`); a nonce reused for another
scan is refused.
"""

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, func, literal, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts.permissions import Action, require
from core.context import TenantContext
from core.crm.interactions import insert_timeline_entry, timeline_entry_params
from core.door.tokens import (
    DoorAccess,
    check_token_form,
    enter_door_token_tenant,
    resolve_door_token,
)
from core.door._window import offline_window
from core.errors import Conflict, Forbidden, Invalid, Next, NextStep, NotFound, Thing
from core.events import channels
from core.events.events import load_event
from core.jobs import outbox
from core.notices import CheckinConflict, DoorScan
from core.sales.ticket_codes import is_authentic, normalize
from core.services import Services
from core.text.names import storable
from db.enums import AttendeeStatus, CheckinResult, EventStatus, OrderStatus, TicketStatus
from db.models import (
    Attendee,
    CheckIn,
    DoorToken,
    Event,
    Order,
    Product,
    Ticket,
    User,
)

log = logging.getLogger(__name__)


MAX_CODE = 128
MAX_NONCE = 128
MAX_BATCH = 500
CLOCK_SKEW = timedelta(minutes=5)
SEARCH_LIMIT = 10


class NonceReused(Conflict):
    """A door sent a nonce it had used for another scan; the stored answer is not for this one."""

    code = "nonce_reused"


@dataclass(frozen=True)
class CheckinAnswer:
    """What the door is told; stored with the attempt, so a retry with its nonce gets it again."""

    result: str
    attendee: dict[str, str] | None = None
    event: dict[str, str] | None = None
    checked_in_at: datetime | None = None
    checked_in_by: str | None = None
    reason: str | None = None  # not_valid: void, refunded, cancelled or unpaid
    conflict: bool = False  # an offline scan of a ticket another scan had admitted

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"result": self.result}
        if self.attendee:
            data["attendee"] = self.attendee
        if self.event:
            data["event"] = self.event
        if self.checked_in_at:
            data["checked_in_at"] = self.checked_in_at.isoformat()
        if self.checked_in_by:
            data["checked_in_by"] = self.checked_in_by
        if self.reason:
            data["reason"] = self.reason
        if self.conflict:
            data["conflict"] = True
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "CheckinAnswer":
        at = data.get("checked_in_at")
        return cls(
            result=data["result"], attendee=data.get("attendee"), event=data.get("event"),
            checked_in_at=datetime.fromisoformat(at) if at else None, checked_in_by=data.get("checked_in_by"),
            reason=data.get("reason"), conflict=bool(data.get("conflict")),
        )


@dataclass(frozen=True)
class Scan:
    """One scan as a door sends it: the code, the scanner's retry key, and when it happened offline."""

    code: str
    nonce: str | None = None
    offline_at: datetime | None = None

    @property
    def digest(self) -> str:
        """What the scan admits (its code as matched, and its offline time): a retry has the same."""
        offline = self.offline_at.astimezone(UTC).isoformat() if self.offline_at else ""
        return hashlib.sha256(f"{normalize(self.code)[:MAX_CODE]}\n{offline}".encode()).hexdigest()


@dataclass(frozen=True)
class Door:
    """Who scans (a Slack user or a door token) and the one event they admit to, if restricted."""

    source: str  # slack | api | scan
    user_id: uuid.UUID | None = None
    door_token_id: uuid.UUID | None = None
    event_id: uuid.UUID | None = None


@dataclass(frozen=True)
class AttendeeMatch:
    ticket_id: uuid.UUID
    name: str
    email: str
    ticket_type: str
    state: str  # ready | admitted | not_valid
    reason: str | None
    admitted_at: datetime | None
    admitted_by: str | None


@dataclass(frozen=True)
class AttendeeSearch:
    event_slug: str
    event_name: str
    timezone: str
    query: str
    matches: list[AttendeeMatch]


# ----- use cases ----------------------------------------------------------------------------


async def admit_code(
    services: Services, tenant: TenantContext, *, code: str, event_slug: str | None = None
) -> CheckinAnswer:
    """Admit the ticket with this code (door role and up); with `event_slug`, only for that event."""
    require(tenant, Action.CHECK_PEOPLE_IN)
    scan = Scan(code=code)
    authentic = is_authentic(services.settings.secret_key, code)
    async with services.db.tenant(tenant.account_id) as session:
        event_id = (await load_event(session, event_slug)).id if event_slug else None
        door = Door(source="slack", user_id=tenant.user_id, event_id=event_id)
        return await _attempt(services, session, tenant.account_id, door, scan, authentic=authentic)


async def admit_ticket(services: Services, tenant: TenantContext, *, ticket_id: uuid.UUID) -> CheckinAnswer:
    """Admit a ticket picked from a search (door role and up)."""
    require(tenant, Action.CHECK_PEOPLE_IN)
    door = Door(source="slack", user_id=tenant.user_id)
    async with services.db.tenant(tenant.account_id) as session:
        ticket = await _ticket(session, door, ticket_id=ticket_id)
        if ticket is None:
            raise NotFound("That ticket is gone.", kind=Thing.TICKET, next_step=Next.to(NextStep.SEARCH_ATTENDEES))
        return await _settle(services, session, tenant.account_id, door, Scan(code=ticket.code), ticket)


async def scan_at_door(
    services: Services, *, token: str | None, scan: Scan, event_slug: str | None = None, source: str = "api"
) -> CheckinAnswer:
    """A scanner's check-in with its door token; DoorTokenRefused when the token is not valid."""
    token = check_token_form(token)
    _check_scan(services, scan)
    authentic = is_authentic(services.settings.secret_key, scan.code)
    # One transaction: route the token as the system role, then continue as its tenant.
    async with services.db.system() as session:
        access = await enter_door_token_tenant(session, token)
        await _check_event(session, access, event_slug, [scan])
        return await _attempt(services, session, access.account_id, _door(access, source), scan, authentic=authentic)


async def scan_batch_at_door(
    services: Services, *, token: str | None, scans: list[Scan], event_slug: str | None = None, source: str = "api"
) -> list[CheckinAnswer]:
    """Scans queued offline, applied in order of scan time; answers come back in the order sent."""
    access = await resolve_door_token(services, token)
    if len(scans) > MAX_BATCH:
        raise Invalid(f"Send at most {MAX_BATCH} scans at once; this batch has {len(scans)}.")
    for scan in scans:
        _check_scan(services, scan)
    door = _door(access, source)
    async with services.db.tenant(access.account_id) as session:
        await _check_event(session, access, event_slug, scans)
    now = services.clock.now()
    answers: dict[int, CheckinAnswer] = {}
    for i in sorted(range(len(scans)), key=lambda i: scans[i].offline_at or now):
        authentic = is_authentic(services.settings.secret_key, scans[i].code)
        # One transaction per scan: a scan's outcome never waits on, or rolls back with, another's.
        async with services.db.tenant(access.account_id) as session:
            answers[i] = await _attempt(services, session, access.account_id, door, scans[i], authentic=authentic)
    return [answers[i] for i in range(len(scans))]


async def find_attendees(services: Services, tenant: TenantContext, *, event_slug: str, query: str) -> AttendeeSearch:
    """An event's attendees whose email is `query` or whose name starts with it (door role and up)."""
    require(tenant, Action.CHECK_PEOPLE_IN)
    query = " ".join((query or "").split())
    if not query:
        raise Invalid("Say whom to find.", next_step=Next.to(NextStep.NAME_ATTENDEE, event=event_slug))
    async with services.db.tenant(tenant.account_id) as session:
        event = await load_event(session, event_slug)
        first = _first_admission_query().subquery()
        # Both conditions use indexes: (account_id, event_id, email) and lower(name) text_pattern_ops.
        wanted = or_(
            Attendee.email == query.lower(),
            func.lower(Attendee.name).startswith(query.lower(), autoescape=True),
        )
        rows = await session.execute(
            _ticket_columns(literal(None))
            .add_columns(first.c.scanned_at.label("admitted_at"), first.c.by.label("admitted_by"))
            .outerjoin(first, first.c.ticket_id == Ticket.id)
            .where(Attendee.event_id == event.id, wanted)
            .order_by(Attendee.name, Attendee.email, Ticket.created_at)
            .limit(SEARCH_LIMIT)
        )
        matches = []
        for row in rows:
            reason = _invalid_reason(row)
            state = "not_valid" if reason else "admitted" if row.admitted_at else "ready"
            matches.append(
                AttendeeMatch(row.id, row.name, row.email, row.ticket_type, state, reason, row.admitted_at, row.admitted_by)
            )
        return AttendeeSearch(event.slug, event.name, event.timezone, query, matches)


# ----- the attempt ---------------------------------------------------------------------------


def _door(access: DoorAccess, source: str) -> Door:
    source = source if source in ("api", "scan") else "api"
    return Door(source=source, door_token_id=access.token_id, event_id=access.event_id)


def _check_scan(services: Services, scan: Scan) -> None:
    if not isinstance(scan.code, str) or not scan.code.strip():
        raise Invalid("Send the ticket code as \"code\".")
    if not storable(scan.code) or (scan.nonce is not None and not storable(scan.nonce)):
        raise Invalid("A code or nonce may not contain NUL characters or unpaired surrogates.")
    if scan.nonce is not None and not 0 < len(scan.nonce) <= MAX_NONCE:
        raise Invalid(f"A nonce must be 1 to {MAX_NONCE} characters.")
    if scan.offline_at is not None:
        if scan.offline_at.tzinfo is None:
            raise Invalid("offline_at needs a time zone, like 2031-07-01T19:04:05Z.")
        if scan.offline_at > services.clock.now() + CLOCK_SKEW:
            raise Invalid("offline_at is in the future; check the scanner's clock.")


async def _check_event(session: AsyncSession, access: DoorAccess, event_slug: str | None, scans: list[Scan]) -> None:
    """The event named is the token's, and every offline scan is dated within its doors' window."""
    if event_slug and not storable(event_slug):
        raise Invalid("An event slug may not contain NUL characters or unpaired surrogates.")
    if event_slug and (await load_event(session, event_slug)).id != access.event_id:
        raise Forbidden(f"This door token is not for “{event_slug}”; use a token made for that event.")
    dated = [scan.offline_at for scan in scans if scan.offline_at is not None]
    if not dated:
        return
    starts_at, ends_at = (await session.execute(_EVENT_TIMES, {"id": access.event_id})).one()
    earliest, latest = offline_window(starts_at, ends_at)
    if not all(earliest <= at <= latest for at in dated):
        raise Invalid(
            f"offline_at must fall within the event's door window, {earliest:%Y-%m-%d %H:%M} to {latest:%Y-%m-%d %H:%M} UTC; "
            "check the scanner's clock."
        )


_EVENT_TIMES = select(Event.__table__.c.starts_at, Event.__table__.c.ends_at).where(Event.__table__.c.id == bindparam("id"))


async def _attempt(
    services: Services, session: AsyncSession, account_id: uuid.UUID, door: Door, scan: Scan, *, authentic: bool
) -> CheckinAnswer:
    """Record one scan and answer it; `authentic` was decided from the signature before any query."""
    code = normalize(scan.code)[:MAX_CODE]
    scanned_at = scan.offline_at or services.clock.now()
    if not authentic:
        # A forged or mistyped code never reaches the tickets table.
        return await _refuse(session, account_id, door, scan, scanned_at, CheckinResult.UNKNOWN, door.event_id, None, code=code)
    ticket = await _ticket(session, door, code=code)
    if ticket is None:  # signed by us, but another account's ticket (RLS hides it) or deleted
        return await _refuse(session, account_id, door, scan, scanned_at, CheckinResult.UNKNOWN, door.event_id, None, code=code)
    return await _settle(services, session, account_id, door, scan, ticket)


async def _settle(
    services: Services, session: AsyncSession, account_id: uuid.UUID, door: Door, scan: Scan, ticket
) -> CheckinAnswer:
    """Decide a found ticket: wrong event, not valid, admitted, or already admitted."""
    scanned_at = scan.offline_at or services.clock.now()
    if door.event_id is not None and ticket.event_id != door.event_id:
        return await _refuse(session, account_id, door, scan, scanned_at, CheckinResult.WRONG_EVENT, door.event_id, ticket)
    reason = _invalid_reason(ticket)
    if reason:
        return await _refuse(
            session, account_id, door, scan, scanned_at, CheckinResult.NOT_VALID, ticket.event_id, ticket, reason=reason
        )
    admitted = CheckinAnswer(
        CheckinResult.ADMITTED, _attendee(ticket), _event(ticket), checked_in_at=scanned_at, checked_in_by=ticket.door_name
    )
    for _ in range(5):
        demoted = await _demote_later_admission(session, ticket.id, scanned_at) if scan.offline_at else None
        row_id = await _admit(session, account_id, door, scan, scanned_at, admitted, ticket)
        if row_id is not None:
            if demoted is not None:
                await _report_conflict(services, session, account_id, ticket, [(row_id, scanned_at, True), demoted])
            return admitted
        # Nothing inserted: this nonce was answered already, or the ticket is admitted.
        if scan.nonce and (stored := await _stored_answer(session, door, scan)) is not None:
            return stored
        first = (await session.execute(_first_admission_query().where(CheckIn.ticket_id == ticket.id))).first()
        if first is None or (scan.offline_at and first.scanned_at > scanned_at):
            continue  # the admission moved while we looked (an earlier offline scan took it): try again
        result = CheckinResult.CONFLICT if scan.offline_at else CheckinResult.ALREADY_ADMITTED
        answer = CheckinAnswer(
            CheckinResult.ALREADY_ADMITTED, _attendee(ticket), _event(ticket), checked_in_at=first.scanned_at,
            checked_in_by=first.by, conflict=result == CheckinResult.CONFLICT,
        )
        row_id = await _insert(session, account_id, door, scan, scanned_at, result, answer, ticket.event_id, ticket)
        if row_id is None:
            return await _stored_answer(session, door, scan) or answer
        if result == CheckinResult.CONFLICT:
            scans = [(first.id, first.scanned_at, first.offline), (row_id, scanned_at, True)]
            await _report_conflict(services, session, account_id, ticket, scans)
        return answer
    raise Conflict("This ticket was being checked in at several doors at once; scan it again.")


async def _refuse(
    session: AsyncSession, account_id: uuid.UUID, door: Door, scan: Scan, scanned_at: datetime, result: str,
    event_id: uuid.UUID | None, ticket, *, reason: str | None = None, code: str | None = None,
) -> CheckinAnswer:
    """Record a scan that admits nobody, and answer it.

    A refusal tells the door only what it needs: a ticket for another event names that event, never
    its holder; a ticket of the door's own event that is not valid names its holder, not their email.
    """
    holder = {"name": ticket.name, "ticket_type": ticket.ticket_type} if ticket and result == CheckinResult.NOT_VALID else None
    answer = CheckinAnswer(result, holder, _event(ticket) if ticket else None, reason=reason)
    row_id = await _insert(session, account_id, door, scan, scanned_at, result, answer, event_id, ticket, code=code)
    if row_id is None:
        return await _stored_answer(session, door, scan) or answer
    return answer


_CHECK_INS = CheckIn.__table__
_INSERT_COLUMNS = (
    "account_id", "event_id", "ticket_id", "attendee_id", "result", "source", "door_token_id", "user_id", "nonce",
    "scan_hash", "code", "scanned_at", "answer",
)
# Built once, so every scan reuses its compiled form. No conflict target: both the admitted-once
# index and the nonce index turn a loser into "nothing".
_INSERT = (
    insert(_CHECK_INS)
    .values({name: bindparam(name, type_=_CHECK_INS.c[name].type) for name in _INSERT_COLUMNS})
    .on_conflict_do_nothing()
    .returning(_CHECK_INS.c.id)
)


# The admission and its timeline entry in one statement (one round trip): the entry is written only
# with the admission, and once per ticket (its source_key), even when an earlier offline scan takes it over.
_ADMITTED = _INSERT.cte("admitted")
_ADMIT = select(_ADMITTED.c.id).add_cte(insert_timeline_entry(once_per=_ADMITTED).cte("timeline_entry"))


async def _insert(
    session: AsyncSession, account_id: uuid.UUID, door: Door, scan: Scan, scanned_at: datetime, result: str,
    answer: CheckinAnswer, event_id: uuid.UUID | None, ticket, *, code: str | None = None,
) -> uuid.UUID | None:
    """Insert an attempt that admits nobody; None when its nonce was recorded already."""
    values = _attempt_row(account_id, door, scan, scanned_at, result, answer, event_id, ticket, code=code)
    return (await session.execute(_INSERT, values)).scalar_one_or_none()


async def _admit(
    session: AsyncSession, account_id: uuid.UUID, door: Door, scan: Scan, scanned_at: datetime, answer: CheckinAnswer, ticket
) -> uuid.UUID | None:
    """Insert the admission and log it on the contact's timeline; None when the ticket is admitted or the nonce recorded already."""
    values = _attempt_row(account_id, door, scan, scanned_at, CheckinResult.ADMITTED, answer, ticket.event_id, ticket)
    entry = timeline_entry_params(
        account_id, contact_id=ticket.contact_id, kind="checkin",
        body=f"Checked in at {ticket.event_name}" + (f" by {ticket.door_name}" if ticket.door_name else ""),
        occurred_at=scanned_at, user_id=door.user_id, source_key=f"checkin:{ticket.id}",
    )
    return (await session.execute(_ADMIT, values | entry)).scalar_one_or_none()


def _attempt_row(
    account_id: uuid.UUID, door: Door, scan: Scan, scanned_at: datetime, result: str, answer: CheckinAnswer,
    event_id: uuid.UUID | None, ticket, *, code: str | None = None,
) -> dict[str, Any]:
    """The check_ins row of one attempt, as the parameters of `_INSERT`."""
    return {
        "account_id": account_id, "event_id": event_id, "ticket_id": ticket.id if ticket else None,
        "attendee_id": ticket.attendee_id if ticket else None, "result": result, "source": door.source,
        "door_token_id": door.door_token_id, "user_id": door.user_id, "nonce": scan.nonce,
        "scan_hash": scan.digest if scan.nonce else None, "code": code or ticket.code, "scanned_at": scanned_at, "answer": answer.to_json(),
    }


async def _stored_answer(session: AsyncSession, door: Door, scan: Scan) -> CheckinAnswer | None:
    """The answer this door gave to this nonce before; NonceReused when it was given for another scan."""
    if not scan.nonce:
        return None
    row = (await session.execute(_STORED, {"door_token_id": door.door_token_id, "nonce": scan.nonce})).first()
    if row is None:
        return None
    if row.scan_hash != scan.digest:
        log.warning("door token %s reused a nonce for another scan; refused", door.door_token_id)
        raise NonceReused("This nonce was sent before with another scan; send a fresh nonce with each new scan.")
    return CheckinAnswer.from_json(row.answer)


_STORED = select(_CHECK_INS.c.answer, _CHECK_INS.c.scan_hash).where(
    _CHECK_INS.c.door_token_id == bindparam("door_token_id"), _CHECK_INS.c.nonce == bindparam("nonce")
)


async def _demote_later_admission(session: AsyncSession, ticket_id: uuid.UUID, scanned_at: datetime):
    """An offline scan earlier than the current admission takes it: scans apply in order of scan time."""
    row = (
        await session.execute(
            update(CheckIn)
            .where(CheckIn.ticket_id == ticket_id, CheckIn.result == CheckinResult.ADMITTED, CheckIn.scanned_at > scanned_at)
            .values(result=CheckinResult.CONFLICT)
            .returning(CheckIn.id, CheckIn.scanned_at, CheckIn.scanned_at < CheckIn.created_at - timedelta(seconds=30))
        )
    ).first()
    return tuple(row) if row else None


def _first_admission_query():
    """The admitted row of each ticket with when and by whom (door token name or person)."""
    return (
        select(
            CheckIn.id, CheckIn.ticket_id, CheckIn.scanned_at,
            func.coalesce(DoorToken.name, User.name).label("by"),
            (CheckIn.scanned_at < CheckIn.created_at - timedelta(seconds=30)).label("offline"),
        )
        .outerjoin(DoorToken, and_(DoorToken.account_id == CheckIn.account_id, DoorToken.id == CheckIn.door_token_id))
        .outerjoin(User, and_(User.account_id == CheckIn.account_id, User.id == CheckIn.user_id))
        .where(CheckIn.result == CheckinResult.ADMITTED)
    )


_T, _A, _E, _P, _O = (model.__table__ for model in (Ticket, Attendee, Event, Product, Order))


def _ticket_columns(door_name):
    """The columns a door decision needs, from plain tables (no ORM entities to load)."""
    return (
        select(
            _T.c.id, _T.c.code, _T.c.event_id, _T.c.status, _T.c.attendee_id,
            _A.c.contact_id, _A.c.name, _A.c.email, _A.c.status.label("attendee_status"),
            _P.c.name.label("ticket_type"), _O.c.status.label("order_status"),
            _E.c.slug.label("event_slug"), _E.c.name.label("event_name"), _E.c.status.label("event_status"),
            _E.c.timezone.label("event_timezone"),
            door_name.label("door_name"),
        )
        .join(_A, and_(_A.c.account_id == _T.c.account_id, _A.c.id == _T.c.attendee_id))
        .join(_E, and_(_E.c.account_id == _T.c.account_id, _E.c.id == _T.c.event_id))
        .join(_P, and_(_P.c.account_id == _A.c.account_id, _P.c.id == _A.c.product_id))
        .join(_O, and_(_O.c.account_id == _A.c.account_id, _O.c.id == _A.c.order_id))
    )


# The ticket queries a door sends, built once (per kind of door, by code or by id) so each reuses its compiled form.
_DOOR_TOKENS, _USERS = DoorToken.__table__, User.__table__
_DOOR_NAMES = {
    "token": select(_DOOR_TOKENS.c.name).where(_DOOR_TOKENS.c.id == bindparam("door_token_id")).scalar_subquery(),
    "user": select(_USERS.c.name).where(_USERS.c.id == bindparam("user_id")).scalar_subquery(),
    None: literal(None),
}
_TICKET_BY = {
    (who, by): _ticket_columns(door_name).where(_T.c.code == bindparam("code") if by == "code" else _T.c.id == bindparam("id"))
    for who, door_name in _DOOR_NAMES.items() for by in ("code", "id")
}


async def _ticket(session: AsyncSession, door: Door, *, code: str | None = None, ticket_id: uuid.UUID | None = None):
    """The ticket (by code or id) with its attendee, event and order, plus the scanning door's display name."""
    who = "token" if door.door_token_id is not None else "user" if door.user_id is not None else None
    params = {"door_token_id": door.door_token_id, "user_id": door.user_id}
    if code is not None:
        return (await session.execute(_TICKET_BY[who, "code"], {**params, "code": code})).first()
    return (await session.execute(_TICKET_BY[who, "id"], {**params, "id": ticket_id})).first()


def _invalid_reason(ticket) -> str | None:
    if ticket.status == TicketStatus.VOID:
        return "void"
    if ticket.attendee_status in (AttendeeStatus.CANCELLED, AttendeeStatus.REFUNDED):
        return ticket.attendee_status
    if ticket.order_status in (OrderStatus.CANCELLED, OrderStatus.REFUNDED):
        return ticket.order_status
    if ticket.order_status == OrderStatus.EXPIRED or ticket.event_status == EventStatus.CANCELLED:
        return "cancelled"
    if ticket.order_status == OrderStatus.PENDING:
        return "unpaid"
    return None


def _attendee(ticket) -> dict[str, str]:
    return {"name": ticket.name, "email": ticket.email, "ticket_type": ticket.ticket_type}


def _event(ticket) -> dict[str, str]:
    """The event a scan was for; its zone is the one every time of the answer is shown in."""
    return {"slug": ticket.event_slug, "name": ticket.event_name, "timezone": ticket.event_timezone}


# ----- conflict report -----------------------------------------------------------------------


async def door_channel(session: AsyncSession, event_id: uuid.UUID) -> tuple[str | None, str]:
    """Where an event's door news goes, and the event's zone.

    The event's news channel (`core.events.channels`), except that once the live door status
    message is posted, door news follows that message to its channel.
    """
    row = (
        await session.execute(
            select(func.coalesce(Event.door_status_channel, channels.news_channel_of_event()), Event.timezone)
            .where(Event.id == event_id)
        )
    ).one()
    return row[0], row[1]


async def _report_conflict(
    services: Services, session: AsyncSession, account_id: uuid.UUID, ticket, scans: list[tuple[uuid.UUID, datetime, bool]]
) -> None:
    """Tell the event's channel that one ticket was let in twice (through the outbox, so it is not lost)."""
    channel, timezone = await door_channel(session, ticket.event_id)
    if channel is None:
        return
    ids = [scan_id for scan_id, _, _ in scans]
    doors = dict(
        (
            await session.execute(
                select(CheckIn.id, func.coalesce(DoorToken.name, User.name, CheckIn.source))
                .outerjoin(DoorToken, and_(DoorToken.account_id == CheckIn.account_id, DoorToken.id == CheckIn.door_token_id))
                .outerjoin(User, and_(User.account_id == CheckIn.account_id, User.id == CheckIn.user_id))
                .where(CheckIn.id.in_(ids))
            )
        ).all()
    )
    notice = CheckinConflict(
        event=ticket.event_name, attendee=ticket.name, ticket_type=ticket.ticket_type, code=ticket.code,
        scans=tuple(
            DoorScan(door=doors.get(scan_id), at=at, offline=offline)
            for scan_id, at, offline in sorted(scans, key=lambda s: s[1])
        ),
        timezone=timezone,
    )
    await outbox.enqueue(
        session, account_id=account_id, dedupe_key=f"checkin-conflict:{ids[-1]}", channel=channel, notice=notice
    )

