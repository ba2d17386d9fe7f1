"""Check-in rules against real PostgreSQL: one admission per ticket, every attempt recorded, offline order."""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from core.door import checkins
from core.door import tokens as door_tokens
from core.door.checkins import Scan
from core.errors import Forbidden, NotFound
from db.models import CheckIn, DoorToken, Interaction, OutboxMessage
from tests.support.door_factories import make_event, make_ticket
from tests.support.notices import shown


async def attempts(services, tenant, **where) -> list[CheckIn]:
    async with services.db.tenant(tenant.account_id) as session:
        query = select(CheckIn).filter_by(**where).order_by(CheckIn.created_at, CheckIn.scanned_at)
        return list((await session.execute(query)).scalars())


async def conflict_reports(services, tenant) -> list[OutboxMessage]:
    async with services.db.tenant(tenant.account_id) as session:
        query = select(OutboxMessage).where(OutboxMessage.dedupe_key.startswith("checkin-conflict:"))
        return list((await session.execute(query.order_by(OutboxMessage.created_at))).scalars())


@pytest.fixture
async def door(services, make_tenant):
    """An organizer's account with a running event and a door token for it."""
    tenant = await make_tenant("organizer")
    event = await make_event(services, tenant, channel="C0DOORS")
    issued = await door_tokens.create_door_token(services, tenant, event_slug=event.slug, name="North door")
    return tenant, event, issued.secret


async def test_second_scan_of_a_ticket_is_already_admitted_with_when_and_by_whom(services, make_tenant):
    tenant = await make_tenant("door")
    event = await make_event(services, tenant)
    ticket = await make_ticket(services, tenant, event, name="Anna Smith")

    first = await checkins.admit_code(services, tenant, code=ticket.code)
    second = await checkins.admit_code(services, tenant, code=ticket.code.lower())

    assert first.result == "admitted"
    assert first.attendee["name"] == "Anna Smith"
    assert (second.result, second.checked_in_at, second.checked_in_by) == (
        "already_admitted", first.checked_in_at, first.checked_in_by
    )
    assert second.checked_in_by.startswith("User ")
    rows = await attempts(services, tenant, ticket_id=ticket.id)
    assert [r.result for r in rows] == ["admitted", "already_admitted"]
    assert all(r.source == "slack" and r.user_id == tenant.user_id for r in rows)


async def test_admission_is_logged_once_on_the_contacts_timeline(services, make_tenant):
    tenant = await make_tenant("door")
    event = await make_event(services, tenant, name="Jazz Night")
    ticket = await make_ticket(services, tenant, event)
    await checkins.admit_code(services, tenant, code=ticket.code)
    await checkins.admit_code(services, tenant, code=ticket.code)
    async with services.db.tenant(tenant.account_id) as session:
        entries = list((await session.execute(select(Interaction).where(Interaction.kind == "checkin"))).scalars())
    assert [(e.body.startswith("Checked in at Jazz Night"), e.source_key) for e in entries] == [(True, f"checkin:{ticket.id}")]


@pytest.mark.parametrize("mangle", [
    lambda code: code[:-1] + ("A" if code[-1] != "A" else "B"),  # forged signature
    lambda code: code[:20],  # truncated
    lambda code: "HELLO-WORLD",  # not a code at all
])
async def test_forged_and_truncated_codes_are_unknown_and_admit_nothing(services, make_tenant, mangle):
    tenant = await make_tenant("door")
    event = await make_event(services, tenant)
    ticket = await make_ticket(services, tenant, event)

    answer = await checkins.admit_code(services, tenant, code=mangle(ticket.code))

    assert answer.to_json() == {"result": "unknown"}
    [row] = await attempts(services, tenant)
    assert (row.result, row.ticket_id, row.attendee_id) == ("unknown", None, None)
    assert (await checkins.admit_code(services, tenant, code=ticket.code)).result == "admitted"


async def test_another_accounts_genuine_code_is_unknown_and_its_ticket_stays_unadmitted(services, make_tenant):
    ours, theirs = await make_tenant("door"), await make_tenant("door")
    their_ticket = await make_ticket(services, theirs, await make_event(services, theirs))

    answer = await checkins.admit_code(services, ours, code=their_ticket.code)

    assert answer.result == "unknown"
    assert [r.result for r in await attempts(services, ours)] == ["unknown"]
    assert await attempts(services, theirs) == []


