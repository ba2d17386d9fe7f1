"""/guest and guest-list names at /checkin, through signed Slack requests."""

from sqlalchemy import func, select

from bot.guestlists import views as views
from db.models import CheckIn, Contact, Event, GuestEntry, GuestList, Interaction
from tests.support import factories
from tests.support.door_factories import make_event as make_door_event


async def count(slack, model, *where) -> int:
    tenant = await slack.tenant()
    async with slack.services.db.tenant(tenant.account_id) as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where))


async def entries(slack) -> list[GuestEntry]:
    tenant = await slack.tenant()
    async with slack.services.db.tenant(tenant.account_id) as session:
        return list((await session.scalars(select(GuestEntry).order_by(GuestEntry.name))).all())


async def test_guest_add_with_companions_list_and_email_makes_a_contact_with_a_timeline_entry(slack):
    tenant = await slack.tenant()
    event = await factories.make_event(slack.services, tenant, name="Club Night", capacity=50)

    message = await slack.run("/guest", f'add {event.slug} "Anna Smith" +2 list=vip email=<mailto:anna@example.test|anna@example.test> note="birthday"')

    assert message["response_type"] == "ephemeral"
    assert "Added *Anna Smith* +2 to the *vip* list for Club Night." in message["text"]
    [entry] = await entries(slack)
    assert (entry.name, entry.companions, entry.email, entry.note) == ("Anna Smith", 2, "anna@example.test", "birthday")
    assert await count(slack, Contact, Contact.email == "anna@example.test") == 1
    assert await count(slack, Interaction, Interaction.kind == "guestlist") == 1
    async with slack.services.db.tenant(tenant.account_id) as session:
        assert await session.scalar(select(Event.sold).where(Event.id == event.id)) == 3


async def test_guest_mistakes_answer_privately_in_one_sentence_and_save_nothing(slack):
    tenant = await slack.tenant()
    event = await factories.make_event(slack.services, tenant)
    door = await slack.user("door")
    cases = [
        ("add", None),
        (f"add {event.slug}", None),
        (f'add {event.slug} "Anna" +99', None),
        (f'add {event.slug} "Anna" +two', None),
        (f'add {event.slug} "Anna" email=nope', None),
        (f'add {event.slug} "Anna" lst=vip', None),
        (f'add {event.slug} "Anna" list="V I P"', None),
        ('add no-such-event "Anna"', None),
        (f'add {event.slug} "Anna"', door),
        (f"remove {event.slug}", None),
        (f"stats {event.slug} list=vip", None),
        (f"setup {event.slug} list=vip cap=lots", None),
        (f"setup {event.slug} list=vip promoter=anna", None),
    ]
    for text, user in cases:
        message = await slack.run("/guest", text, user=user)
        assert message["response_type"] == "ephemeral", text
        assert message["text"].count(". ") <= 1 and "Traceback" not in message["text"], (text, message["text"])
    assert await count(slack, GuestEntry) == 0
    assert await count(slack, GuestList) == 0


async def test_a_promoter_sees_only_their_names_through_slack(slack):
    tenant = await slack.tenant()
    event = await factories.make_event(slack.services, tenant)
    promoter = await slack.user("promoter")
    await slack.run("/guest", f'add {event.slug} "Owner Guest"')
    await slack.run("/guest", f'add {event.slug} "Promo Guest" +1', user=promoter)

    theirs = await slack.run("/guest", f"list {event.slug}", user=promoter)
    everyone = await slack.run("/guest", f"list {event.slug}")
    refused = await slack.run("/guest", f'add {event.slug} "Sneak" list=guests', user=promoter)
    stats = await slack.run("/guest", f"stats {event.slug}", user=promoter)

    assert "Promo Guest" in str(theirs["blocks"]) and "Owner Guest" not in str(theirs["blocks"])
    assert "Promo Guest" in str(everyone["blocks"]) and "Owner Guest" in str(everyone["blocks"])
    assert "is not yours" in refused["text"]
    assert "Only your own names are counted." in str(stats["blocks"]) and "Owner Guest" not in str(stats["blocks"])


async def test_guest_import_modal_saves_every_line_or_shows_the_bad_one(slack):
    tenant = await slack.tenant()
    event = await factories.make_event(slack.services, tenant, capacity=10)
    await slack.command("/guest", f"import {event.slug} list=vip")
    view = (await slack.standin.wait_for_calls("views.open"))[0].params["view"]
    assert view["callback_id"] == views.IMPORT_VIEW

    bad = await slack.driver.submit_view(view=view, user_id=slack.owner, values={
        views.BLOCK_LINES: {"value": "Ann, ann@example.test, +1\nBob, bob@, +1"}, views.BLOCK_LIST: {"value": "vip"},
    })
    assert bad.ack_body["response_action"] == "errors" and bad.ack_body["errors"][views.BLOCK_LINES].startswith("Line 2")
    assert await count(slack, GuestEntry) == 0

    good = await slack.driver.submit_view(view=view, user_id=slack.owner, values={
        views.BLOCK_LINES: {"value": "Ann, ann@example.test, +1\nBob 🎉 O'Brien, +2\n"}, views.BLOCK_LIST: {"value": "vip"},
    })
    assert good.status == 200 and not good.ack_body
    [told] = await slack.standin.wait_for_calls("chat.postEphemeral")
    assert "Added 2 name(s) (5 people) to the *vip* list" in told.params["text"]
    assert [(e.name, e.companions) for e in await entries(slack)] == [("Ann", 1), ("Bob 🎉 O'Brien", 2)]


