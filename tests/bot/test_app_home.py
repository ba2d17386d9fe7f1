"""App Home through signed app_home_opened events: upcoming events, today's numbers, action buttons."""

import asyncio
import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from bot.events import modal_views
from bot.home import views as views
from core.accounts.home import HomeSummary, Revenue, UpcomingEvent
from core.context import TenantContext

SALES = """
WITH
  e AS (INSERT INTO events (account_id, slug, name, starts_at, timezone, capacity, sold, status)
        VALUES (:a, 'gala', 'Gala <night>', now() + interval '2 days', 'UTC', 100, 3, 'published'),
               (:a, 'past', 'Last year', now() - interval '2 days', 'UTC', 50, 50, 'published'),
               (:a, 'off', 'Called off', now() + interval '3 days', 'UTC', 50, 0, 'cancelled'),
               (:a, 'open', 'Open mic', now() + interval '5 days', 'UTC', NULL, 7, 'draft')
        RETURNING id, slug),
  c AS (INSERT INTO contacts (account_id, email) VALUES (:a, 'ann@example.test') RETURNING id),
  o AS (INSERT INTO orders (account_id, event_id, contact_id, reference, status, kind, quantity, total_cents, currency, email, paid_at)
        SELECT :a, e.id, c.id, r.ref, r.status, r.kind, r.qty, r.total, 'USD', 'ann@example.test', r.paid_at
        FROM e, c, (VALUES ('R1', 'paid', 'sale', 2, 5000, now()),
                           ('R2', 'paid', 'sale', 1, 2500, now()),
                           ('R3', 'pending', 'sale', 4, 10000, NULL::timestamptz),
                           ('R4', 'paid', 'comp', 1, 0, now()),
                           ('R5', 'paid', 'sale', 3, 7500, now() - interval '3 days')) AS r(ref, status, kind, qty, total, paid_at)
        WHERE e.slug = 'gala' RETURNING id)
INSERT INTO check_ins (account_id, event_id, result, source, scanned_at, created_at)
SELECT :a, e.id, r.result, 'api', now(), r.at FROM e,
  (VALUES ('admitted', now()), ('admitted', now()), ('already_admitted', now()), ('admitted', now() - interval '3 days')) AS r(result, at)
WHERE e.slug = 'gala'
"""


async def open_home(slack, user: str, tab: str = "home"):
    result = await slack.driver.event({"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": tab})
    assert result.status == 200
    return result


async def test_opening_the_home_tab_publishes_upcoming_events_and_todays_numbers(slack, owner_engine):
    tenant = await slack.tenant()
    async with owner_engine.begin() as connection:
        await connection.execute(text(SALES), {"a": tenant.account_id})

    await open_home(slack, slack.owner)

    [call] = await slack.standin.wait_for_calls("views.publish")
    assert call.params["user_id"] == slack.owner
    view = call.params["view"]
    assert view["type"] == "home"
    shown = json.dumps(view["blocks"])
    assert "*Gala &lt;night&gt;*" in shown and "0 sold \\u00b7 3 held / 100" in shown
    assert "*Open mic*" in shown and "0 sold \\u00b7 7 held" in shown and "_draft_" in shown
    assert "Last year" not in shown and "Called off" not in shown
    assert shown.index("Gala") < shown.index("Open mic")
    assert "3 in 2 orders" in shown and "75.00 USD" in shown
    assert "*Checked in*\\n2" in shown
    buttons = [e["action_id"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == [views.CREATE_EVENT, views.SELL, views.FIND_CONTACT]


async def test_the_messages_tab_draws_nothing(slack):
    await open_home(slack, slack.owner, tab="messages")
    await asyncio.sleep(0.2)
    assert slack.standin.calls_to("views.publish") == []


async def test_door_staff_see_no_sales_buttons_and_no_revenue(slack):
    door = await slack.user("door")
    await open_home(slack, door)

    [call] = await slack.standin.wait_for_calls("views.publish")
    shown = json.dumps(call.params["view"]["blocks"])
    assert "Revenue" not in shown and "Checked in" in shown
    assert all(b["type"] != "actions" for b in call.params["view"]["blocks"])
    assert "Nothing scheduled yet" in shown


async def test_create_event_on_the_home_tab_opens_the_event_form(slack):
    result = await slack.driver.action(views.CREATE_EVENT, user_id=slack.owner, view={"type": "home", "blocks": []})
    assert result.status == 200

    [call] = await slack.standin.wait_for_calls("views.open")
    form = call.params["view"]
    assert form["callback_id"] == modal_views.CREATE_EVENT
    assert json.loads(form["private_metadata"]) == {"channel": ""}, "no channel: the result comes as a DM"


async def test_sell_and_find_contact_open_a_guide_to_their_command(slack):
    for action_id in (views.SELL, views.FIND_CONTACT):
        result = await slack.driver.action(action_id, user_id=slack.owner, view={"type": "home", "blocks": []})
        assert result.status == 200
    opened = await slack.standin.wait_for_calls("views.open", 2)
    for call, command in zip(opened, ("/sell EVENT TICKET", "/contact find QUERY"), strict=True):
        assert call.params["trigger_id"]
        assert command in json.dumps(call.params["view"]["blocks"])


def test_the_home_view_reads_times_in_the_account_zone():
    at = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)  # 01:30 CET, half an hour before summer time starts
    summary = HomeSummary(
        as_of=at, timezone="Europe/Berlin", today=at.date(), orders_today=1, tickets_today=2,
        revenue_today=[Revenue(5000, "EUR"), Revenue(1000, "USD")], check_ins_today=0,
        upcoming=[UpcomingEvent(None, "gala", "Gala", at + timedelta(hours=18), "published", 2, 10, "Europe/Berlin", 2)],
    )
    viewer = TenantContext(account_id=None, user_id=None, role="sales", timezone="Europe/Berlin")
    shown = json.dumps(views.home_tab(summary, viewer)["blocks"])
    assert "Sun 29 Mar 2026, 20:30 CEST" in shown
    assert "Sunday 29 March" in shown
    assert "50.00 EUR, 10.00 USD" in shown
    assert "2 in 1 order" in shown and "2 in 1 orders" not in shown
    buttons = [e["action_id"] for b in views.home_tab(summary, viewer)["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == [views.SELL, views.FIND_CONTACT]