@pytest.mark.parametrize(("changes", "reason"), [
    ({"ticket_status": "void"}, "void"),
    ({"attendee_status": "refunded", "order_status": "refunded"}, "refunded"),
    ({"order_status": "cancelled", "attendee_status": "cancelled"}, "cancelled"),
    ({"order_status": "pending"}, "unpaid"),
])
async def test_void_refunded_cancelled_and_unpaid_tickets_are_not_valid(services, make_tenant, changes, reason):
    tenant = await make_tenant("door")
    event = await make_event(services, tenant)
    ticket = await make_ticket(services, tenant, event, **changes)

    answer = await checkins.admit_code(services, tenant, code=ticket.code)

    assert (answer.result, answer.reason) == ("not_valid", reason)
    assert [r.result for r in await attempts(services, tenant, ticket_id=ticket.id)] == ["not_valid"]


async def test_a_code_for_another_event_is_wrong_event_when_the_event_is_named(services, make_tenant):
    tenant = await make_tenant("door")
    gala, jazz = await make_event(services, tenant, name="Gala"), await make_event(services, tenant, name="Jazz")
    ticket = await make_ticket(services, tenant, jazz)

    answer = await checkins.admit_code(services, tenant, code=ticket.code, event_slug=gala.slug)

    assert (answer.result, answer.event["name"]) == ("wrong_event", "Jazz")
    [row] = await attempts(services, tenant)
    assert (row.result, row.event_id, row.ticket_id) == ("wrong_event", gala.id, ticket.id)


async def test_concurrent_scans_of_one_ticket_admit_it_exactly_once(services, make_tenant):
    tenant = await make_tenant("door")
    ticket = await make_ticket(services, tenant, await make_event(services, tenant))

    answers = await asyncio.gather(*(checkins.admit_code(services, tenant, code=ticket.code) for _ in range(20)))

    assert sorted(a.result for a in answers).count("admitted") == 1
    assert sum(a.result == "already_admitted" for a in answers) == 19
    rows = await attempts(services, tenant, ticket_id=ticket.id)
    assert sum(r.result == "admitted" for r in rows) == 1 and len(rows) == 20


async def test_a_retry_with_the_same_nonce_gets_the_stored_answer_and_adds_no_row(services, door):
    tenant, event, secret = door
    ticket = await make_ticket(services, tenant, event)
    scan = Scan(code=ticket.code, nonce="scanner-7:0001")

    first = await checkins.scan_at_door(services, token=secret, scan=scan)
    await checkins.scan_at_door(services, token=secret, scan=Scan(code=ticket.code))
    retry = await checkins.scan_at_door(services, token=secret, scan=scan)

    assert first.result == retry.result == "admitted"
    assert first == retry
    rows = await attempts(services, tenant, ticket_id=ticket.id)
    assert [(r.result, r.nonce) for r in rows] == [("admitted", "scanner-7:0001"), ("already_admitted", None)]
    assert rows[0].door_token_id is not None and rows[0].answer["checked_in_by"] == "North door"


async def test_a_door_token_refuses_other_events_and_a_mismatched_event_slug(services, door):
    tenant, event, secret = door
    other = await make_event(services, tenant, name="Other")
    ticket = await make_ticket(services, tenant, other)

    answer = await checkins.scan_at_door(services, token=secret, scan=Scan(code=ticket.code))
    assert answer.result == "wrong_event"
    with pytest.raises(Forbidden):
        await checkins.scan_at_door(services, token=secret, scan=Scan(code=ticket.code), event_slug=other.slug)
    assert [r.result for r in await attempts(services, tenant)] == ["wrong_event"]


async def test_an_offline_scan_of_an_admitted_ticket_is_a_conflict_reported_to_the_events_channel(services, door):
    tenant, event, secret = door
    ticket = await make_ticket(services, tenant, event, name="Bo Berg")
    now = datetime.now(UTC)
    await checkins.scan_at_door(services, token=secret, scan=Scan(code=ticket.code, offline_at=now - timedelta(minutes=10)))
    other = await door_tokens.create_door_token(services, tenant, event_slug=event.slug, name="South door")

    late = await checkins.scan_at_door(services, token=other.secret, scan=Scan(code=ticket.code, offline_at=now - timedelta(minutes=5)))

    assert (late.result, late.conflict, late.checked_in_by) == ("already_admitted", True, "North door")
    rows = await attempts(services, tenant, ticket_id=ticket.id)
    assert [r.result for r in rows] == ["admitted", "conflict"]
    [report] = await conflict_reports(services, tenant)
    assert report.channel_id == "C0DOORS" and report.kind == "post"
    assert "Bo Berg" in shown(report)["text"] and "North door" in shown(report)["text"]
    assert "South door" in shown(report)["text"]


