"""/contact, /company and /log through signed Slack requests, modals included."""

from sqlalchemy import func, select

from bot.crm import views as views
from db.models import Company, ConsentChange, Contact, Interaction
from db.models.crm import HAND_LOGGED_KINDS, INTERACTION_KINDS


def text_of(message: dict) -> str:
    return message.get("text", "") + str(message.get("blocks", ""))


async def rows(slack, model, *where):
    tenant = await slack.tenant()
    async with slack.services.db.tenant(tenant.account_id) as session:
        return (await session.scalars(select(model).where(*where))).all()


async def count(slack, model, *where) -> int:
    tenant = await slack.tenant()
    async with slack.services.db.tenant(tenant.account_id) as session:
        return await session.scalar(select(func.count()).select_from(model).where(*where))


async def opened_view(slack, n: int = 1) -> dict:
    return (await slack.standin.wait_for_calls("views.open", n))[n - 1].params["view"]


def select_value(value: str, kind: str = "static_select") -> dict:
    return {"type": kind, "selected_option": {"value": value}}


async def test_contact_add_show_tag_and_consent(slack):
    added = await slack.run("/contact", 'add email=Ann@Acme.io name="Ann Lee" phone="+1 415 555 2671" company="Acme Events" tags=vip,speaker')
    assert "Added *Ann Lee*" in text_of(added)
    tagged = await slack.run("/contact", "tag ann@acme.io lead -speaker")
    assert "`vip`, `lead`" in text_of(tagged)
    consent = await slack.run("/contact", "consent ann@acme.io email=yes sms=no")
    assert "email consent given" in text_of(consent)
    card = await slack.run("/contact", "show ANN@acme.io")
    shown = text_of(card)
    for expected in ("Ann Lee", "ann@acme.io", "+14155552671", "Acme Events", "`vip`, `lead`", "via slack"):
        assert expected in shown
    [contact] = await rows(slack, Contact, Contact.email == "ann@acme.io")
    assert (contact.tags, contact.email_consent, contact.sms_consent, contact.company_name) == (["vip", "lead"], True, False, "Acme Events")
    assert await count(slack, ConsentChange, ConsentChange.contact_id == contact.id) == 1


async def test_contact_find_lists_matches_and_door_staff_see_names_only(slack):
    await slack.run("/contact", 'add email=ann@acme.io name="Ann Lee"')
    found = await slack.run("/contact", "find ann")
    assert "Ann Lee" in text_of(found) and "ann@acme.io" in text_of(found)
    door = await slack.user("door")
    found_by_door = await slack.run("/contact", "find ann", user=door)
    assert "Ann Lee" in text_of(found_by_door) and "ann@acme.io" not in text_of(found_by_door)
    card_for_door = await slack.run("/contact", "show ann@acme.io", user=door)
    assert "Ann Lee" in text_of(card_for_door) and "acme.io" not in str(card_for_door["blocks"])


async def test_door_staff_cannot_add_or_log(slack):
    door = await slack.user("door")
    refused = await slack.run("/contact", "add email=bo@acme.io", user=door)
    assert refused["response_type"] == "ephemeral" and "Only a sales user" in refused["text"]
    assert await count(slack, Contact) == 0


async def test_company_add_links_contacts_by_domain_and_show_lists_them(slack):
    await slack.run("/contact", "add email=bo@initech.com name=Bo")
    await slack.run("/contact", "add email=cy@gmail.com name=Cy")
    added = await slack.run("/company", "add name=Initech domain=www.initech.com")
    assert "Added *Initech*" in text_of(added)
    shown = await slack.run("/company", "show initech")
    assert "bo@initech.com" in text_of(shown) and "cy@gmail.com" not in text_of(shown)
    [bo] = await rows(slack, Contact, Contact.email == "bo@initech.com")
    assert bo.company_name == "Initech"
    late = await slack.run("/contact", "add email=dee@initech.com")
    assert "Initech" in text_of(late)