async def test_checkin_by_name_finds_a_guest_and_admits_the_party_once(slack):
    tenant = await slack.tenant()
    event = await make_door_event(slack.services, tenant, name="Club Night")
    await slack.run("/guest", f'add {event.slug} "Gina Guest" +2')
    door = await slack.user("door")

    found = await slack.run("/checkin", f"{event.slug} gina", user=door)

    buttons = [e for b in found["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [b["text"]["text"] for b in buttons] == ["Admit 3", "Admit 2", "Admit 1"]
    click = await slack.driver.action(buttons[1]["action_id"], user_id=door, value=buttons[1]["value"])
    [admitted] = await slack.driver.wait_responses(click, 1)
    again = await slack.driver.action(buttons[0]["action_id"], user_id=door, value=buttons[0]["value"])
    [refused] = await slack.driver.wait_responses(again, 1)

    assert "*Admitted* at Club Night" in admitted["text"] and "2 of 3" in admitted["text"]
    assert "*Already admitted*" in refused["text"] and "2 came in" in refused["text"]
    assert await count(slack, CheckIn, CheckIn.result == "admitted") == 1
    stats = await slack.run("/guest", f"stats {event.slug}")
    assert "2 (+1 companions)" in str(stats["blocks"])


async def test_setup_sets_a_cap_and_a_promoter_and_the_cap_holds(slack):
    tenant = await slack.tenant()
    event = await factories.make_event(slack.services, tenant)
    promoter = await slack.user("promoter")

    set_up = await slack.run("/guest", f'setup {event.slug} list=anna cap=3 closes="2030-01-01 23:00" promoter=<@{promoter}>')
    await slack.run("/guest", f'add {event.slug} "One" +1 list=anna', user=promoter)
    full = await slack.run("/guest", f'add {event.slug} "Two" +1 list=anna', user=promoter)

    assert "The *anna* list: promoter User" in set_up["text"] and "cap 3 (3 left)" in set_up["text"]
    assert "Only 1 place is left on the anna list; this needs 2." == full["text"]
    assert [e.name for e in await entries(slack)] == ["One"]


async def test_event_stats_show_guest_counts_per_list_and_promoter(slack):
    tenant = await slack.tenant()
    event = await factories.make_event(slack.services, tenant, name="Club")
    promoter = await slack.user("promoter")
    await slack.run("/guest", f'add {event.slug} "Pia Guest" +1', user=promoter)

    card = await slack.run("/event", f"stats {event.slug}")
    door_card = await slack.run("/event", f"stats {event.slug}", user=await slack.user("door"))

    assert "*Guest lists* — 1 name(s), 2 place(s)" in str(card["blocks"]) and "*By promoter*" in str(card["blocks"])
    assert "Guest lists" not in str(door_card["blocks"])


async def test_a_big_party_is_admitted_from_a_menu(slack):
    tenant = await slack.tenant()
    event = await make_door_event(slack.services, tenant, name="Club Night")
    await slack.run("/guest", f'add {event.slug} "Big Group" +5')

    found = await slack.run("/checkin", f"{event.slug} big")

    [menu] = [e for b in found["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert menu["type"] == "static_select" and len(menu["options"]) == 6
    four = next(o["value"] for o in menu["options"] if o["text"]["text"] == "Admit 4")
    click = await slack.driver.action(views.ADMIT_PARTY, user_id=slack.owner, action_type="static_select", selected_option=four)
    [admitted] = await slack.driver.wait_responses(click, 1)
    assert "4 of 6" in admitted["text"]


async def test_import_for_an_unknown_event_opens_no_form(slack):
    message = await slack.run("/guest", "import no-such-event")

    assert message["text"] == "There is no event `no-such-event`. See `/event list` for the slugs."
    assert slack.standin.calls_to("views.open") == []


async def test_a_hundred_guest_adds_at_once_through_slack_keep_exactly_the_twenty_places_left(slack):
    import asyncio

    tenant = await slack.tenant()
    event = await factories.make_event(slack.services, tenant, capacity=500)
    await slack.run("/guest", f"setup {event.slug} list=door cap=20")

    answers = await asyncio.gather(
        *(slack.run("/guest", f'add {event.slug} "Guest {i}" list=door') for i in range(100))
    )

    added = [a for a in answers if a["text"].startswith("Added")]
    refused = [a for a in answers if not a["text"].startswith("Added")]
    assert len(added) == 20 and await count(slack, GuestEntry) == 20
    assert {a["text"] for a in refused} == {"The door list is full."}
    async with slack.services.db.tenant(tenant.account_id) as session:
        assert await session.scalar(select(Event.sold).where(Event.id == event.id)) == 20
