"""/event through signed Slack requests against the real database: arguments, modals, cards, paging, roles."""

import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select

from bot.events import modal_views as modals
from bot.events import views as views
from core.storefront import handles
from core.time.clock import FrozenClock
from db.models import (
    Attendee,
    CheckIn,
    Contact,
    Event,
    Order,
    OrderLine,
    Product,
    Ticket,
)

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
async def app(slack):
    """The app with its clock frozen in January 2026 and the account in Berlin, paying in EUR."""
    slack.services.clock = FrozenClock(NOW)
    message = await slack.run("/eventos", "setup timezone=Europe/Berlin currency=EUR")
    assert "Settings saved" in message["text"]
    return slack


async def rows(slack, model, *where):
    tenant = await slack.tenant()
    async with slack.services.db.tenant(tenant.account_id) as session:
        return list((await session.execute(select(model).where(*where))).scalars())


async def count(slack, model) -> int:
    tenant = await slack.tenant()
    async with slack.services.db.tenant(tenant.account_id) as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


def mrkdwn_texts(blocks: list[dict]) -> list[str]:
    """Every mrkdwn string in a message (sections, fields, context, confirm dialogs)."""
    found: list[str] = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(blocks)
    return found


def buttons(blocks: list[dict]) -> dict[str, dict]:
    return {
        element["action_id"]: element
        for block in blocks if block["type"] == "actions" for element in block["elements"]
    }


async def opened_view(slack, n: int = 1) -> dict:
    calls = await slack.standin.wait_for_calls("views.open", n)
    return calls[n - 1].params["view"]


async def test_help_lists_every_subcommand(app):
    message = await app.run("/event", "help")
    for word in ("create", "list", "show", "stats", "edit", "publish", "cancel"):
        assert f"/event {word}" in message["text"]


async def test_create_with_arguments_saves_a_draft_in_the_account_zone_and_shows_its_card(app):
    message = await app.run("/event", 'create name="Summer Gala" starts="2026-07-01 19:00" ends="2026-07-01 23:00" capacity=300')
    assert message["response_type"] == "ephemeral"
    assert "Created draft *Summer Gala* `summer-gala`" in message["text"]
    assert {"type": "header", "text": {"type": "plain_text", "text": "Summer Gala", "emoji": True}} in message["blocks"]
    assert "Wed 01 Jul 2026, 19:00–23:00 CEST" in str(message["blocks"])
    [event] = await rows(app, Event)
    assert (event.slug, event.status, event.capacity, event.timezone) == ("summer-gala", "draft", 300, "Europe/Berlin")
    assert event.starts_at == datetime(2026, 7, 1, 17, 0, tzinfo=UTC)


async def test_same_name_twice_gets_a_suffixed_slug_and_a_chosen_duplicate_slug_is_refused(app):
    await app.run("/event", 'create name="Gala" starts="2026-07-01 19:00"')
    second = await app.run("/event", 'create name="Gala" starts="2026-08-01 19:00"')
    assert "`gala-2`" in second["text"]
    refused = await app.run("/event", 'create name="Other" starts="2026-08-01 19:00" slug=gala')
    assert refused["text"] == "Another event already has the slug `gala`; choose another slug=."
    assert await count(app, Event) == 2


@pytest.mark.parametrize(("text", "sentence"), [
    ('name=Gala starts="2025-12-24 19:00"', "starts 2025-12-24 19:00 Europe/Berlin is in the past; pick a time after now."),
    ('name=Gala starts="2026-07-01 19:00" ends="2026-07-01 18:00"',
     "ends (2026-07-01 18:00 Europe/Berlin) must be after starts (2026-07-01 19:00 Europe/Berlin)."),
    ('name=Gala starts="2026-07-01 19:00" venue="Nowhere Hall"',
     "There is no venue called “Nowhere Hall”; add it with `/venue add name=…` or see `/venue list`."),
    ('name=Gala starts="2026-07-01 19:00" venue="Small Room" capacity=80',
     "capacity 80 is more than Small Room holds (50 seats); lower capacity= to 50 or less, or pick a bigger venue."),
    (f'name="{"x" * 300}" starts="2026-07-01 19:00"', "name must be at most 120 characters; this one has 300."),
    ('name=Night starts="2026-03-29 02:30"',
     "starts 2026-03-29 02:30 does not exist in Europe/Berlin: clocks jump from 02:00 to 03:00 that night, "
     "so pick a time outside that gap."),
    ('starts="2026-07-01 19:00"', "Add name=…, for example name=\"Summer Gala\"."),
])
async def test_bad_input_is_answered_privately_and_nothing_is_saved(app, text, sentence):
    await app.run("/venue", 'add name="Small Room" capacity=50')
    message = await app.run("/event", f"create {text}")
    assert message["response_type"] == "ephemeral"
    assert message["text"] == sentence
    assert await count(app, Event) == 0