async def test_log_keeps_equals_signs_in_free_text_and_shows_on_the_card(slack):
    await slack.run("/contact", "add email=ann@acme.io name=Ann")
    # Slack sends emails in command text as links (should_escape: true).
    logged = await slack.run("/log", '<mailto:ann@acme.io|ann@acme.io> kind=call Quoted price=120 "VIP" table')
    assert "Logged a call" in logged["text"]
    [entry] = await rows(slack, Interaction)
    assert (entry.kind, entry.body) == ("call", 'Quoted price=120 "VIP" table')
    card = await slack.run("/contact", "show <mailto:ann@acme.io|ann@acme.io>")
    assert "Quoted price=120" in text_of(card)


async def test_contact_add_modal_saves_the_contact(slack):
    result = await slack.command("/contact", "add")
    assert result.status == 200
    view = await opened_view(slack)
    assert view["callback_id"] == views.ADD_CONTACT_VIEW
    ack = await slack.driver.submit_view(view=view, user_id=slack.owner, values={
        "email": {"value": "eve@example.com"}, "name": {"value": "Eve Adams"}, "phone": {"value": None},
        "company": {"value": None}, "tags": {"value": "vip"},
    })
    assert ack.status == 200 and not ack.ack_body
    [ephemeral] = await slack.standin.wait_for_calls("chat.postEphemeral")
    assert "Added *Eve Adams*" in str(ephemeral.params["blocks"])
    [contact] = await rows(slack, Contact)
    assert (contact.email, contact.first_name, contact.tags) == ("eve@example.com", "Eve", ["vip"])


async def test_contact_add_modal_shows_bad_email_and_phone_on_their_fields_and_saves_nothing(slack):
    await slack.command("/contact", "add")
    view = await opened_view(slack)
    ack = await slack.driver.submit_view(view=view, user_id=slack.owner, values={
        "email": {"value": "not-an-email"}, "name": {"value": None}, "phone": {"value": None},
        "company": {"value": None}, "tags": {"value": None},
    })
    assert ack.ack_body["response_action"] == "errors" and "is not an email address" in ack.ack_body["errors"]["email"]
    ack = await slack.driver.submit_view(view=view, user_id=slack.owner, values={
        "email": {"value": "ok@example.com"}, "name": {"value": None}, "phone": {"value": "12"},
        "company": {"value": None}, "tags": {"value": None},
    })
    assert "is not a phone number" in ack.ack_body["errors"]["phone"]
    assert await count(slack, Contact) == 0


async def test_company_add_modal_and_log_modal(slack):
    await slack.command("/company", "add")
    company_view = await opened_view(slack)
    ack = await slack.driver.submit_view(view=company_view, user_id=slack.owner, values={
        "name": {"value": "Globex"}, "domain": {"value": "gmail.com"},
    })
    assert "free-mail" in ack.ack_body["errors"]["domain"]
    ack = await slack.driver.submit_view(view=company_view, user_id=slack.owner, values={
        "name": {"value": "Globex"}, "domain": {"value": "globex.com"},
    })
    assert not ack.ack_body
    assert [c.domain for c in await rows(slack, Company)] == ["globex.com"]

    await slack.run("/contact", "add email=hank@globex.com name=Hank")
    [hank] = await rows(slack, Contact)
    options = await slack.driver.suggest(views.PICKER, "glob", user_id=slack.owner, block_id="contact")
    assert options.ack_body["options"][0]["value"] == str(hank.id)
    assert "Globex" in options.ack_body["options"][0]["text"]["text"]

    await slack.command("/log", "")
    log_view = await opened_view(slack, 2)
    assert log_view["callback_id"] == views.LOG_VIEW
    empty = await slack.driver.submit_view(view=log_view, user_id=slack.owner, values={
        "contact": {views.PICKER: select_value(str(hank.id), "external_select")},
        "kind": {"value": select_value("meeting")}, "text": {"value": "   "},
    })
    assert "empty" in empty.ack_body["errors"]["text"]
    assert await count(slack, Interaction) == 0
    ack = await slack.driver.submit_view(view=log_view, user_id=slack.owner, values={
        "contact": {views.PICKER: select_value(str(hank.id), "external_select")},
        "kind": {"value": select_value("meeting")}, "text": {"value": "Met at the expo"},
    })
    assert not ack.ack_body
    [entry] = await rows(slack, Interaction)
    assert (entry.kind, entry.body, entry.contact_id) == ("meeting", "Met at the expo", hank.id)


