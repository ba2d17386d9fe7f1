"""The live door status: one message per event in its channel, updated in place, throttled."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.notifier import SlackNotifier, fixed_token
from core.door import checkins, tokens
from core.door import status as door_status
from core.jobs import outbox
from core.services import Services
from core.time.clock import FrozenClock
from db.models import Event, OutboxMessage
from tests.support.door_factories import make_event, make_ticket


@pytest.fixture
def clock() -> FrozenClock:
    # Ahead of the database, so outbox rows stamped by the database are due at once.
    return FrozenClock(datetime.now(UTC) + timedelta(seconds=5))


@pytest.fixture
def services(db, slack_settings, clock) -> Services:
    return Services(db=db, settings=slack_settings, clock=clock,
                    notifier=SlackNotifier(slack_settings, fixed_token("xoxb-test-token")))


async def updated_at(services, tenant, event_id) -> datetime:
    async with services.db.tenant(tenant.account_id) as session:
        return (await session.execute(select(Event.updated_at).where(Event.id == event_id))).scalar_one()


async def door_messages(services, tenant) -> list[OutboxMessage]:
    async with services.db.tenant(tenant.account_id) as session:
        query = select(OutboxMessage).where(OutboxMessage.dedupe_key.startswith("door-status:"))
        return list((await session.execute(query.order_by(OutboxMessage.created_at))).scalars())


async def test_a_busy_door_gets_one_message_updated_in_place_at_most_every_30_seconds(
    services, make_tenant, clock, slack_standin
):
    tenant = await make_tenant("door")
    event = await make_event(services, tenant, name="Gala", channel="C0DOORS")
    first, second = await make_ticket(services, tenant, event), await make_ticket(services, tenant, event)
    await make_ticket(services, tenant, event, ticket_status="void")
    await checkins.admit_code(services, tenant, code=first.code)
    await checkins.admit_code(services, tenant, code=first.code)
    edited_at = await updated_at(services, tenant, event.id)

    assert await door_status.refresh_door_statuses(services, account_id=tenant.account_id) == 1
    assert await door_status.refresh_door_statuses(services, account_id=tenant.account_id) == 0
    await outbox.drain(services, account_id=tenant.account_id)
    [post] = slack_standin.calls_to("chat.postMessage")
    assert post.params["channel"] == "C0DOORS"
    assert "1 of 2 admitted (50%)" in post.params["text"] and "1 refused or repeated scan\n" in post.params["text"]

    await checkins.admit_code(services, tenant, code=second.code)
    clock.advance(seconds=20)
    assert await door_status.refresh_door_statuses(services, account_id=tenant.account_id) == 0
    clock.advance(seconds=11)
    assert await door_status.refresh_door_statuses(services, account_id=tenant.account_id) == 1
    await outbox.drain(services, account_id=tenant.account_id)

    [update] = slack_standin.calls_to("chat.update")
    assert (update.params["channel"], update.params["ts"]) == ("C0DOORS", post.response["ts"])
    assert "2 of 2 admitted (100%)" in update.params["text"] and "2 in the last 15 minutes" in update.params["text"]
    assert len(slack_standin.calls_to("chat.postMessage")) == 1
    async with services.db.tenant(tenant.account_id) as session:
        row = (await session.execute(select(Event).where(Event.id == event.id))).scalar_one()
    assert (row.door_status_channel, row.door_status_ts) == ("C0DOORS", post.response["ts"])
    assert row.updated_at == edited_at  # door bookkeeping is not an edit of the event
    assert [m.kind for m in await door_messages(services, tenant)] == ["post", "update"]


async def test_quiet_or_closed_events_and_events_without_a_channel_get_no_status(services, make_tenant, clock):
    tenant = await make_tenant("door")
    quiet = await make_event(services, tenant, channel="C0QUIET")
    await make_ticket(services, tenant, quiet)
    past = await make_event(services, tenant, channel="C0PAST")
    nowhere = await make_event(services, tenant)
    for event in (past, nowhere):
        await checkins.admit_code(services, tenant, code=(await make_ticket(services, tenant, event)).code)
    two_days = timedelta(days=2)
    async with services.db.tenant(tenant.account_id) as session:
        await session.execute(
            update(Event).where(Event.id == past.id)
            .values(starts_at=Event.starts_at - two_days, ends_at=Event.ends_at - two_days)
        )

    await door_status.refresh_door_statuses(services, account_id=tenant.account_id)

    assert await door_messages(services, tenant) == []


async def test_the_scanner_overview_counts_admitted_and_sold(services, make_tenant):
    tenant = await make_tenant("organizer")
    event = await make_event(services, tenant, name="Gala")
    issued = await tokens.create_door_token(services, tenant, event_slug=event.slug, name="Main")
    tickets = [await make_ticket(services, tenant, event) for _ in range(3)]
    await checkins.admit_code(services, tenant, code=tickets[0].code)

    overview = await door_status.door_overview(services, token=issued.secret)

    assert overview.to_json() == {
        "event": {"slug": event.slug, "name": "Gala"}, "door": {"name": "Main"},
        "admitted": 1, "sold": 3, "last_15_minutes": 1,
    }
