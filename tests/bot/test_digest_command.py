"""/digest through signed Slack requests: subscribe, unsubscribe, now, list, and bad input."""

import re

from sqlalchemy import select

from bot.notifier import SlackNotifier, fixed_token
from core.jobs import outbox
from db.models import DigestSubscription, OutboxMessage
from tests.support.factories import make_event, make_product, set_account

REFERENCE = re.compile(r"EV-[A-Z0-9]{6}")


async def rows(slack, model) -> list:
    tenant = await slack.tenant()
    async with slack.services.db.tenant(tenant.account_id) as session:
        return list((await session.execute(select(model))).scalars())


async def test_help_lists_every_subcommand(slack):
    message = await slack.run("/digest", "help")
    for word in ("subscribe", "unsubscribe", "now", "list"):
        assert f"/digest {word}" in message["text"]


async def test_subscribe_defaults_to_this_channel_at_nine_and_list_shows_it(slack):
    message = await slack.run("/digest", "subscribe", channel_id="C0DIGESTS")
    assert message["response_type"] == "ephemeral"
    assert "<#C0DIGESTS> gets the daily sales and check-in digest every day at 09:00 (UTC)." in message["text"]

    listing = await slack.run("/digest", "list")
    assert "<#C0DIGESTS>: sales and check-in digest, every day at 09:00 (UTC)" in str(listing["blocks"])
    [sub] = await rows(slack, DigestSubscription)
    assert (sub.channel_id, sub.kind, sub.at_local.isoformat(), sub.active) == ("C0DIGESTS", "both", "09:00:00", True)


async def test_subscribe_a_named_channel_with_kind_and_time(slack):
    message = await slack.run("/digest", "subscribe <#C0SALES|sales> kind=sales at=18:30")
    assert "<#C0SALES> gets the daily sales digest every day at 18:30 (UTC)." in message["text"]
    [sub] = await rows(slack, DigestSubscription)
    assert (sub.channel_id, sub.kind, sub.at_local.isoformat()) == ("C0SALES", "sales", "18:30:00")


async def test_bad_input_answers_privately_with_what_to_fix_and_saves_nothing(slack):
    for text, sentence in (
        ("subscribe kind=weekly", "kind must be sales, checkins or both"),
        ("subscribe at=noon", "at must be a time of day like 09:00"),
        ("subscribe #sales", "Pick the channel from the list Slack shows as you type #"),
        ("subscribe every=day", "Drop every=: the options here are kind= or at=."),
    ):
        message = await slack.run("/digest", text)
        assert message["response_type"] == "ephemeral"
        assert sentence in message["text"], text
    assert await rows(slack, DigestSubscription) == []


async def test_a_sales_user_may_list_but_not_subscribe(slack):
    sales = await slack.user("sales")
    message = await slack.run("/digest", "subscribe", user=sales)
    assert "Only an organizer" in message["text"]
    assert "No channel gets a digest yet" in (await slack.run("/digest", "list", user=sales))["text"]
    assert await rows(slack, DigestSubscription) == []


async def test_unsubscribe_stops_the_channels_digest(slack):
    await slack.run("/digest", "subscribe <#C0SALES|sales>")
    message = await slack.run("/digest", "unsubscribe <#C0SALES|sales>")
    assert "<#C0SALES> no longer gets the daily sales and check-in digest." in message["text"]
    [sub] = await rows(slack, DigestSubscription)
    assert sub.active is False

    again = await slack.run("/digest", "unsubscribe <#C0SALES|sales>")
    assert "<#C0SALES> gets no digest; `/digest list` shows the channels that do." in again["text"]


async def test_now_posts_into_the_channel_through_the_outbox_and_confirms_privately(slack):
    message = await slack.run("/digest", "now", channel_id="C0TEAM")
    assert message["response_type"] == "ephemeral"
    assert "Posting the sales and check-in digest for" in message["text"] and "<#C0TEAM>" in message["text"]

    [queued] = await rows(slack, OutboxMessage)
    assert queued.channel_id == "C0TEAM" and queued.dedupe_key.startswith("digest-now:C0TEAM:")
    slack.services.notifier = SlackNotifier(slack.services.settings, fixed_token("xoxb-test-token"))
    tenant = await slack.tenant()
    assert await outbox.drain(slack.services, account_id=tenant.account_id) == 1
    [post] = [c for c in slack.standin.calls_to("chat.postMessage") if c.params["channel"] == "C0TEAM"]
    assert "No sales or check-in activity on" in str(post.params["blocks"])


async def posted_blocks(slack, channel: str) -> str:
    slack.services.notifier = SlackNotifier(slack.services.settings, fixed_token("xoxb-test-token"))
    tenant = await slack.tenant()
    await outbox.drain(slack.services, account_id=tenant.account_id)
    [post] = [c for c in slack.standin.calls_to("chat.postMessage") if c.params["channel"] == channel]
    return str(post.params["blocks"])


async def test_now_today_reports_todays_sales_so_far_with_the_upcoming_events_pace(slack):
    tenant = await slack.tenant()
    # Each event is reported on its own calendar day; the account shares the event's zone, so the
    # account's today is the sale's day at any hour (in UTC, a late-evening sale is Berlin's tomorrow).
    await set_account(slack.services, tenant, timezone="Europe/Berlin")
    event = await make_event(slack.services, tenant, name="Summer Gala", capacity=300)
    await make_product(slack.services, tenant, event, capacity=300)
    sale = await slack.run("/sell", f"{event.slug} ga qty=2 email=ann@example.com")
    reference = REFERENCE.search(sale["text"])[0]
    await slack.run("/order", f"paid {reference} method=cash")

    message = await slack.run("/digest", "now <#C0TODAY|today> today")
    assert message["response_type"] == "ephemeral"
    assert "Posting the sales and check-in digest today so far (" in message["text"], message["text"]
    blocks = await posted_blocks(slack, "C0TODAY")
    assert "*Sales today so far (" in blocks, blocks
    assert "*1 order* · *2 tickets* · *50.00 " in blocks, blocks
    assert "*Summer Gala* (" in blocks and "2/300 sold (0%) · +2 in the last 7 days" in blocks


async def test_now_yesterday_on_a_quiet_day_still_shows_the_upcoming_events(slack):
    tenant = await slack.tenant()
    event = await make_event(slack.services, tenant, name="Summer Gala", capacity=300)
    await make_product(slack.services, tenant, event, capacity=300)

    message = await slack.run("/digest", "now yesterday", channel_id="C0QUIET")
    assert "Posting the sales and check-in digest for " in message["text"]
    blocks = await posted_blocks(slack, "C0QUIET")
    assert "No sales or check-in activity on" in blocks
    assert "*Upcoming events*" in blocks and "*Summer Gala* (" in blocks and "0/300 sold (0%)" in blocks


async def test_now_with_a_day_it_does_not_know_says_how_to_ask(slack):
    message = await slack.run("/digest", "now tomorrow")
    assert message["response_type"] == "ephemeral"
    assert "/digest now #sales today" in message["text"]
    assert await rows(slack, OutboxMessage) == []