async def test_an_ambiguous_fall_back_time_is_read_as_the_first_occurrence(app):
    await app.run("/event", 'create name="Long Night" starts="2026-10-25 02:30"')
    [event] = await rows(app, Event)
    assert event.starts_at == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST, before clocks fall back


async def test_mrkdwn_and_mentions_in_names_are_rendered_escaped(app):
    await app.run("/venue", 'add name="&lt;!here&gt; Hall"')
    message = await app.run("/event", 'create name="&lt;!channel&gt; *Gala* &lt;https://evil.example|click&gt; &amp; more" '
                                      'starts="2026-07-01 19:00" venue="&lt;!here&gt; Hall"')
    [event] = await rows(app, Event)
    assert event.name == "<!channel> *Gala* <https://evil.example|click> & more"
    texts = mrkdwn_texts(message["blocks"]) + [message["text"]]
    assert not any("<!channel>" in t or "<!here>" in t or "<https://evil" in t for t in texts)
    assert any("&lt;!channel&gt; *Gala* &lt;https://evil.example|click&gt; &amp; more" in t for t in texts)
    assert any("&lt;!here&gt; Hall" in t for t in texts)


async def test_create_without_arguments_opens_a_modal_whose_submission_creates_the_event(app):
    await app.run("/venue", 'add name="Hall A" capacity=300')
    result = await app.command("/event", "create")
    assert result.status == 200
    view = await opened_view(app)
    assert view["callback_id"] == modals.CREATE_EVENT
    suggested = await app.driver.suggest(modals.VENUE_PICK, "hal", user_id=app.owner, block_id="venue", view=view)
    [hall] = suggested.ack_body["options"]
    assert hall["text"]["text"] == "Hall A (300 seats)"
    values = {
        "name": {"name": "Autumn Fair"},
        "venue": {modals.VENUE_PICK: {"type": "external_select", "selected_option": hall}},
        "starts_date": {"starts_date": {"type": "datepicker", "selected_date": "2026-09-12"}},
        "starts_time": {"starts_time": {"type": "timepicker", "selected_time": "10:00"}},
        "ends_date": {"ends_date": {"type": "datepicker", "selected_date": None}},
        "ends_time": {"ends_time": {"type": "timepicker", "selected_time": None}},
        "capacity": {"capacity": {"type": "number_input", "value": "250"}},
        "timezone": {"timezone": None},
    }
    submitted = await app.driver.submit_view(values=values, view=view, user_id=app.owner)
    assert submitted.status == 200 and not submitted.ack_body
    [posted] = await app.standin.wait_for_calls("chat.postEphemeral")
    assert posted.params["channel"] == "C0GENERAL" and posted.params["user"] == app.owner
    assert "Created draft *Autumn Fair* `autumn-fair`" in posted.params["text"]
    [event] = await rows(app, Event)
    assert (event.capacity, event.starts_at) == (250, datetime(2026, 9, 12, 8, 0, tzinfo=UTC))


