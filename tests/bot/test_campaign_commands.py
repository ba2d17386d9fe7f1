"""/campaign through signed Slack requests: the form, preview, a confirmed send with its report in the channel, schedule, cancel, bad input."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.campaigns import views as views
from bot.events.modal_views import EVENT_PICK
from bot.notifier import SlackNotifier, fixed_token
from core.campaigns import sender
from core.gateways.mail import read_mailbox
from core.gateways.smtp_mailer import SmtpMailer
from core.jobs import outbox
from core.time.clock import FrozenClock, SystemClock
from db.models import Campaign, OutboxMessage
from tests.support.campaign_data import add_contact
from tests.support.factories import make_event

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


def text_of(message: dict) -> str:
    return message.get("text", "") + str(message.get("blocks", ""))


def buttons(blocks: list[dict]) -> dict[str, dict]:
    return {e["action_id"]: e for b in blocks if b["type"] == "actions" for e in b["elements"]}


async def campaigns_of(slack) -> list[Campaign]:
    tenant = await slack.tenant()
    async with slack.services.db.tenant(tenant.account_id) as session:
        return (await session.scalars(select(Campaign))).all()


@pytest.fixture
async def app(slack, smtp_sink):
    """The app with a frozen clock, mail to the SMTP sink, and three vip contacts (one without consent)."""
    slack.services.clock = FrozenClock(NOW)
    slack.services.mailer = SmtpMailer(smtp_sink.url, "Team <team@ex.test>", retry_delay=0.01)
    tenant = await slack.tenant()
    await add_contact(slack.services, tenant, "ann@ex.org", name="Ann Lee", tags=("vip",))
    await add_contact(slack.services, tenant, "bo@ex.org", name="Bo Ray", tags=("vip",))
    await add_contact(slack.services, tenant, "cy@ex.org", name="Cy Poe", tags=("vip",), email_consent=False)
    yield slack
    await slack.services.mailer.aclose()


CREATE = 'create name="Spring news" audience=tag:vip template=announcement subject="Spring is here" message="Tickets are on sale."'


async def test_create_preview_then_a_confirmed_send_reaches_everyone_once_and_reports_in_the_channel(app, smtp_sink):
    created = await app.run("/campaign", CREATE)
    assert created["response_type"] == "ephemeral" and "Saved the draft *Spring news* `spring-news`" in text_of(created)
    assert set(buttons(created["blocks"])) == {views.PREVIEW, views.SEND, views.CANCEL}

    preview = await app.run("/campaign", "preview spring-news")
    shown = text_of(preview)
    assert "reaches *2* people by email (1 more match but have no email consent or unsubscribed)" in shown
    assert "As Ann Lee would get it" in shown and "Hi Ann," in shown and "Tickets are on sale." in shown

    step = await app.run("/campaign", "send spring-news")
    confirm = buttons(step["blocks"])[views.SEND_CONFIRM]
    assert confirm["text"]["text"] == "Send to 2 people" and confirm["value"] == "spring-news"
    assert (await campaigns_of(app))[0].status == "draft" and smtp_sink.deliveries == []

    clicked = await app.driver.action(views.SEND_CONFIRM, user_id=app.owner, value="spring-news")
    [answer] = await app.driver.wait_responses(clicked)
    assert answer["replace_original"] is True
    assert answer["text"] == ":outbox_tray: Sending *Spring news* to 2 people now. The report comes to <#C0GENERAL> when it is done."

    tenant = await app.tenant()
    assert await sender.send_due(app.services, account_id=tenant.account_id) == 2
    assert Counter(to for d in smtp_sink.deliveries for to in d.rcpt_tos) == Counter(["ann@ex.org", "bo@ex.org"])
    app.services.notifier = SlackNotifier(app.services.settings, fixed_token("xoxb-test-token"))
    app.services.clock = SystemClock()  # the outbox row is due by the database's clock
    assert await outbox.drain(app.services, account_id=tenant.account_id) == 1
    [report] = [c for c in app.standin.calls_to("chat.postMessage") if c.params["channel"] == "C0GENERAL"]
    assert report.params["text"].startswith(
        ":mega: Campaign *Spring news* (`spring-news`) is done: *2* sent by email, 0 failed, 1 skipped (no consent, or unsubscribed)."
    )

    card = await app.run("/campaign", "show spring-news")
    assert "2 sent, 0 failed, 1 skipped (no consent)" in text_of(card) and ":white_check_mark: Sent" in text_of(card)
    listed = await app.run("/campaign", "list")
    assert "*Spring news* `spring-news`" in text_of(listed) and "2 sent" in text_of(listed)
    again = await app.run("/campaign", "send spring-news")
    assert again["text"] == "“Spring news” is sent; only a draft or scheduled campaign can be sent or scheduled."


async def test_card_buttons_preview_and_ask_before_sending(app):
    created = await app.run("/campaign", CREATE)
    on_card = buttons(created["blocks"])
    clicked = await app.driver.action(views.PREVIEW, user_id=app.owner, value=on_card[views.PREVIEW]["value"])
    [shown] = await app.driver.wait_responses(clicked)
    assert "reaches *2* people" in text_of(shown) and shown["replace_original"] is False
    clicked = await app.driver.action(views.SEND, user_id=app.owner, value=on_card[views.SEND]["value"])
    [step] = await app.driver.wait_responses(clicked)
    assert buttons(step["blocks"])[views.SEND_CONFIRM]["text"]["text"] == "Send to 2 people"
    assert (await campaigns_of(app))[0].status == "draft"


async def test_not_now_keeps_the_draft(app):
    await app.run("/campaign", CREATE)
    clicked = await app.driver.action(views.KEEP, user_id=app.owner, value="spring-news")
    assert (await app.driver.wait_responses(clicked))[0]["text"] == "Not sent; `spring-news` stays as it was."
    assert (await campaigns_of(app))[0].status == "draft"


async def test_the_form_shows_a_bad_audience_on_its_field_then_saves_a_draft_reporting_to_its_channel(app):
    tenant = await app.tenant()
    await make_event(app.services, tenant, slug="gala", name="Gala", starts_at=NOW + timedelta(days=30))
    await app.command("/campaign", "new", channel_id="C0MARKETING")
    [opened] = await app.standin.wait_for_calls("views.open")
    view = opened.params["view"]
    assert view["callback_id"] == views.NEW_VIEW
    suggested = await app.driver.suggest(EVENT_PICK, "gal", user_id=app.owner, block_id=views.BLOCK_EVENT, view=view)
    [gala] = suggested.ack_body["options"]
    values = {
        views.BLOCK_NAME: {views.BLOCK_NAME: {"type": "plain_text_input", "value": "Gala reminder"}},
        views.BLOCK_CHANNEL: {views.BLOCK_CHANNEL: {"type": "static_select", "selected_option": {"value": "email"}}},
        views.BLOCK_AUDIENCE: {views.BLOCK_AUDIENCE: {"type": "plain_text_input", "value": "tag:vip tag:press"}},
        views.BLOCK_TEMPLATE: {views.BLOCK_TEMPLATE: {"type": "static_select", "selected_option": {"value": "reminder"}}},
        views.BLOCK_SUBJECT: {views.BLOCK_SUBJECT: {"type": "plain_text_input", "value": "See you soon"}},
        views.BLOCK_MESSAGE: {views.BLOCK_MESSAGE: {"type": "plain_text_input", "value": None}},
        views.BLOCK_EVENT: {EVENT_PICK: {"type": "external_select", "selected_option": gala}},
    }
    refused = await app.driver.submit_view(values=values, view=view, user_id=app.owner)
    assert refused.ack_body == {"response_action": "errors", "errors": {"audience": "Join “tag:vip” and “tag:press” with and or or."}}
    assert await campaigns_of(app) == []

    values[views.BLOCK_AUDIENCE][views.BLOCK_AUDIENCE]["value"] = "tag:vip or tag:press"
    saved = await app.driver.submit_view(values=values, view=view, user_id=app.owner)
    assert saved.status == 200 and not saved.ack_body
    [posted] = await app.standin.wait_for_calls("chat.postEphemeral")
    assert posted.params["channel"] == "C0MARKETING" and "Saved the draft *Gala reminder*" in posted.params["text"]
    [campaign] = await campaigns_of(app)
    assert (campaign.audience, campaign.template, campaign.report_channel) == ("tag:vip or tag:press", "reminder", "C0MARKETING")
    preview = await app.run("/campaign", "preview gala-reminder")
    assert "Gala is coming up" in text_of(preview)


async def test_schedule_reads_the_account_zone_and_cancel_stops_it(app):
    await app.run("/campaign", CREATE)
    scheduled = await app.run("/campaign", 'schedule spring-news at="2026-05-05 09:00"')
    assert ":alarm_clock: *Spring news* goes out Tue 05 May 2026, 09:00 UTC" in scheduled["text"]
    [campaign] = await campaigns_of(app)
    assert (campaign.status, campaign.scheduled_at) == ("scheduled", datetime(2026, 5, 5, 9, 0, tzinfo=UTC))

    card = await app.run("/campaign", "show spring-news")
    clicked = await app.driver.action(views.CANCEL, user_id=app.owner, value=buttons(card["blocks"])[views.CANCEL]["value"])
    [answer] = await app.driver.wait_responses(clicked)
    assert answer["text"] == ":x: Cancelled *Spring news*. Nothing had gone out." and answer["replace_original"] is True
    assert (await campaigns_of(app))[0].status == "cancelled"
    again = await app.run("/campaign", "cancel spring-news")
    assert "*Spring news* was already cancelled." in again["text"]
    tenant = await app.tenant()
    app.services.clock = FrozenClock(NOW + timedelta(days=2))
    assert await sender.send_due(app.services, account_id=tenant.account_id) == 0


@pytest.mark.parametrize(("text", "sentence"), [
    ('create name=X audience="tag:vip and" template=announcement subject=Hi', "Finish the audience after “and”."),
    ("create name=X audience=event:nope:attended template=announcement subject=Hi",
     "No event has the slug `nope`; see them with `/event list all`."),
    ("create name=X audience=tag:vip template=announcement", "Give the email a subject, like subject=\"See you at the Summer Gala\"."),
    ("create name=X audience=tag:vip template=fancy subject=Hi",
     "There is no email template named “fancy”; pick one of announcement, reminder, thank-you."),
    ("create name=X audience=tag:vip template=reminder subject=Hi",
     "The “reminder” template is about an event: add event=SLUG, or use an audience that names one event."),
    ("create name=X audience=tag:vip template=announcement subject=Hi channel=fax", "channel must be email or sms, not “fax”."),
    ("create audience=tag:vip template=announcement subject=Hi", "Add name=…, for example name=\"Autumn early birds\"."),
])
async def test_bad_input_is_answered_privately_and_saves_nothing(app, text, sentence):
    answer = await app.run("/campaign", text)
    assert answer["response_type"] == "ephemeral" and answer["text"] == sentence
    assert await campaigns_of(app) == []


@pytest.mark.parametrize(("text", "sentence"), [
    ('schedule spring-news at="2026-05-01 09:00"', "at 2026-05-01 09:00 UTC is in the past; pick a later time, or use `/campaign send spring-news`."),
    ("schedule spring-news at=tomorrow", "at must be a date and time like 2031-07-01 19:00, not “tomorrow”."),
    ("schedule spring-news", 'Add at=…, for example at="2031-07-01 09:00".'),
    ("show autumn", "There is no campaign `autumn`. See `/campaign list` for the names."),
])
async def test_bad_schedules_and_names_change_nothing(app, text, sentence):
    await app.run("/campaign", CREATE)
    answer = await app.run("/campaign", text)
    assert answer["response_type"] == "ephemeral" and answer["text"] == sentence
    [campaign] = await campaigns_of(app)
    assert (campaign.status, campaign.scheduled_at) == ("draft", None)


async def test_sales_may_look_but_only_organizers_send(app, smtp_sink):
    await app.run("/campaign", CREATE)
    sales = await app.user("sales")
    preview = await app.run("/campaign", "preview spring-news", user=sales)
    assert "reaches *2* people" in text_of(preview)
    card = await app.run("/campaign", "show spring-news", user=sales)
    assert set(buttons(card["blocks"])) == {views.PREVIEW}
    refused = await app.run("/campaign", "send spring-news", user=sales)
    assert refused["text"].startswith("Only an organizer user (or higher) can send campaigns")
    clicked = await app.driver.action(views.SEND_CONFIRM, user_id=sales, value="spring-news")
    assert (await app.driver.wait_responses(clicked))[0]["text"].startswith("Only an organizer user (or higher) can send campaigns")
    assert (await campaigns_of(app))[0].status == "draft"
    tenant = await app.tenant()
    async with app.services.db.tenant(tenant.account_id) as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


async def test_help_lists_every_subcommand(app):
    answer = await app.run("/campaign", "help")
    for word in ("new", "create", "preview", "schedule", "send", "cancel", "show", "list"):
        assert f"`/campaign {word}" in answer["text"]


async def test_without_a_mail_server_no_answer_says_a_campaign_was_emailed(slack):
    """No SMTP_URL: the mail goes to the local mailbox, and the send step, the answer, the report, the
    campaign card and both recipients' timelines all say so; none says "sent by email"."""
    slack.services.clock = FrozenClock(NOW)
    assert slack.services.mailer.delivers is False
    tenant = await slack.tenant()
    await add_contact(slack.services, tenant, "ann@ex.org", name="Ann Lee", tags=("vip",))
    await add_contact(slack.services, tenant, "bo@ex.org", name="Bo Ray", tags=("vip",))
    await slack.run("/campaign", CREATE)

    step = await slack.run("/campaign", "send spring-news")
    assert "nothing left this machine" in text_of(step)
    clicked = await slack.driver.action(views.SEND_CONFIRM, user_id=slack.owner, value="spring-news")
    [answer] = await slack.driver.wait_responses(clicked)
    assert answer["text"].startswith(":outbox_tray: Putting *Spring news* for 2 people in the local mailbox now (")
    assert await sender.send_due(slack.services, account_id=tenant.account_id) == 2

    slack.services.notifier = SlackNotifier(slack.services.settings, fixed_token("xoxb-test-token"))
    slack.services.clock = SystemClock()
    assert await outbox.drain(slack.services, account_id=tenant.account_id) == 1
    [report] = [c for c in slack.standin.calls_to("chat.postMessage") if c.params["channel"] == "C0GENERAL"]
    assert "*2* put in the local mailbox, 0 failed" in report.params["text"]
    assert "no email left this machine: `eventos mail` shows them" in report.params["text"]
    card = await slack.run("/campaign", "show spring-news")
    assert "2 put in the local mailbox" in text_of(card)
    for email in ("ann@ex.org", "bo@ex.org"):
        contact = await slack.run("/contact", f"show {email}")
        assert "Campaign “Spring news” put in the local mailbox, not emailed" in text_of(contact)
    for shown in (answer["text"], report.params["text"], text_of(card), text_of(contact)):
        assert "sent by email" not in shown and "emailed to" not in shown
    kept = read_mailbox(slack.services.settings.eventos_data_dir / "mail")
    assert {"ann@ex.org", "bo@ex.org"} <= {m.message["To"] for m in kept if m.message["Subject"] == "Spring is here"}


