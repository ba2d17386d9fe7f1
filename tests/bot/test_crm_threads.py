"""Logging from Slack: the log_to_timeline shortcut, posted contact cards and their threads, card buttons."""

import json
from datetime import UTC, datetime

from sqlalchemy import func, select, update

from bot.crm import views as views
from core.door import checkins
from core.sales import orders, payments
from db.models import Attendee, Contact, ContactThread, Interaction, Ticket
from devtools.slack_manifest import Manifest
from tests.support.door_factories import TICKET_TYPE, make_event

THREAD = "1714000000.000100"
REPLY = "1714000100.000200"


async def interactions_of(slack, contact_email: str) -> list[Interaction]:
    tenant = await slack.tenant()
    async with slack.services.db.tenant(tenant.account_id) as session:
        return (
            await session.scalars(
                select(Interaction).join(Contact, Contact.id == Interaction.contact_id).where(Contact.email == contact_email)
            )
        ).all()


async def contact_id(slack, email: str):
    tenant = await slack.tenant()
    async with slack.services.db.tenant(tenant.account_id) as session:
        return await session.scalar(select(Contact.id).where(Contact.email == email))


def picked(contact) -> dict:
    return {views.PICKER: {"type": "external_select", "selected_option": {"value": str(contact)}}}


def message_form(*, contact=None, new_email=None, new_name=None, kind="slack", text="Can we get 10 seats?") -> dict:
    return {
        "contact": picked(contact) if contact else {views.PICKER: {"type": "external_select", "selected_option": None}},
        "new_email": {"value": new_email}, "new_name": {"value": new_name},
        "kind": {"value": {"type": "static_select", "selected_option": {"value": kind}}}, "text": {"value": text},
    }


async def run_shortcut(slack, *, user=None, text="Can we get 10 seats?", n=1):
    result = await slack.driver.shortcut(
        views.SHORTCUT, user_id=user or slack.owner, channel_id="C0SALES", text=text,
        message_ts=REPLY, thread_ts=THREAD, author_id="U0AUTHOR",
    )
    assert result.status == 200
    return result