@pytest.mark.parametrize(("date", "time", "ends", "block", "sentence"), [
    ("2026-07-01", "19:00", ("2026-07-01", "18:00"), "ends_time", "must be after starts"),
    ("2026-03-29", "02:30", (None, None), "starts_time", "does not exist in Europe/Berlin"),
    ("2025-07-01", "19:00", (None, None), "starts_time", "is in the past"),
    ("2026-07-01", "19:00", ("2026-07-02", None), "ends_time", "Pick a time as well as the date."),
])
async def test_a_modal_with_bad_dates_answers_errors_on_the_field_and_saves_nothing(app, date, time, ends, block, sentence):
    await app.command("/event", "create")
    view = await opened_view(app)
    values = {
        "name": {"name": "Gala"},
        "starts_date": {"starts_date": {"type": "datepicker", "selected_date": date}},
        "starts_time": {"starts_time": {"type": "timepicker", "selected_time": time}},
        "ends_date": {"ends_date": {"type": "datepicker", "selected_date": ends[0]}},
        "ends_time": {"ends_time": {"type": "timepicker", "selected_time": ends[1]}},
    }
    submitted = await app.driver.submit_view(values=values, view=view, user_id=app.owner)
    assert submitted.ack_body["response_action"] == "errors"
    assert list(submitted.ack_body["errors"]) == [block]
    assert sentence in submitted.ack_body["errors"][block]
    assert await count(app, Event) == 0


async def test_a_modal_with_a_300_character_name_names_the_field(app):
    await app.command("/event", "create")
    view = await opened_view(app)
    values = {
        "name": {"name": "y" * 300},
        "starts_date": {"starts_date": {"type": "datepicker", "selected_date": "2026-07-01"}},
        "starts_time": {"starts_time": {"type": "timepicker", "selected_time": "19:00"}},
    }
    submitted = await app.driver.submit_view(values=values, view=view, user_id=app.owner)
    assert submitted.ack_body == {"response_action": "errors", "errors": {"name": "name must be at most 120 characters; this one has 300."}}
    assert await count(app, Event) == 0


async def test_sales_and_door_staff_can_read_but_not_create_or_change(app):
    await app.run("/event", 'create name=Gala starts="2026-07-01 19:00"')
    for role in ("sales", "door"):
        user = await app.user(role)
        refused = await app.run("/event", 'create name=Mine starts="2026-07-01 19:00"', user=user)
        assert refused["text"].startswith("Only an organizer user (or higher) can create events")
        no_modal = await app.run("/event", "create", user=user)
        assert no_modal["text"].startswith("Only an organizer user (or higher) can create events")
        for text in ("publish gala", "cancel gala", "edit gala capacity=10"):
            assert (await app.run("/event", text, user=user))["text"].startswith("Only an organizer user (or higher)")
        card = await app.run("/event", "show gala", user=user)
        assert card["blocks"][0]["text"]["text"] == "Gala" and not buttons(card["blocks"])
        assert "Gala" in str((await app.run("/event", "list", user=user))["blocks"])
    assert app.standin.calls_to("views.open") == []
    [event] = await rows(app, Event)
    assert (event.status, event.capacity) == ("draft", None)
    organizer = await app.user("organizer")
    assert "Created draft" in (await app.run("/event", 'create name=Mine starts="2026-07-01 19:00"', user=organizer))["text"]


async def arrange_sales(slack, event: Event) -> None:
    """Orders, attendees and check-ins as the selling and door features will write them."""
    products = {p.slug: p for p in await rows(slack, Product, Product.event_id == event.id)}
    account = event.account_id
    async with slack.services.db.tenant(account) as connection:
        contact = (await connection.execute(insert(Contact).values(account_id=account, email="ann@example.com").returning(Contact.id))).scalar_one()
        sales = [("paid", "general", 2, 2500), ("paid", "vip", 1, 8000), ("pending", "general", 3, 2500), ("refunded", "general", 1, 2500)]
        for n, (status, slug, qty, price) in enumerate(sales):
            order = (await connection.execute(insert(Order).values(
                account_id=account, event_id=event.id, contact_id=contact, reference=f"R{n}{uuid.uuid4().hex[:6]}", status=status,
                quantity=qty, total_cents=qty * price, currency="EUR", email="ann@example.com",
            ).returning(Order.id))).scalar_one()
            await connection.execute(insert(OrderLine).values(account_id=account, order_id=order, product_id=products[slug].id, quantity=qty, unit_price_cents=price))
            if status == "paid":
                for k in range(qty):
                    attendee = (await connection.execute(insert(Attendee).values(
                        account_id=account, event_id=event.id, order_id=order, product_id=products[slug].id, contact_id=contact,
                        name=f"Guest {n}{k}", email="ann@example.com",
                    ).returning(Attendee.id))).scalar_one()
                    ticket = (await connection.execute(insert(Ticket).values(
                        account_id=account, attendee_id=attendee, event_id=event.id, code=uuid.uuid4().hex,
                    ).returning(Ticket.id))).scalar_one()
                    if n == 0:
                        await connection.execute(insert(CheckIn).values(
                            account_id=account, event_id=event.id, ticket_id=ticket, attendee_id=attendee, result="admitted",
                            source="slack", scanned_at=NOW,
                        ))
        await connection.execute(Product.__table__.update().where(Product.id == products["general"].id).values(sold=5))
        await connection.execute(Product.__table__.update().where(Product.id == products["vip"].id).values(sold=1))
        await connection.execute(Event.__table__.update().where(Event.id == event.id).values(sold=6))


