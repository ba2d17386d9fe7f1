"""Text people typed never pings, links or mentions anyone when the app shows it back in Slack.

A user who types `<!channel>` literally is sent to us as `&lt;!channel&gt;`; a picked mention
arrives as `<@U…>`. Both are stored as typed and must come back inert in every mrkdwn text the
app answers with: blocks, the `text` fallback (notifications) and error sentences.
"""

import re

from tests.support.campaign_data import add_contact
from tests.support.door_factories import make_event as make_door_event
from tests.support.door_factories import make_ticket

# As Slack sends it: a typed <!channel>, a picked @mention and a typed <link|label>.
TYPED = "&lt;!channel&gt; <@U0ATTACK> &lt;https://evil.test|x&gt;"
STORED = "<!channel> <@U0ATTACK> <https://evil.test|x>"
LIVE = re.compile(r"<!channel>|<!here>|<@U0ATTACK>|<https://evil\.test")


def mrkdwn_texts(message: dict) -> list[str]:
    """The message's `text` and every mrkdwn text object in its blocks."""
    found = [message.get("text") or ""]

    def walk(node) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                found.append(node.get("text", ""))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.get("blocks") or [])
    return found


def assert_inert(message: dict) -> None:
    live = [text for text in mrkdwn_texts(message) if LIVE.search(text)]
    assert not live, live


async def test_event_venue_and_ticket_names_are_inert_everywhere_they_are_shown(slack):
    await slack.run("/venue", f'add name="Hall {TYPED}" address="1 {TYPED} Street"')
    created = await slack.run("/event", f'create name="Gala {TYPED}" starts="2030-07-01 19:00" slug=gala-x')
    assert_inert(created)
    added = await slack.run("/ticket", f'add gala-x name="Seat {TYPED}" price=10')
    assert_inert(added)
    for command, text in [
        ("/event", "show gala-x"), ("/event", "stats gala-x"), ("/event", "list"), ("/event", "cancel gala-x"),
        ("/event", "publish gala-x"), ("/venue", "list"), ("/ticket", "list gala-x"),
    ]:
        assert_inert(await slack.run(command, text))


async def test_buyer_and_attendee_names_are_inert_in_sales_and_check_in(slack):
    tenant = await slack.tenant()
    event = await make_door_event(slack.services, tenant, name=f"Gala {STORED}")
    sold = await slack.run("/sell", f'{event.slug} ga email=ann@example.com name="Ann {TYPED}"')
    assert_inert(sold)
    reference = re.search(r"EV-[A-Z0-9]{6}", sold["text"])[0]
    for text in (f"paid {reference}", f"show {reference}", f"resend {reference}"):
        assert_inert(await slack.run("/order", text))
    assert_inert(await slack.run("/order", f'comp {event.slug} ga email=bo@example.com name="Bo {TYPED}"'))

    ticket = await make_ticket(slack.services, tenant, event, name=f"Cy {STORED}")
    assert_inert(await slack.run("/checkin", ticket.code))
    assert_inert(await slack.run("/checkin", ticket.code))
    assert_inert(await slack.run("/checkin", f"{event.slug} Cy"))
    assert_inert(await slack.run("/checkin", f"{event.slug} {TYPED}"))


async def test_contact_and_company_names_are_inert(slack):
    assert_inert(await slack.run("/company", f'add name="Acme {TYPED}" domain=acme.test'))
    assert_inert(await slack.run("/company", f"show Acme {TYPED}"))
    assert_inert(await slack.run("/contact", f'add email=ann@acme.test name="Ann {TYPED}" tags=vip'))
    assert_inert(await slack.run("/contact", "show ann@acme.test"))
    assert_inert(await slack.run("/contact", "find Ann"))
    assert_inert(await slack.run("/contact", f"find {TYPED}"))
    assert_inert(await slack.run("/contact", "tag ann@acme.test speaker"))
    assert_inert(await slack.run("/contact", "consent ann@acme.test email=yes"))
    assert_inert(await slack.run("/log", f"ann@acme.test kind=call Called {TYPED}"))
    assert_inert(await slack.run("/contact", "show ann@acme.test"))


async def test_door_token_names_are_inert(slack):
    tenant = await slack.tenant()
    event = await make_door_event(slack.services, tenant, name=f"Gala {STORED}")
    assert_inert(await slack.run("/eventos", f'door-token {event.slug} name="North {TYPED}"'))
    assert_inert(await slack.run("/eventos", f"door-token {event.slug} list"))
    assert_inert(await slack.run("/eventos", f'door-token {event.slug} revoke "North {TYPED}"'))


async def test_error_sentences_that_repeat_what_was_typed_are_inert(slack):
    for command, text in [
        ("/event", f"show {TYPED}"),
        ("/event", f'create name=Gala starts="2030-07-01 19:00" slug="{TYPED}"'),
        ("/sell", f"{TYPED} ga email=ann@example.com"),
        ("/order", f"show {TYPED}"),
        ("/contact", f"show {TYPED}"),
        ("/contact", f"consent ann@example.com email={TYPED}"),
        ("/checkin", f"nope {TYPED}"),
        ("/venue", f"add name=Hall capacity={TYPED}"),
        ("/event", TYPED),
    ]:
        message = await slack.run(command, text)
        assert_inert(message)


async def test_campaign_names_are_inert(slack):
    tenant = await slack.tenant()
    await add_contact(slack.services, tenant, "ann@ex.org", name=f"Ann {STORED}", tags=("vip",))
    created = await slack.run(
        "/campaign", f'create name="News {TYPED}" slug=news audience=tag:vip template=announcement subject=Hi message=Hello'
    )
    assert_inert(created)
    for text in ("preview news", "send news", "show news", "list"):
        assert_inert(await slack.run("/campaign", text))