async def test_an_earlier_offline_scan_uploaded_later_takes_the_admission(services, door):
    tenant, event, secret = door
    ticket = await make_ticket(services, tenant, event)
    now = datetime.now(UTC)
    online = await checkins.scan_at_door(services, token=secret, scan=Scan(code=ticket.code))
    other = await door_tokens.create_door_token(services, tenant, event_slug=event.slug, name="Side door")

    earlier = await checkins.scan_at_door(
        services, token=other.secret, scan=Scan(code=ticket.code, offline_at=now - timedelta(minutes=20))
    )

    assert online.result == earlier.result == "admitted"
    rows = {r.result: r for r in await attempts(services, tenant, ticket_id=ticket.id)}
    assert set(rows) == {"admitted", "conflict"}
    assert rows["admitted"].scanned_at == now - timedelta(minutes=20)
    assert rows["conflict"].door_token_id != rows["admitted"].door_token_id
    assert len(await conflict_reports(services, tenant)) == 1
    again = await checkins.admit_code(services, tenant, code=ticket.code)
    assert (again.result, again.checked_in_by) == ("already_admitted", "Side door")


async def test_only_the_admission_writes_the_tickets_one_timeline_entry(services, door):
    tenant, event, secret = door
    ticket = await make_ticket(services, tenant, event)
    void = await make_ticket(services, tenant, event, name="Vic Void", ticket_status="void")
    now = datetime.now(UTC)

    await checkins.scan_at_door(services, token=secret, scan=Scan(code=void.code))
    await asyncio.gather(*(checkins.scan_at_door(services, token=secret, scan=Scan(code=ticket.code)) for _ in range(8)))
    other = await door_tokens.create_door_token(services, tenant, event_slug=event.slug, name="Side door")
    taken = await checkins.scan_at_door(  # an earlier offline scan takes the admission over
        services, token=other.secret, scan=Scan(code=ticket.code, offline_at=now - timedelta(minutes=20))
    )

    assert taken.result == "admitted"
    first = {r.result: r for r in await attempts(services, tenant, ticket_id=ticket.id)}["conflict"]
    async with services.db.tenant(tenant.account_id) as session:
        entries = (await session.execute(
            select(Interaction.source_key, Interaction.body, Interaction.occurred_at).where(Interaction.kind == "checkin")
        )).all()
    assert entries == [(f"checkin:{ticket.id}", f"Checked in at {event.name} by North door", first.scanned_at)]


async def test_a_batch_of_offline_scans_is_applied_in_order_of_scan_time(services, door):
    tenant, event, secret = door
    ticket = await make_ticket(services, tenant, event)
    now = datetime.now(UTC)
    scans = [
        Scan(code=ticket.code, nonce="n-3", offline_at=now - timedelta(minutes=1)),
        Scan(code=ticket.code, nonce="n-1", offline_at=now - timedelta(minutes=9)),
        Scan(code="FORGED-CODE", nonce="n-2", offline_at=now - timedelta(minutes=5)),
    ]

    answers = await checkins.scan_batch_at_door(services, token=secret, scans=scans)

    assert [a.result for a in answers] == ["already_admitted", "admitted", "unknown"]
    rows = await attempts(services, tenant)
    by_nonce = {r.nonce: r.result for r in rows}
    assert by_nonce == {"n-1": "admitted", "n-2": "unknown", "n-3": "conflict"}
    again = await checkins.scan_batch_at_door(services, token=secret, scans=scans)
    assert again == answers and len(await attempts(services, tenant)) == 3


