"""One time-zone rule: everything about an event is shown in the event's zone, and names it.

The account here lives in Berlin and the event in New York, six hours apart, so a time shown in the
wrong zone cannot pass for the right one (the check-in answer once said 08:07 where the search list
said 02:07 for the same scan).
"""

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.door import views as door_views
from core.door.checkins import CheckinAnswer
from core.time.local_time import wall_clock, zone_name
from db.models import CheckIn, Order
from tests.support.door_factories import make_event, make_ticket
from tests.support.factories import make_product, set_account
from tests.support.factories import make_event as make_sales_event

NEW_YORK, BERLIN = ZoneInfo("America/New_York"), ZoneInfo("Europe/Berlin")


async def admitted_at(slack, tenant) -> datetime:
    async with slack.services.db.tenant(tenant.account_id) as session:
        return (await session.execute(select(CheckIn.scanned_at).where(CheckIn.result == "admitted"))).scalar_one()


async def test_already_admitted_and_the_search_list_say_the_same_time_in_the_events_zone(slack):
    tenant = await slack.tenant()
    await set_account(slack.services, tenant, timezone="Europe/Berlin")
    event = await make_event(slack.services, tenant, name="Jazz Night", timezone="America/New_York")
    ticket = await make_ticket(slack.services, tenant, event, name="Anna Smith")

    await slack.run("/checkin", ticket.code)
    again = await slack.run("/checkin", ticket.code)
    search = await slack.run("/checkin", f"{event.slug} anna")

    at = await admitted_at(slack, tenant)
    there, here = at.astimezone(NEW_YORK), at.astimezone(BERLIN)
    assert f"*Already admitted* at {there:%H:%M} {there:%Z}" in again["text"]
    assert f"Checked in at {there:%H:%M} {there:%Z}" in str(search["blocks"])
    for shown in (again["text"], str(search["blocks"])):
        assert f"{here:%H:%M}" not in shown


async def test_a_holds_expiry_is_shown_to_the_seller_in_the_events_zone_and_names_it(slack):
    tenant = await slack.tenant()
    await set_account(slack.services, tenant, timezone="Europe/Berlin")
    event = await make_sales_event(slack.services, tenant, name="Jazz Night", timezone="America/New_York")
    await make_product(slack.services, tenant, event)

    sold = await slack.run("/sell", f"{event.slug} ga email=ann@example.com")
    reference = re.search(r"EV-[A-Z0-9]{6}", sold["text"])[0]
    async with slack.services.db.tenant(tenant.account_id) as session:
        expires_at = (await session.execute(select(Order.expires_at).where(Order.reference == reference))).scalar_one()
    there = expires_at.astimezone(NEW_YORK)
    assert f"held until {there:%a %d %b %Y, %H:%M} {there:%Z}" in str(sold["blocks"])
    shown = await slack.run("/order", f"show {reference}")
    assert f"{there:%H:%M} {there:%Z}" in str(shown["blocks"])
    assert f"{expires_at.astimezone(BERLIN):%H:%M}" not in str(shown["blocks"]) + str(sold["blocks"])


def test_a_checkin_answer_is_shown_in_the_zone_of_the_event_it_names():
    at = datetime(2031, 7, 1, 6, 7, tzinfo=UTC)
    answer = CheckinAnswer(
        "already_admitted", {"name": "Anna", "email": "a@example.com", "ticket_type": "GA"},
        {"slug": "jazz", "name": "Jazz Night", "timezone": "America/New_York"}, checked_in_at=at, checked_in_by="Door 1",
    )
    text, _ = door_views.checkin_result(answer)
    assert "*Already admitted* at 02:07 EDT by Door 1" in text


def test_every_shown_time_names_its_zone_even_where_the_zone_has_no_abbreviation():
    at = datetime(2031, 7, 1, 17, 0, tzinfo=UTC)
    assert wall_clock(at, "Europe/Berlin") == "Tue 01 Jul 2031, 19:00 CEST"
    assert wall_clock(at, "America/Sao_Paulo", "%H:%M") == "14:00 UTC-03"
    assert wall_clock(at, "Asia/Kolkata", "%H:%M") == "22:30 IST"
    assert zone_name(at) == "UTC"