async def test_shortcut_on_a_thread_reply_logs_it_once_with_author_and_permalink(slack):
    await slack.run("/contact", 'add email=ann@acme.io name="Ann Lee"')
    ann = await contact_id(slack, "ann@acme.io")
    await run_shortcut(slack)
    [opened] = await slack.standin.wait_for_calls("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == views.LOG_MESSAGE_VIEW and "Can we get 10 seats?" in json.dumps(view["blocks"])

    ack = await slack.driver.submit_view(view=view, user_id=slack.owner, values=message_form(contact=ann))
    assert ack.status == 200 and not ack.ack_body
    [told] = await slack.standin.wait_for_calls("chat.postEphemeral")
    assert "Logged a slack on Ann Lee's timeline" in told.params["text"]
    [permalink] = slack.standin.calls_to("chat.getPermalink")
    assert (permalink.params["channel"], permalink.params["message_ts"]) == ("C0SALES", REPLY)
    [entry] = await interactions_of(slack, "ann@acme.io")
    assert (entry.kind, entry.body, entry.author) == ("slack", "Can we get 10 seats?", "U0AUTHOR")
    assert entry.permalink == "https://example.slack.com/archives/C0SALES/p1714000100000200"
    assert entry.occurred_at == datetime.fromtimestamp(float(REPLY), UTC)

    await run_shortcut(slack)
    again = (await slack.standin.wait_for_calls("views.open", 2))[1].params["view"]
    await slack.driver.submit_view(view=again, user_id=slack.owner, values=message_form(contact=ann, kind="call"))
    told_again = (await slack.standin.wait_for_calls("chat.postEphemeral", 2))[1]
    assert "on Ann Lee's timeline already" in told_again.params["text"]
    assert len(await interactions_of(slack, "ann@acme.io")) == 1


async def test_shortcut_can_create_the_contact_inline(slack):
    await run_shortcut(slack, text="Hi, Bo from Initech here")
    view = (await slack.standin.wait_for_calls("views.open"))[0].params["view"]
    ack = await slack.driver.submit_view(
        view=view, user_id=slack.owner, values=message_form(new_email="Bo@Initech.com", new_name="Bo Berg", text="Hi, Bo from Initech here"),
    )
    assert not ack.ack_body
    [told] = await slack.standin.wait_for_calls("chat.postEphemeral")
    assert "Bo Berg's timeline" in told.params["text"]
    [entry] = await interactions_of(slack, "bo@initech.com")
    assert (entry.body, entry.kind, entry.author) == ("Hi, Bo from Initech here", "slack", "U0AUTHOR")


async def test_shortcut_form_refuses_bad_input_on_its_fields_and_saves_nothing(slack):
    await slack.run("/contact", "add email=ann@acme.io")
    ann = await contact_id(slack, "ann@acme.io")
    await run_shortcut(slack)
    view = (await slack.standin.wait_for_calls("views.open"))[0].params["view"]
    both = await slack.driver.submit_view(view=view, user_id=slack.owner, values=message_form(contact=ann, new_email="x@y.io"))
    assert "not both" in both.ack_body["errors"]["new_email"]
    neither = await slack.driver.submit_view(view=view, user_id=slack.owner, values=message_form())
    assert "Pick a contact" in neither.ack_body["errors"]["contact"]
    malformed = await slack.driver.submit_view(view=view, user_id=slack.owner, values=message_form(new_email="bo@@x"))
    assert "is not an email address" in malformed.ack_body["errors"]["new_email"]
    empty = await slack.driver.submit_view(view=view, user_id=slack.owner, values=message_form(contact=ann, text=None))
    assert "empty" in empty.ack_body["errors"]["text"]
    tenant = await slack.tenant()
    async with slack.services.db.tenant(tenant.account_id) as session:
        assert await session.scalar(select(func.count()).select_from(Interaction)) == 0
        assert await session.scalar(select(func.count()).select_from(Contact)) == 1


async def test_door_staff_are_told_privately_they_cannot_log(slack):
    door = await slack.user("door")
    result = await run_shortcut(slack, user=door)
    [answer] = await slack.driver.wait_responses(result)
    assert answer["response_type"] == "ephemeral" and "Only a sales user" in answer["text"]
    assert slack.standin.calls_to("views.open") == []


async def test_a_card_is_not_posted_in_a_direct_message_whose_replies_the_app_never_hears(slack):
    await slack.run("/contact", 'add email=ann@acme.io name="Ann Lee"')
    ann = await contact_id(slack, "ann@acme.io")
    result = await slack.driver.action(views.POST, user_id=slack.owner, value=str(ann), channel_id="D0OWNER")
    [note] = await slack.driver.wait_responses(result)
    assert "not logged" in note["text"] and slack.standin.calls_to("chat.postMessage") == []


def test_the_manifest_subscribes_to_messages_in_public_and_private_channels():
    events = Manifest.load().bot_events
    assert {"message.channels", "message.groups"} <= events
    assert {"channels:history", "groups:history"} <= Manifest.load().bot_scopes


async def test_replies_under_a_posted_card_are_logged_and_get_a_reaction(slack):
    await slack.run("/contact", 'add email=ann@acme.io name="Ann Lee"')
    ann = await contact_id(slack, "ann@acme.io")
    result = await slack.driver.action(views.POST, user_id=slack.owner, value=str(ann), channel_id="C0DEALS")
    [posted] = await slack.standin.wait_for_calls("chat.postMessage")
    assert posted.params["channel"] == "C0DEALS" and "Replies in this thread are logged" in json.dumps(posted.params["blocks"])
    [note] = await slack.driver.wait_responses(result)
    assert "Replies in its thread go to Ann Lee's timeline" in note["text"]
    card_ts = posted.response["ts"]
    tenant = await slack.tenant()
    async with slack.services.db.tenant(tenant.account_id) as session:
        [thread] = (await session.scalars(select(ContactThread))).all()
    assert (thread.contact_id, thread.channel_id, thread.thread_ts) == (ann, "C0DEALS", card_ts)

    reply = {"type": "message", "channel": "C0DEALS", "user": "U0SELLER", "text": "She wants the VIP table",
             "ts": "1714000200.000300", "thread_ts": card_ts, "channel_type": "channel"}
    await slack.driver.event(reply, event_id="Ev0REPLY0001")
    [reaction] = await slack.standin.wait_for_calls("reactions.add")
    assert (reaction.params["channel"], reaction.params["timestamp"], reaction.params["name"]) == ("C0DEALS", reply["ts"], "memo")
    await slack.driver.event(reply, event_id="Ev0REPLY0002")  # the same message delivered again
    await slack.driver.event({**reply, "ts": "1714000300.000400", "thread_ts": "1714000000.999999"}, event_id="Ev0OTHER001")
    await slack.driver.event({**reply, "ts": card_ts, "thread_ts": None}, event_id="Ev0PARENT01")
    [entry] = await interactions_of(slack, "ann@acme.io")
    assert (entry.kind, entry.body, entry.author) == ("slack", "She wants the VIP table", "U0SELLER")
    assert entry.permalink and "C0DEALS" in entry.permalink
    assert len(slack.standin.calls_to("reactions.add")) == 1


async def test_card_timeline_pages_with_older_and_edit_updates_the_contact(slack):
    await slack.run("/contact", "add email=ann@acme.io name=Ann")
    for day in range(1, 12):
        await slack.run("/log", f"ann@acme.io Note {day:02d}")
    tenant = await slack.tenant()
    async with slack.services.db.tenant(tenant.account_id) as session:
        for day in range(1, 12):
            await session.execute(
                update(Interaction).where(Interaction.body == f"Note {day:02d}")
                .values(occurred_at=datetime(2026, 3, day, 12, tzinfo=UTC))
            )
    card = await slack.run("/contact", "show ann@acme.io")
    first_page = json.dumps(card["blocks"])
    assert first_page.index("Note 11") < first_page.index("Note 04") and "Note 03" not in first_page
    older = next(e for b in card["blocks"] if b["type"] == "actions" for e in b["elements"] if e["action_id"] == views.OLDER)
    result = await slack.driver.action(views.OLDER, user_id=slack.owner, value=older["value"])
    [page] = await slack.driver.wait_responses(result)
    assert page["replace_original"] is True
    second_page = json.dumps(page["blocks"])
    assert "Note 03" in second_page and "Note 01" in second_page and "Note 04" not in second_page

    ann = await contact_id(slack, "ann@acme.io")
    edit = await slack.driver.action(views.EDIT, user_id=slack.owner, value=str(ann))
    view = (await slack.standin.wait_for_calls("views.open"))[0].params["view"]
    bad = await slack.driver.submit_view(view=view, user_id=slack.owner, values={
        "name": {"value": "Ann Lee"}, "phone": {"value": "call me"}, "company": {"value": None}, "tags": {"value": None},
    })
    assert "is not a phone number" in bad.ack_body["errors"]["phone"]
    ok = await slack.driver.submit_view(view=view, user_id=slack.owner, values={
        "name": {"value": "Ann Lee"}, "phone": {"value": "+33 6 12 34 56 78"}, "company": {"value": "Acme"},
        "tags": {"value": "vip"},
    })
    assert not ok.ack_body
    [updated] = await slack.standin.wait_for_responses(1, url=edit.response_url)
    assert updated["replace_original"] is True and "+33612345678" in json.dumps(updated["blocks"])
    async with slack.services.db.tenant(tenant.account_id) as session:
        contact = await session.get(Contact, ann)
    assert (contact.last_name, contact.phone, contact.company_name, contact.tags) == ("Lee", "+33612345678", "Acme", ["vip"])


async def test_card_merges_purchases_refunds_check_ins_and_notes_newest_first_with_lifetime_value(slack):
    tenant = await slack.tenant()
    services = slack.services
    event = await make_event(services, tenant, name="Spring Gala")
    held = await orders.hold_seats(services, tenant, event=event.slug, ticket=TICKET_TYPE, email="Cy@Park.io", name="Cy Park")
    await payments.mark_paid(services, tenant, reference=held.reference, method="cash")
    await slack.run("/log", "cy@park.io kind=call Called about parking")
    await payments.refund(services, tenant, reference=held.reference, amount="5")
    async with services.db.tenant(tenant.account_id) as session:
        code = await session.scalar(
            select(Ticket.code).join(Attendee, Attendee.id == Ticket.attendee_id).where(Attendee.order_id == held.order_id)
        )
    assert (await checkins.admit_code(services, tenant, code=code)).result == "admitted"

    card = await slack.run("/contact", "show cy@park.io")
    shown = json.dumps(card["blocks"])
    newest_first = ("Checked in at Spring Gala", "refunded in part", "Called about parking", "Bought 1")
    positions = [shown.index(entry) for entry in newest_first]
    assert positions == sorted(positions)
    assert "20.00 EUR" in shown.split("Lifetime value")[1][:60]
    assert "1 (Spring Gala)" in shown.split("Events attended")[1][:60]


async def test_a_card_in_a_private_channel_says_replies_are_logged_and_they_are(slack):
    await slack.run("/contact", 'add email=ann@acme.io name="Ann Lee"')
    ann = await contact_id(slack, "ann@acme.io")
    result = await slack.driver.action(views.POST, user_id=slack.owner, value=str(ann), channel_id="G0PRIVATE")
    [posted] = await slack.standin.wait_for_calls("chat.postMessage")
    assert "Replies in this thread are logged" in json.dumps(posted.params["blocks"])
    [note] = await slack.driver.wait_responses(result)
    assert "Replies in its thread go to Ann Lee's timeline" in note["text"]

    reply = {"type": "message", "channel": "G0PRIVATE", "user": "U0SELLER", "text": "Private: she signs Friday",
             "ts": "1714000200.000300", "thread_ts": posted.response["ts"], "channel_type": "group"}
    await slack.driver.event(reply, event_id="Ev0PRIVATE01")
    await slack.standin.wait_for_calls("reactions.add")
    [entry] = await interactions_of(slack, "ann@acme.io")
    assert (entry.kind, entry.body) == ("slack", "Private: she signs Friday")
