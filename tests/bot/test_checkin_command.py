"""/checkin and /eventos door-token through signed Slack requests."""

import pytest
from sqlalchemy import select

from bot.door import views as views
from core.door import tokens as door_tokens
from db.models import CheckIn, DoorToken
from tests.support.door_factories import make_event, make_ticket


async def recorded(slack, tenant) -> list[CheckIn]:
    async with slack.services.db.tenant(tenant.account_id) as session:
        return list((await session.execute(select(CheckIn).order_by(CheckIn.created_at))).scalars())


async def test_checkin_by_code_admits_once_then_says_already_admitted(slack):
    tenant = await slack.tenant()
    event = await make_event(slack.services, tenant, name="Summer Gala")
    ticket = await make_ticket(slack.services, tenant, event, name="Anna Smith")
    door = await slack.user("door")

    first = await slack.run("/checkin", ticket.code.lower(), user=door)
    second = await slack.run("/checkin", ticket.code, user=door)

    assert first["response_type"] == "ephemeral"
    assert "*Admitted* at Summer Gala" in first["text"] and "Anna Smith" in first["text"]
    assert "*Already admitted* at" in second["text"] and "by User " in second["text"]
    rows = await recorded(slack, tenant)
    assert [(r.result, r.source) for r in rows] == [("admitted", "slack"), ("already_admitted", "slack")]


async def test_checkin_with_an_event_refuses_a_ticket_of_another_event(slack):
    tenant = await slack.tenant()
    gala, jazz = await make_event(slack.services, tenant, name="Gala"), await make_event(slack.services, tenant, name="Jazz")
    ticket = await make_ticket(slack.services, tenant, jazz)

    message = await slack.run("/checkin", f"{gala.slug} {ticket.code}")

    assert "*Wrong event*" in message["text"] and "Jazz" in message["text"]
    assert [r.result for r in await recorded(slack, tenant)] == ["wrong_event"]


async def test_a_forged_code_is_unknown_and_admits_nobody(slack):
    tenant = await slack.tenant()
    ticket = await make_ticket(slack.services, tenant, await make_event(slack.services, tenant))

    message = await slack.run("/checkin", ticket.code[:-1] + ("Q" if ticket.code[-1] != "Q" else "R"))

    assert "*Unknown code*" in message["text"]
    assert [(r.result, r.ticket_id) for r in await recorded(slack, tenant)] == [("unknown", None)]


async def test_search_lists_matches_with_admit_buttons_and_the_button_admits(slack):
    tenant = await slack.tenant()
    event = await make_event(slack.services, tenant, name="Gala")
    anna = await make_ticket(slack.services, tenant, event, name="Anna <b> Smith", email="anna@example.test")
    await make_ticket(slack.services, tenant, event, name="Annika Berg", ticket_status="void")
    door = await slack.user("door")

    listing = await slack.run("/checkin", f"{event.slug} ann", user=door)

    buttons = [b["accessory"] for b in listing["blocks"] if b.get("accessory", {}).get("action_id") == "checkin.admit"]
    assert [b["value"] for b in buttons] == [str(anna.id)]
    assert "Anna &lt;b&gt; Smith" in str(listing["blocks"]) and "was voided" in str(listing["blocks"])
    by_email = await slack.run("/checkin", f"{event.slug} <mailto:anna@example.test|anna@example.test>", user=door)
    assert str(anna.id) in str(by_email["blocks"])

    click = await slack.driver.action("checkin.admit", user_id=door, value=str(anna.id))
    [answer] = await slack.driver.wait_responses(click, 1)

    assert answer["replace_original"] is True and "*Admitted* at Gala" in answer["text"]
    [row] = await recorded(slack, tenant)
    assert (row.result, row.ticket_id, row.source) == ("admitted", anna.id, "slack")
    again = await slack.driver.action("checkin.admit", user_id=door, value=str(anna.id))
    assert "*Already admitted*" in (await slack.driver.wait_responses(again, 1))[0]["text"]


async def test_checkin_mistakes_answer_privately_and_save_nothing(slack):
    tenant = await slack.tenant()
    await make_event(slack.services, tenant)

    no_event = await slack.run("/checkin", "no-such-event anna")
    email_only = await slack.run("/checkin", "anna@example.test")
    button = await slack.driver.action("checkin.admit", user_id=slack.owner, value="not-a-ticket")

    assert "There is no event `no-such-event`" in no_event["text"]
    assert "Name the event too" in email_only["text"]
    assert "/checkin CODE" in (await slack.driver.wait_responses(button, 1))[0]["text"]
    assert await recorded(slack, tenant) == []


async def test_checkin_help_shows_both_forms(slack):
    message = await slack.run("/checkin", "help")
    assert "/checkin CODE | EVENT name-or-email" in message["text"]


async def test_door_token_is_shown_once_stored_hashed_listed_and_revoked(slack):
    tenant = await slack.tenant()
    event = await make_event(slack.services, tenant, name="Gala")
    organizer = await slack.user("organizer")

    created = await slack.run("/eventos", f'door-token {event.slug} name="North door"', user=organizer)

    text = str(created["blocks"])
    secret = text[text.index("dt_"):].split("`")[0].split("|")[0].split("'")[0]
    assert f"/scan#token={secret}" in text
    async with slack.services.db.tenant(tenant.account_id) as session:
        [row] = (await session.execute(select(DoorToken))).scalars()
    assert row.name == "North door" and row.token_hash == door_tokens.hash_token(secret)
    assert (await door_tokens.resolve_door_token(slack.services, secret)).event_id == event.id

    listing = await slack.run("/eventos", f"door-token {event.slug} list", user=organizer)
    assert "North door" in str(listing["blocks"]) and "active" in str(listing["blocks"])
    assert secret not in str(listing)

    step = await slack.run("/eventos", f'door-token {event.slug} revoke "North door"', user=organizer)
    assert step["text"] == f"Revoke “North door” `{str(row.id)[:8]}` for Gala?"
    kept = await slack.driver.action(views.KEEP_TOKENS, user_id=organizer, value=event.slug)
    assert (await slack.driver.wait_responses(kept))[0]["text"] == "Not revoked; the door tokens keep working."
    assert (await door_tokens.resolve_door_token(slack.services, secret)).event_id == event.id
    revoke = next(e for b in step["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == views.REVOKE)
    clicked = await slack.driver.action(views.REVOKE, user_id=organizer, value=revoke["value"])
    [revoked] = await slack.driver.wait_responses(clicked)
    assert revoked["replace_original"] is True and "Revoked “North door”" in revoked["text"]
    with pytest.raises(door_tokens.DoorTokenRefused):
        await door_tokens.resolve_door_token(slack.services, secret)
    assert "revoked" in str((await slack.run("/eventos", f"door-token {event.slug} list", user=organizer))["blocks"])


async def test_door_staff_cannot_make_door_tokens_and_bad_forms_say_how(slack):
    tenant = await slack.tenant()
    event = await make_event(slack.services, tenant)
    door = await slack.user("door")

    refused = await slack.run("/eventos", f"door-token {event.slug}", user=door)
    unknown = await slack.run("/eventos", "door-token no-such-event")
    garbled = await slack.run("/eventos", f"door-token {event.slug} frobnicate")

    assert "Only an organizer" in refused["text"]
    assert "There is no event" in unknown["text"]
    assert "/eventos door-token EVENT list" in garbled["text"]
    async with slack.services.db.tenant(tenant.account_id) as session:
        assert list((await session.execute(select(DoorToken))).scalars()) == []
    help_text = (await slack.run("/eventos", "help"))["text"]
    assert "/eventos door-token EVENT" in help_text
