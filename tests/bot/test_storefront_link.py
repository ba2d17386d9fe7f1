"""`/event link`, the event card and the QR code: organizers share the public page from Slack."""

import aiohttp
from sqlalchemy import update

from db.models import Account
from tests.support.factories import make_event, make_product


async def test_event_link_answers_the_public_url_with_a_qr_code_that_scans_to_it(slack, owner_engine):
    tenant = await slack.tenant()
    async with owner_engine.begin() as connection:  # the workspace's name comes from Slack, not from the tenant
        await connection.execute(update(Account).where(Account.id == tenant.account_id).values(name="Sommer Bühne!"))
    event = await make_event(slack.services, tenant, slug="summer-gala", name="Summer Gala")
    await make_product(slack.services, tenant, event)

    answer = await slack.run("/event", "link summer-gala")

    url = "http://eventos.test/e/sommer-buhne/summer-gala"
    assert answer["text"] == f"Summer Gala: {url}"
    image = next(b for b in answer["blocks"] if b["type"] == "image")
    assert image["image_url"] == f"{url}/qr.png"
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{slack.base_url}/e/sommer-buhne/summer-gala/qr.png") as response:
            assert response.status == 200 and response.content_type == "image/png"
            assert (await response.read()).startswith(b"\x89PNG")
    card = await slack.run("/event", "show summer-gala")
    assert f"*Public page:* <{url}>" in str(card["blocks"])


async def test_a_drafts_link_says_it_goes_live_when_published(slack):
    tenant = await slack.tenant()
    await make_event(slack.services, tenant, slug="later", name="Later", status="draft")

    answer = await slack.run("/event", "link later")

    assert "This link goes live when the event is published." in str(answer["blocks"])
    assert not [b for b in answer["blocks"] if b["type"] == "image"]
    card = await slack.run("/event", "show later")
    assert "Public page" not in str(card["blocks"])