async def test_the_form_says_an_email_needs_a_subject_and_refuses_one_without_on_its_field(app):
    await app.command("/campaign", "new", channel_id="C0MARKETING")
    [opened] = await app.standin.wait_for_calls("views.open")
    view = opened.params["view"]
    [subject] = [b for b in view["blocks"] if b.get("block_id") == views.BLOCK_SUBJECT]
    assert "(optional)" not in subject["label"]["text"] and "Required for an email campaign" in subject["hint"]["text"]
    values = {
        views.BLOCK_NAME: {views.BLOCK_NAME: {"type": "plain_text_input", "value": "No subject"}},
        views.BLOCK_CHANNEL: {views.BLOCK_CHANNEL: {"type": "static_select", "selected_option": {"value": "email"}}},
        views.BLOCK_AUDIENCE: {views.BLOCK_AUDIENCE: {"type": "plain_text_input", "value": "tag:vip"}},
        views.BLOCK_TEMPLATE: {views.BLOCK_TEMPLATE: {"type": "static_select", "selected_option": {"value": "announcement"}}},
        views.BLOCK_SUBJECT: {views.BLOCK_SUBJECT: {"type": "plain_text_input", "value": None}},
        views.BLOCK_MESSAGE: {views.BLOCK_MESSAGE: {"type": "plain_text_input", "value": "Hello"}},
        views.BLOCK_EVENT: {EVENT_PICK: {"type": "external_select", "selected_option": None}},
    }
    refused = await app.driver.submit_view(values=values, view=view, user_id=app.owner)
    assert refused.ack_body["response_action"] == "errors" and set(refused.ack_body["errors"]) == {views.BLOCK_SUBJECT}
    assert await campaigns_of(app) == []