async def test_bad_input_is_answered_privately_and_nothing_is_saved(slack):
    bad_email = await slack.run("/contact", "add email=ann@@acme")
    assert bad_email["response_type"] == "ephemeral" and "is not an email address" in bad_email["text"]
    bad_phone = await slack.run("/contact", "add email=ann@acme.io phone=12345")
    assert "is not a phone number" in bad_phone["text"]
    assert await count(slack, Contact) == 0
    unknown = await slack.run("/log", "nobody@acme.io kind=call Hello")
    assert unknown["response_type"] == "ephemeral" and "No contact has the email nobody@acme.io" in unknown["text"]
    unknown_card = await slack.run("/contact", "show nobody@acme.io")
    assert "No contact has the email" in unknown_card["text"]
    await slack.run("/contact", "add email=ann@acme.io")
    empty = await slack.run("/log", "ann@acme.io kind=note")
    assert empty["response_type"] == "ephemeral" and "empty" in empty["text"]
    wrong_kind = await slack.run("/log", "ann@acme.io kind=purchase Bought")
    assert "kind= is one of" in wrong_kind["text"]
    assert await count(slack, Interaction) == 0
    twice = await slack.run("/contact", "add email=ANN@acme.io")
    assert "is a contact already" in twice["text"]
    assert await count(slack, Contact) == 1


async def test_merge_moves_the_timeline_to_the_survivor(slack):
    await slack.run("/contact", "add email=ann@acme.io name=Ann")
    await slack.run("/contact", "add email=ann.lee@gmail.com name=Annie phone=+442079460000")
    await slack.run("/log", "ann.lee@gmail.com Called from her gmail")
    step = await slack.run("/contact", "merge ann.lee@gmail.com into ann@acme.io")
    assert "Its 0 orders and 1 timeline entry move over" in text_of(step)
    assert len(await rows(slack, Contact, Contact.merged_into_id.is_not(None))) == 0
    kept = await slack.driver.action(views.KEEP_BOTH, user_id=slack.owner, value="ann.lee@gmail.com")
    assert (await slack.driver.wait_responses(kept))[0]["text"] == "Not merged; ann.lee@gmail.com stays as it was."
    merge = next(e for b in step["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == views.MERGE)
    clicked = await slack.driver.action(views.MERGE, user_id=slack.owner, value=merge["value"])
    [merged] = await slack.driver.wait_responses(clicked)
    assert merged["replace_original"] is True and "Merged ann.lee@gmail.com into Ann (ann@acme.io)" in merged["text"]
    again = await slack.driver.action(views.MERGE, user_id=slack.owner, value=merge["value"])
    assert (await slack.driver.wait_responses(again))[0]["text"].startswith("ann.lee@gmail.com was merged into another contact already")
    [survivor] = await rows(slack, Contact, Contact.email == "ann@acme.io")
    [entry] = await rows(slack, Interaction)
    assert entry.contact_id == survivor.id and survivor.phone == "+442079460000"
    via_old_email = await slack.run("/contact", "show ann.lee@gmail.com")
    assert "ann@acme.io" in text_of(via_old_email) and "Called from her gmail" in text_of(via_old_email)


async def test_sms_consent_without_a_phone_points_at_a_command_that_sets_it(slack):
    await slack.run("/contact", "add email=noa@acme.io name=Noa")
    refused = await slack.run("/contact", "consent noa@acme.io sms=yes")
    assert "`/contact phone noa@acme.io" in refused["text"]
    phoned = await slack.run("/contact", "phone noa@acme.io +49 151 23456789")
    assert "Noa's phone is now +4915123456789" in phoned["text"]
    recorded = await slack.run("/contact", "consent noa@acme.io sms=yes")
    assert "sms consent given" in recorded["text"]


def test_slack_shows_an_icon_for_every_kind_and_offers_the_hand_logged_ones_in_the_log_form():
    assert set(views.KIND_ICONS) == set(INTERACTION_KINDS)
    form = views.log_modal("C0SALES")
    [kind_block] = [b for b in form["blocks"] if b.get("block_id") == views.BLOCK_KIND]
    assert [o["value"] for o in kind_block["element"]["options"]] == list(HAND_LOGGED_KINDS)
