"""The public pages as served: availability states, ended and cancelled events, escaping, headers, languages."""

from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from sqlalchemy import update

from core.storefront import pages
from db.models import Event, Product
from tests.support.factories import make_event, make_product
from tests.support.storefront import Buyer, event_path


@pytest.fixture
async def buyer(slack):
    browser = Buyer(slack.base_url)
    yield browser
    await browser.close()


@pytest.fixture(autouse=True)
def no_cache(monkeypatch):
    monkeypatch.setattr(pages, "CACHE_SECONDS", 0)


async def test_each_ticket_type_says_whether_it_is_on_sale_few_left_sold_out_ended_or_not_yet(slack, buyer):
    tenant = await slack.tenant()
    event = await make_event(slack.services, tenant, name="Summer Gala")
    now = datetime.now(UTC)
    await make_product(slack.services, tenant, event, slug="ga", name="GA", capacity=100)
    few = await make_product(slack.services, tenant, event, slug="few", name="Few", capacity=20, price_cents=3000)
    gone = await make_product(slack.services, tenant, event, slug="gone", name="Gone", capacity=5, price_cents=3500)
    await make_product(slack.services, tenant, event, slug="early", name="Early", price_cents=1000,
                       sales_end=now - timedelta(hours=1))
    await make_product(slack.services, tenant, event, slug="later", name="Later", price_cents=5000,
                       sales_start=now + timedelta(days=1))
    async with slack.services.db.tenant(tenant.account_id) as session:
        await session.execute(update(Product).where(Product.id == few.id).values(sold=17))
        await session.execute(update(Product).where(Product.id == gone.id).values(sold=5))

    page = await buyer.get(await event_path(slack.services, tenant, event))

    assert page.status == 200
    text = page.text
    assert 'id="ticket-ga"' in text and 'id="ticket-few"' in text
    assert "Only 3 left" in text and "Sold out" in text and "Sales ended" in text and "On sale from" in text
    for closed in ("gone", "early", "later"):
        assert f'id="ticket-{closed}"' not in text
    assert '<option value="3">3</option>' in text.split('id="qty-few"')[1].split("</select>")[0]
    assert '<option value="4">' not in text.split('id="qty-few"')[1].split("</select>")[0]


async def test_a_past_event_says_it_has_ended_and_a_cancelled_one_says_so_without_a_form(slack, buyer):
    tenant = await slack.tenant()
    past = await make_event(slack.services, tenant, name="Old Gala", starts_at=datetime.now(UTC) - timedelta(days=2))
    await make_product(slack.services, tenant, past)
    cancelled = await make_event(slack.services, tenant, name="Called Off", status="cancelled")
    await make_product(slack.services, tenant, cancelled)

    ended = await buyer.get(await event_path(slack.services, tenant, past))
    called_off = await buyer.get(await event_path(slack.services, tenant, cancelled))

    assert ended.status == 200 and "This event has ended" in ended.text and "<form" not in ended.text
    assert called_off.status == 200 and "This event was cancelled" in called_off.text and "<form" not in called_off.text
    listing = await buyer.get(f"/e/{(await event_path(slack.services, tenant, past)).split('/')[2]}")
    assert "Old Gala" not in listing.text and "Called Off" not in listing.text


async def test_unpublishing_takes_the_page_down_at_once(slack, buyer):
    tenant = await slack.tenant()
    event = await make_event(slack.services, tenant, name="Summer Gala")
    path = await event_path(slack.services, tenant, event)
    assert (await buyer.get(path)).status == 200
    async with slack.services.db.tenant(tenant.account_id) as session:
        await session.execute(update(Event).where(Event.id == event.id).values(status="draft"))
    assert (await buyer.get(path)).status == 404


async def test_everything_is_escaped_and_the_page_unfurls_with_open_graph_tags(slack, buyer):
    tenant = await slack.tenant()
    event = await make_event(slack.services, tenant, name='<script>alert("x")</script> & Gala')
    await make_product(slack.services, tenant, event, name="<b>GA</b>")
    path = await event_path(slack.services, tenant, event)

    page = await buyer.get(path)

    assert "<script>" not in page.text and "<b>GA</b>" not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Gala" in page.text
    assert '<meta property="og:title" content="&lt;script&gt;' in page.text
    assert f'<meta property="og:url" content="http://eventos.test{path}">' in page.text


async def test_pages_carry_a_strict_policy_and_format_money_and_dates_in_the_buyers_language(slack):
    tenant = await slack.tenant()
    event = await make_event(slack.services, tenant, name="Summer Gala",
                             starts_at=datetime(2027, 6, 5, 17, 0, tzinfo=UTC))
    await make_product(slack.services, tenant, event, price_cents=2500, currency="EUR")
    path = await event_path(slack.services, tenant, event)
    async with aiohttp.ClientSession() as http:
        async with http.get(slack.base_url + path, headers={"Accept-Language": "de-DE,de;q=0.9"}) as response:
            text, headers = await response.text(), response.headers
    policy = headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy and "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy and "form-action 'self' https://checkout.stripe.com" in policy
    assert headers["Cache-Control"] == "no-store"
    assert "25,00\xa0€" in text and "Samstag, 5. Juni 2027, 19:00" in text
    assert "HttpOnly" in headers["Set-Cookie"] and "SameSite=Lax" in headers["Set-Cookie"]