async def test_show_and_stats_cards_count_sales_revenue_and_check_ins(app):
    await app.run("/venue", 'add name="Hall A" capacity=300')
    await app.run("/event", 'create name=Gala starts="2026-07-01 19:00" venue="Hall A" capacity=200')
    await app.run("/ticket", "add gala name=General price=25 capacity=150")
    await app.run("/ticket", "add gala name=VIP price=80,00 capacity=20")
    [event] = await rows(app, Event)
    await arrange_sales(app, event)

    card = await app.run("/event", "show gala")
    text = str(card["blocks"])
    assert "Wed 01 Jul 2026, 19:00 CEST" in text and "Hall A" in text and "📝 Draft" in text
    assert "*General* `general` — 25.00 EUR · 2 sold · 3 held / 150 · 50.00 EUR gross" in text
    assert "*VIP* `vip` — 80.00 EUR · 1 sold / 20 · 80.00 EUR gross" in text
    assert "Check-ins so far: *2* of 3 attendees" in text
    assert set(buttons(card["blocks"])) == {views.EDIT, views.ADD_TICKET, views.PUBLISH, views.CANCEL}

    stats = await app.run("/event", "stats gala")
    fields = {f["text"].split("\n")[0]: f["text"].split("\n")[1] for f in stats["blocks"][1]["fields"]}
    assert fields == {
        "*Tickets sold*": "3", "*Money (paid orders)*": "*130.00 EUR net* (155.00 EUR gross − 25.00 EUR refunded)", "*Orders*": "2 paid, 1 pending, 1 refunded",
        "*Seats left*": "194", "*Attendees*": "3", "*Checked in*": "2 (66%)",
    }


async def test_cancel_asks_first_reports_what_it_affects_and_then_stops_sales(app):
    await app.run("/event", 'create name=Gala starts="2026-07-01 19:00"')
    await app.run("/ticket", "add gala name=General price=25")
    await app.run("/ticket", "add gala name=VIP price=80")
    [event] = await rows(app, Event)
    await arrange_sales(app, event)

    step = await app.run("/event", "cancel gala")
    assert "It has 2 paid orders, 1 pending order and 3 attendees; nobody is refunded or told automatically." in step["blocks"][0]["text"]["text"]
    assert (await rows(app, Event))[0].status == "draft"
    kept = await app.driver.action(views.KEEP, user_id=app.owner, value="gala")
    assert (await app.driver.wait_responses(kept))[0]["text"] == "Kept `gala`; nothing changed."
    assert (await rows(app, Event))[0].status == "draft"

    confirm = buttons(step["blocks"])[views.CANCEL]
    clicked = await app.driver.action(views.CANCEL, user_id=app.owner, value=confirm["value"])
    [answer] = await app.driver.wait_responses(clicked)
    assert answer["replace_original"] is True
    assert answer["text"].startswith("Cancelled “Gala”: it sells nothing from now on. It had 2 paid orders, 1 pending order and 3 attendees.")
    assert "❌ Cancelled" in str(answer["blocks"]) and not buttons(answer["blocks"])
    [event] = await rows(app, Event)
    assert event.status == "cancelled" and event.cancelled_at == NOW
    refused = await app.run("/ticket", "add gala name=Late price=5")
    assert refused["text"] == "“Gala” is cancelled; its ticket types can no longer change."


