"""/venue and /ticket through signed Slack requests: arguments, modals with typeahead, bad input, roles."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.events import modal_views as modals
from core.time.clock import FrozenClock
from db.models import Product, Venue

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


@pytest.fixture
async def app(slack):
    slack.services.clock = FrozenClock(NOW)
    await slack.run("/eventos", "setup timezone=Europe/Berlin currency=EUR")
    return slack


async def rows(slack, model, *order):
    tenant = await slack.tenant()
    async with slack.services.db.tenant(tenant.account_id) as session:
        return list((await session.execute(select(model).order_by(*order))).scalars())


async def count(slack, model) -> int:
    tenant = await slack.tenant()
    async with slack.services.db.tenant(tenant.account_id) as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def opened_view(slack) -> dict:
    [call] = await slack.standin.wait_for_calls("views.open")
    return call.params["view"]


async def test_venue_add_with_arguments_and_list(app):
    added = await app.run("/venue", 'add name="Hall A" address="1 Main St, Berlin" capacity=300')
    assert added["text"] == "Added venue Hall A"
    await app.run("/venue", 'add name="Loft" timezone=Europe/Lisbon')
    listing = await app.run("/venue", "list")
    text = str(listing["blocks"])
    assert "Venues (2)" in text
    assert "• *Hall A* — 1 Main St, Berlin · 300 seats" in text and "• *Loft* — no seat limit · Europe/Lisbon" in text


@pytest.mark.parametrize(("text", "sentence"), [
    ('add name="hall a"', "There is already a venue called “hall a”; pick it, or choose another name."),
    ('add name="Big" capacity=-5', "capacity must be at least 1 seat; leave it out for no limit."),
    ('add name="Big" capacity=lots', "capacity must be a whole number of seats like 300, not “lots”."),
    ('add name="Big" timezone=Mars/Base', "“Mars/Base” is not a time zone; use an IANA name such as Europe/Berlin or America/New_York."),
    (f'add name="{"v" * 300}"', "name must be at most 120 characters; this one has 300."),
])
async def test_bad_venues_are_answered_privately_and_nothing_is_saved(app, text, sentence):
    await app.run("/venue", 'add name="Hall A"')
    message = await app.run("/venue", text)
    assert (message["response_type"], message["text"]) == ("ephemeral", sentence)
    assert [v.name for v in await rows(app, Venue)] == ["Hall A"]


async def test_venue_modal_adds_a_venue_and_shows_errors_on_the_field(app):
    await app.run("/venue", 'add name="Hall A"')
    await app.command("/venue", "add")
    view = await opened_view(app)
    assert view["callback_id"] == modals.ADD_VENUE
    values = {"name": {"name": "HALL A"}, "address": {"address": None}, "capacity": {"capacity": {"type": "number_input", "value": "120"}}}
    duplicate = await app.driver.submit_view(values=values, view=view, user_id=app.owner)
    assert duplicate.ack_body == {"response_action": "errors", "errors": {"name": "There is already a venue called “HALL A”; pick it, or choose another name."}}
    values["name"] = {"name": "Studio"}
    added = await app.driver.submit_view(values=values, view=view, user_id=app.owner)
    assert not added.ack_body
    [posted] = await app.standin.wait_for_calls("chat.postEphemeral")
    assert "Added venue *Studio* (120 seats)" in str(posted.params["blocks"])
    assert [(v.name, v.capacity) for v in await rows(app, Venue, Venue.name)] == [("Hall A", None), ("Studio", 120)]


async def test_venue_edit_refuses_a_capacity_below_an_upcoming_event(app):
    await app.run("/venue", 'add name="Hall A" capacity=300')
    await app.run("/event", 'create name=Gala starts="2026-07-01 19:00" venue="Hall A"')
    refused = await app.run("/venue", 'edit "Hall A" capacity=200')
    assert refused["text"] == "Hall A cannot hold fewer seats than its event “Gala” promises (300 seats); lower that event's capacity first."
    await app.run("/event", "edit gala capacity=150")
    saved = await app.run("/venue", 'edit "hall a" capacity=200')
    assert saved["text"] == "Saved Hall A"
    assert (await rows(app, Venue))[0].capacity == 200


async def test_ticket_add_with_arguments_reads_prices_in_the_account_currency(app):
    await app.run("/event", 'create name=Gala starts="2026-07-01 19:00" ends="2026-07-01 23:00" capacity=300')
    added = await app.run("/ticket", 'add gala name="Early bird" price=19,50 capacity=50 sales_end="2026-05-31 23:59"')
    assert "Added *Early bird* `early-bird` to *Gala*: 19.50 EUR, 50 seats." in added["blocks"][0]["text"]["text"]
    await app.run("/ticket", "add gala name=General price=25")
    listing = await app.run("/ticket", "list gala")
    text = str(listing["blocks"])
    assert "• *Early bird* `early-bird` — 19.50 EUR · 0 / 50 sold or held · sales end Sun 31 May 2026, 23:59" in text
    assert "• *General* `general` — 25.00 EUR · 0 (no limit) sold or held" in text
    [early, general] = await rows(app, Product, Product.price_cents)
    assert (early.price_cents, early.currency, early.sales_end) == (1950, "EUR", datetime(2026, 5, 31, 21, 59, tzinfo=UTC))
    assert (general.price_cents, general.capacity) == (2500, None)


@pytest.mark.parametrize(("text", "sentence"), [
    ("add gala name=General price=-5", "price cannot be negative; use 0 for a free ticket."),
    ("add gala name=General price=12.345", "price in EUR takes at most 2 decimals, not “12.345”."),
    ("add gala name=General price=25 capacity=150",
     "capacity 150 is more than “Gala” can still promise: it holds 100 seats, and its other ticket types already promise 40; "
     "use capacity=60 or less, or raise the event's capacity."),
    ('add gala name=General price=25 sales_end="2026-07-02 10:00"',
     "sales_end 2026-07-02 10:00 Europe/Berlin is after the event ends (2026-07-01 23:00 Europe/Berlin); pick an earlier time."),
    ("add gala name=\"VIP 2\" price=25 slug=vip", "“Gala” already has a ticket type `vip`; choose another slug=."),
    ("add nope name=General price=25", "There is no event `nope`. See `/event list` for the slugs."),
    ("add gala name=General", "Add price=…, for example price=25.00."),
])
async def test_bad_ticket_types_are_answered_privately_and_nothing_is_saved(app, text, sentence):
    await app.run("/event", 'create name=Gala starts="2026-07-01 19:00" ends="2026-07-01 23:00" capacity=100')
    await app.run("/ticket", "add gala name=VIP price=80 capacity=40 slug=vip")
    message = await app.run("/ticket", text)
    assert (message["response_type"], message["text"]) == ("ephemeral", sentence)
    assert [p.slug for p in await rows(app, Product)] == ["vip"]


async def test_ticket_modal_picks_the_event_by_typeahead(app):
    await app.run("/event", 'create name="Summer Gala" starts="2026-07-01 19:00" capacity=100')
    await app.run("/event", 'create name="Winter Ball" starts="2026-12-01 19:00"')
    await app.command("/ticket", "add")
    view = await opened_view(app)
    assert view["callback_id"] == modals.ADD_TICKET
    suggested = await app.driver.suggest(modals.EVENT_PICK, "summ", user_id=app.owner, block_id="event", view=view)
    [gala] = suggested.ack_body["options"]
    assert (gala["text"]["text"], gala["value"]) == ("01 Jul 2026 · Summer Gala", "summer-gala")
    everything = await app.driver.suggest(modals.EVENT_PICK, "", user_id=app.owner, block_id="event", view=view)
    assert [o["value"] for o in everything.ack_body["options"]] == ["summer-gala", "winter-ball"]
    values = {
        "event": {modals.EVENT_PICK: {"type": "external_select", "selected_option": gala}},
        "name": {"name": "General"},
        "price": {"price": "-1"},
        "capacity": {"capacity": {"type": "number_input", "value": "120"}},
    }
    negative = await app.driver.submit_view(values=values, view=view, user_id=app.owner)
    assert negative.ack_body == {"response_action": "errors", "errors": {"price": "price cannot be negative; use 0 for a free ticket."}}
    values["price"] = {"price": "25"}
    too_many = await app.driver.submit_view(values=values, view=view, user_id=app.owner)
    assert list(too_many.ack_body["errors"]) == ["capacity"]
    assert await count(app, Product) == 0
    values["capacity"] = {"capacity": {"type": "number_input", "value": "100"}}
    added = await app.driver.submit_view(values=values, view=view, user_id=app.owner)
    assert not added.ack_body
    [posted] = await app.standin.wait_for_calls("chat.postEphemeral")
    assert "Added *General* `general` to *Summer Gala*: 25.00 EUR, 100 seats." in str(posted.params["blocks"])


async def test_ticket_add_with_only_the_event_opens_the_modal_with_it_picked(app):
    await app.run("/event", 'create name=Gala starts="2026-07-01 19:00"')
    await app.command("/ticket", "add gala")
    view = await opened_view(app)
    event_block = next(b for b in view["blocks"] if b["block_id"] == "event")
    assert event_block["element"]["initial_option"]["value"] == "gala"


async def test_ticket_edit_changes_price_and_capacity(app):
    await app.run("/event", 'create name=Gala starts="2026-07-01 19:00" capacity=100')
    await app.run("/ticket", "add gala name=General price=25 capacity=50")
    saved = await app.run("/ticket", "edit gala general price=30 capacity=80")
    assert saved["text"] == "Saved General"
    [product] = await rows(app, Product)
    assert (product.price_cents, product.capacity) == (3000, 80)
    refused = await app.run("/ticket", "edit gala general capacity=101")
    assert refused["text"].startswith("capacity 101 is more than “Gala” can still promise")


async def test_sales_and_door_staff_list_ticket_types_but_cannot_add_them(app):
    await app.run("/event", 'create name=Gala starts="2026-07-01 19:00"')
    for role in ("sales", "door"):
        user = await app.user(role)
        assert (await app.run("/ticket", "add gala name=X price=1", user=user))["text"].startswith(
            "Only an organizer user (or higher) can add ticket types")
        assert (await app.run("/ticket", "add", user=user))["text"].startswith("Only an organizer user (or higher)")
        assert (await app.run("/venue", "add name=X", user=user))["text"].startswith("Only an organizer user (or higher) can add venues")
        assert "Ticket types: Gala" in str((await app.run("/ticket", "list gala", user=user))["blocks"])
        assert "No venues yet" in str((await app.run("/venue", "list", user=user))["blocks"])
    assert await count(app, Product) == 0 and await count(app, Venue) == 0
    assert app.standin.calls_to("views.open") == []


async def test_help_lists_every_subcommand(app):
    venue = await app.run("/venue", "help")
    ticket = await app.run("/ticket", "help")
    assert all(f"/venue {w}" in venue["text"] for w in ("add", "list", "edit"))
    assert all(f"/ticket {w}" in ticket["text"] for w in ("add", "list", "edit"))
