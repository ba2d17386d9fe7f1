"""Names work where slugs do (any case), for events, ticket types and campaigns; a miss suggests the closest."""

import pytest

from core.campaigns import campaigns
from core.errors import Conflict
from core.events import events
from tests.support.campaign_data import add_contact


async def test_an_event_and_its_ticket_type_are_found_by_name_in_any_case(slack):
    await slack.run("/event", 'create name="Summer Gala" starts="2031-07-01 19:00"')
    await slack.run("/ticket", 'add summer-gala name="General Admission" price=25')
    shown = await slack.run("/event", 'show "summer gala"')
    assert "Summer Gala" in str(shown["blocks"]) and "There is no event" not in shown.get("text", "")
    listed = await slack.run("/ticket", 'list "SUMMER GALA"')
    assert "General Admission" in str(listed["blocks"])
    await slack.run("/event", 'publish "Summer Gala"')
    sold = await slack.run("/sell", '"Summer Gala" "general admission" email=ann@example.com')
    assert "holding 1 seat" in str(sold["blocks"])


async def test_a_miss_suggests_the_closest_events_and_ticket_types(slack):
    await slack.run("/event", 'create name="Summer Gala" starts="2031-07-01 19:00"')
    await slack.run("/ticket", 'add summer-gala name="General Admission" price=25')
    missed = await slack.run("/event", "show sumer-gala")
    assert "There is no event `sumer-gala`. Did you mean `summer-gala` (Summer Gala)?" in missed["text"]
    ticket = await slack.run("/sell", "summer-gala general-admision email=ann@example.com")
    assert "Did you mean `general-admission` (General Admission)?" in ticket["text"]


async def test_a_campaign_is_found_by_name(slack):
    tenant = await slack.tenant()
    await add_contact(slack.services, tenant, "ann@ex.org", tags=("vip",))
    await campaigns.create_campaign(slack.services, tenant, name="Autumn News", audience="tag:vip",
                                    template="announcement", subject="News")
    shown = await slack.run("/campaign", 'show "autumn news"')
    assert "Autumn News" in str(shown["blocks"])


async def test_two_events_with_one_name_ask_for_the_slug(slack):
    await slack.run("/event", 'create name="Summer Party" starts="2031-07-01 19:00"')
    await slack.run("/event", 'create name="Summer Party" starts="2031-08-01 19:00"')
    with pytest.raises(Conflict, match="`summer-party` and `summer-party-2`; use the slug"):
        await events.get_event_by_slug(slack.services, await slack.tenant(), " summer  PARTY ")
    assert (await events.get_event_by_slug(slack.services, await slack.tenant(), "summer-party-2")).slug == "summer-party-2"