async def test_the_cards_cancel_button_confirms_with_what_it_affects(app):
    await app.run("/event", 'create name=Gala starts="2026-07-01 19:00"')
    card = await app.run("/event", "show gala")
    cancel = buttons(card["blocks"])[views.CANCEL]
    assert cancel["style"] == "danger"
    assert cancel["confirm"]["text"]["text"].startswith("“Gala” will stop selling for good. It has 0 paid orders, 0 pending orders and 0 attendees")
    sales = await app.user("sales")
    clicked = await app.driver.action(views.CANCEL, user_id=sales, value="gala")
    assert (await app.driver.wait_responses(clicked))[0]["text"].startswith("Only an organizer user (or higher) can cancel events")
    assert (await rows(app, Event))[0].status == "draft"


async def test_publish_needs_a_ticket_type_then_puts_the_event_on_sale(app):
    await app.run("/event", 'create name=Gala starts="2026-07-01 19:00"')
    refused = await app.run("/event", "publish gala")
    assert refused["text"] == 'Add a ticket type before publishing: `/ticket add gala name="General admission" price=25`.'
    await app.run("/ticket", "add gala name=General price=25")
    card = await app.run("/event", "show gala")
    clicked = await app.driver.action(views.PUBLISH, user_id=app.owner, value=buttons(card["blocks"])[views.PUBLISH]["value"])
    [answer] = await app.driver.wait_responses(clicked)
    handle = await handles.public_handle(app.services, await app.tenant())
    assert answer["text"] == f"*Gala* is published and on sale: <http://eventos.test/e/{handle}/gala>"
    assert (await rows(app, Event))[0].status == "published"
    again = await app.run("/event", "publish gala")
    assert again["text"] == f"*Gala* was already published: <http://eventos.test/e/{handle}/gala>"


async def test_the_edit_button_opens_a_prefilled_modal_that_saves_changes(app):
    await app.run("/venue", 'add name="Hall A" capacity=300')
    await app.run("/event", 'create name=Gala starts="2026-07-01 19:00" ends="2026-07-01 23:00" venue="Hall A"')
    card = await app.run("/event", "show gala")
    await app.driver.action(views.EDIT, user_id=app.owner, value=buttons(card["blocks"])[views.EDIT]["value"])
    view = await opened_view(app)
    assert view["callback_id"] == modals.EDIT_EVENT
    initial = {b["block_id"]: b["element"] for b in view["blocks"]}
    assert initial["name"]["initial_value"] == "Gala"
    assert initial["starts_date"]["initial_date"] == "2026-07-01" and initial["starts_time"]["initial_time"] == "19:00"
    assert initial["ends_time"]["initial_time"] == "23:00" and initial["capacity"]["initial_value"] == "300"
    assert initial["venue"]["initial_option"]["text"]["text"] == "Hall A"

    values = {
        "name": {"name": "Gala Night"},
        "venue": {modals.VENUE_PICK: {"type": "external_select", "selected_option": initial["venue"]["initial_option"]}},
        "starts_date": {"starts_date": {"type": "datepicker", "selected_date": "2026-07-02"}},
        "starts_time": {"starts_time": {"type": "timepicker", "selected_time": "20:00"}},
        "ends_date": {"ends_date": {"type": "datepicker", "selected_date": "2026-07-02"}},
        "ends_time": {"ends_time": {"type": "timepicker", "selected_time": "23:30"}},
        "capacity": {"capacity": {"type": "number_input", "value": "400"}},
    }
    over = await app.driver.submit_view(values=values, view=view, user_id=app.owner)
    assert over.ack_body["errors"] == {"capacity": "capacity 400 is more than Hall A holds (300 seats); lower capacity= to 300 or less, or pick a bigger venue."}
    values["capacity"] = {"capacity": {"type": "number_input", "value": "250"}}
    saved = await app.driver.submit_view(values=values, view=view, user_id=app.owner)
    assert not saved.ack_body
    await app.standin.wait_for_calls("chat.postEphemeral")
    [event] = await rows(app, Event)
    assert (event.slug, event.name, event.capacity) == ("gala", "Gala Night", 250)
    assert event.starts_at == datetime(2026, 7, 2, 18, 0, tzinfo=UTC)