async def test_door_tokens_are_stored_hashed_listed_and_revoked(services, door):
    tenant, event, secret = door
    async with services.db.tenant(tenant.account_id) as session:
        [row] = (await session.execute(select(DoorToken))).scalars()
    assert secret.startswith("dt_") and len(secret) > 40
    assert row.token_hash == door_tokens.hash_token(secret) and secret not in row.token_hash

    second = await door_tokens.create_door_token(services, tenant, event_slug=event.slug)
    assert second.info.name == "Door 2"
    listed = await door_tokens.list_door_tokens(services, tenant, event_slug=event.slug)
    assert [t.name for t in listed.tokens] == ["North door", "Door 2"]

    await door_tokens.revoke_door_tokens(services, tenant, event_slug=event.slug, which="north DOOR")
    with pytest.raises(door_tokens.DoorTokenRefused):
        await door_tokens.resolve_door_token(services, secret)
    assert (await door_tokens.resolve_door_token(services, second.secret)).event_id == event.id
    with pytest.raises(NotFound):
        await door_tokens.revoke_door_tokens(services, tenant, event_slug=event.slug, which="North door")


async def test_only_organizers_manage_door_tokens(services, make_tenant):
    owner = await make_tenant()
    event = await make_event(services, owner)
    for role in ("door", "sales"):
        tenant = await make_tenant(role)
        with pytest.raises(Forbidden, match="organizer"):
            await door_tokens.create_door_token(services, tenant, event_slug=event.slug)


async def test_search_finds_attendees_by_email_or_name_prefix_with_their_state(services, make_tenant):
    tenant = await make_tenant("door")
    event = await make_event(services, tenant)
    anna = await make_ticket(services, tenant, event, name="Anna Smith", email="anna@example.test")
    annika = await make_ticket(services, tenant, event, name="Annika Berg")
    await make_ticket(services, tenant, event, name="Bob Anderson")
    await checkins.admit_ticket(services, tenant, ticket_id=annika.id)

    by_prefix = await checkins.find_attendees(services, tenant, event_slug=event.slug, query="ann")
    by_email = await checkins.find_attendees(services, tenant, event_slug=event.slug, query="ANNA@example.test")

    assert [(m.name, m.state) for m in by_prefix.matches] == [("Anna Smith", "ready"), ("Annika Berg", "admitted")]
    assert [m.ticket_id for m in by_email.matches] == [anna.id]


async def test_routing_a_door_token_switches_its_transaction_to_the_tokens_tenant_only_when_found(services, door):
    tenant, event, secret = door
    await door_tokens.revoke_door_tokens(services, tenant, event_slug=event.slug, which="North door")
    live = await door_tokens.create_door_token(services, tenant, event_slug=event.slug, name="West door")

    for refused in ("dt_unknown", secret):
        async with services.db.system() as session:
            with pytest.raises(door_tokens.DoorTokenRefused):
                await door_tokens.enter_door_token_tenant(session, refused)
            assert await session.scalar(text("SELECT current_user")) == "eventos_system"
    async with services.db.system() as session:
        access = await door_tokens.enter_door_token_tenant(session, live.secret)
        who = (await session.execute(text("SELECT current_user, current_setting('app.account_id')"))).one()

    assert (access.account_id, access.event_id) == (tenant.account_id, event.id)
    assert tuple(who) == ("eventos_app", str(tenant.account_id))


async def test_a_door_scan_runs_as_the_tokens_tenant_in_its_one_transaction(services, door, make_tenant):
    tenant, event, secret = door
    theirs = await make_tenant("organizer")
    their_event = await make_event(services, theirs, name="Theirs")
    their_ticket = await make_ticket(services, theirs, their_event)
    ticket = await make_ticket(services, tenant, event, name="Ada Door")

    admitted = await checkins.scan_at_door(services, token=secret, scan=Scan(code=ticket.code))
    foreign = await checkins.scan_at_door(services, token=secret, scan=Scan(code=their_ticket.code))
    with pytest.raises(NotFound):  # the other account's event is invisible too
        await checkins.scan_at_door(services, token=secret, scan=Scan(code=ticket.code), event_slug=their_event.slug)

    assert (admitted.result, admitted.attendee["name"], admitted.checked_in_by) == ("admitted", "Ada Door", "North door")
    assert foreign.result == "unknown"  # the other account's ticket is invisible to this tenant
    rows = await attempts(services, tenant)
    assert [(r.result, r.account_id) for r in rows] == [("admitted", tenant.account_id), ("unknown", tenant.account_id)]
    assert await attempts(services, theirs) == []
    async with services.db.tenant(tenant.account_id) as session:
        timeline = (await session.execute(select(Interaction.body).where(Interaction.kind == "checkin"))).scalars().all()
    assert timeline == [f"Checked in at {event.name} by North door"]