async def test_edit_with_arguments_changes_only_what_is_given(app):
    await app.run("/event", 'create name=Gala starts="2026-07-01 19:00" capacity=100')
    message = await app.run("/event", 'edit gala name="Gala Night" capacity=none')
    assert message["text"] == "Saved *Gala Night*."
    [event] = await rows(app, Event)
    assert (event.name, event.capacity, event.starts_at) == ("Gala Night", None, datetime(2026, 7, 1, 17, 0, tzinfo=UTC))


async def add_events(slack, n: int) -> list[str]:
    """n events, one a day from February 2026, inserted in one statement; their slugs in start order."""
    tenant = await slack.tenant()
    start = datetime(2026, 2, 1, 18, 0, tzinfo=UTC)
    values = [
        {"account_id": tenant.account_id, "slug": f"event-{k:03d}", "name": f"Event {k:03d}",
         "starts_at": start + timedelta(days=k), "timezone": "Europe/Berlin"}
        for k in range(n)
    ]
    async with slack.services.db.tenant(tenant.account_id) as session:
        await session.execute(insert(Event), values)
    return [v["slug"] for v in values]


def listed_slugs(message: dict) -> list[str]:
    return [
        re.search(r"`([a-z0-9-]+)`", b["text"]["text"]).group(1)
        for b in message["blocks"] if b["type"] == "section" and b.get("accessory", {}).get("action_id") == views.SHOW
    ]


async def test_the_list_pages_through_250_events_with_next_and_previous(app):
    slugs = await add_events(app, 250)
    message = await app.run("/event", "list")
    pages = [message]
    while views.LIST_NEXT in buttons(message["blocks"]):
        nexts = [e for e in buttons_list(message["blocks"]) if e["text"]["text"].startswith("Next")]
        clicked = await app.driver.action(views.LIST_NEXT, user_id=app.owner, value=nexts[0]["value"])
        [message] = await app.driver.wait_responses(clicked)
        assert message["replace_original"] is True
        pages.append(message)
    assert len(pages) == 13
    assert [s for page in pages for s in listed_slugs(page)] == slugs
    assert "Upcoming events (250)" in str(pages[0]["blocks"][0])
    assert "Showing 241–250 of 250" in str(pages[-1]["blocks"])
    assert not [e for e in buttons_list(pages[-1]["blocks"]) if e["text"]["text"].startswith("Next")]

    previous = [e for e in buttons_list(pages[-1]["blocks"]) if e["text"]["text"].startswith("← Previous")]
    clicked = await app.driver.action(views.LIST_PREVIOUS, user_id=app.owner, value=previous[0]["value"])
    [back] = await app.driver.wait_responses(clicked)
    assert listed_slugs(back) == slugs[220:240] and "Showing 221–240 of 250" in str(back["blocks"])

    opened = await app.driver.action(views.SHOW, user_id=app.owner, value="event-007")
    assert (await app.driver.wait_responses(opened))[0]["blocks"][0]["text"]["text"] == "Event 007"


def buttons_list(blocks: list[dict]) -> list[dict]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


async def test_list_past_shows_the_latest_first_and_all_shows_both(app):
    await add_events(app, 3)
    app.services.clock = FrozenClock(datetime(2026, 2, 3, 12, 0, tzinfo=UTC))
    past = await app.run("/event", "list past")
    assert listed_slugs(past) == ["event-001", "event-000"]
    upcoming = await app.run("/event", "list")
    assert listed_slugs(upcoming) == ["event-002"]
    every = await app.run("/event", "list all")
    assert listed_slugs(every) == ["event-000", "event-001", "event-002"]
    wrong = await app.run("/event", "list tomorrow")
    assert wrong["text"] == "Use `/event list`, `/event list past` or `/event list all`."


async def test_page_values_stay_well_under_slacks_button_limit(app):
    await add_events(app, 30)
    message = await app.run("/event", "list")
    [next_button] = buttons_list(message["blocks"])
    assert len(next_button["value"]) < 2000 and json.loads(next_button["value"])["scope"] == "upcoming"
    assert len(message["blocks"]) <= 50
