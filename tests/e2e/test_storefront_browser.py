"""The public pages in a real browser (Debian's chromium, headless, driven by Playwright): browse, buy, pay on
the Stripe stand-in's Checkout page, get the ticket email, see the ticket; without JavaScript too; sold-out and
ended events; and axe-core finds nothing serious or critical on any public page."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from sqlalchemy import update

from bot.app import build_application
from core.accounts import accounts
from core.sales import orders, promos, tickets, waitlist
from core.services import Services
from core.storefront import handles
from db.models import Product
from devtools.loopback import free_port
from tests.conftest import test_settings as settings_for
from tests.support.browser import browser as browser
from tests.support.browser import needs_chromium
from tests.support.factories import make_event, make_product
from tests.support.storefront import WEBHOOK_SECRET

pytestmark = needs_chromium("the storefront browser tests")


@pytest.fixture
async def site(db, slack_standin, stripe_standin, smtp_sink):
    """The app on a known port (its public links point at it), Stripe's Checkout hosted by the stand-in."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = settings_for(
        slack_api_url=slack_standin.base_url, stripe_api_key="sk_test_eventos", stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_api_base=stripe_standin.base_url, smtp_url=smtp_sink.url, eventos_base_url=base,
    )
    stripe_standin.host_checkout(f"{base}/stripe/webhook", WEBHOOK_SECRET)
    services = Services(db=db, settings=settings)
    team = f"T{port}"
    workspace = await accounts.install_workspace(services, team_id=team, enterprise_id=None, name="Bright Nights",
                                                 installer="U1")
    tenant = await accounts.acting_user(services, workspace, slack_user_id="U1", load_profile=None)
    runner = web.AppRunner(build_application(services), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    handle = await handles.public_handle(services, tenant)
    yield services, tenant, base, handle
    await runner.cleanup()


async def _buy_and_pay(page, base, handle, event):
    from playwright.async_api import expect

    await page.goto(f"{base}/e/{handle}")
    await page.get_by_role("link", name="Summer Gala").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Summer Gala")
    await page.get_by_label("Quantity").select_option("2")
    await page.get_by_label("Your name").fill("Bea Buyer")
    await page.get_by_label("Email (your tickets are sent here)").fill("bea@example.com")
    await page.get_by_role("button", name="Continue").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Pay 50.00 EUR")
    await page.get_by_role("button", name="Pay 50.00 EUR").click()
    await expect(page.locator("#status")).to_contain_text("Confirmed")
    links = page.get_by_role("link", name="General admission · Bea Buyer")
    await expect(links).to_have_count(2)
    await links.first.click()
    await expect(page.get_by_text("Valid ticket")).to_be_visible()


@pytest.mark.parametrize("javascript", [True, False], ids=["with JavaScript", "without JavaScript"])
async def test_browse_buy_pay_then_the_ticket_arrives_by_email_and_opens(site, browser, smtp_sink, javascript):
    services, tenant, base, handle = site
    event = await make_event(services, tenant, name="Summer Gala")
    await make_product(services, tenant, event, capacity=10)
    context = await browser.new_context(java_script_enabled=javascript)
    try:
        await _buy_and_pay(await context.new_page(), base, handle, event)
    finally:
        await context.close()
    await tickets.send_due(services, account_id=tenant.account_id)  # the ticker's job: the webhook only queued it
    [mail] = await smtp_sink.wait_for(1)
    assert mail["To"] == "bea@example.com"
    assert f"{base}/t/" in mail.get_body(("plain",)).get_content()


async def test_sold_out_and_ended_events_show_it_and_offer_no_checkout(site, browser):
    from playwright.async_api import expect

    services, tenant, base, handle = site
    sold_out = await make_event(services, tenant, name="Full House")
    product = await make_product(services, tenant, sold_out, capacity=2)
    async with services.db.tenant(tenant.account_id) as session:
        await session.execute(update(Product).where(Product.id == product.id).values(sold=2))
    ended = await make_event(services, tenant, name="Last Week", starts_at=datetime.now(UTC) - timedelta(days=7))
    await make_product(services, tenant, ended)
    page = await browser.new_page()
    try:
        await page.goto(f"{base}/e/{handle}/{sold_out.slug}")
        await expect(page.get_by_text("Sold out", exact=True)).to_be_visible()
        await expect(page.locator("form")).to_have_count(1)  # the waitlist's, not a checkout
        await expect(page.get_by_role("button", name="Join the waitlist")).to_be_visible()
        await page.goto(f"{base}/e/{handle}/{ended.slug}")
        await expect(page.get_by_text("This event has ended")).to_be_visible()
        await expect(page.locator("form")).to_have_count(0)
    finally:
        await page.close()


async def test_every_public_page_has_no_serious_or_critical_accessibility_findings(site, browser, stripe_standin):
    from axe_playwright_python.async_playwright import Axe

    services, tenant, base, handle = site
    event = await make_event(services, tenant, name="Summer Gala")
    await make_product(services, tenant, event, capacity=5)
    await make_product(services, tenant, event, slug="vip", name="VIP", price_cents=9000, capacity=1)
    cancelled = await make_event(services, tenant, name="Called Off", status="cancelled")
    ended = await make_event(services, tenant, name="Last Week", starts_at=datetime.now(UTC) - timedelta(days=7))
    page = await browser.new_page()
    axe = Axe()
    findings = {}

    async def check(name: str) -> None:
        results = await axe.run(page)
        findings[name] = [(v["id"], v["impact"]) for v in results.response["violations"]
                          if v["impact"] in ("serious", "critical")]

    try:
        await page.goto(f"{base}/e/{handle}")
        await check("organizer")
        await page.goto(f"{base}/e/{handle}/{event.slug}")
        await check("event")
        await page.get_by_role("button", name="Continue").click()
        await check("event with an error")
        await page.get_by_label("Your name").fill("Bea Buyer")
        await page.get_by_label("Email (your tickets are sent here)").fill("bea@example.com")
        await page.get_by_role("button", name="Continue").click()
        [session] = stripe_standin.sessions.values()
        await page.goto(session["cancel_url"])
        await check("order waiting for payment")
        await page.goto(session["url"])
        await page.get_by_role("button", name="Pay 25.00 EUR").click()
        await page.locator("#status").wait_for()
        await check("order paid")
        await page.get_by_role("link", name="General admission · Bea Buyer").click()
        await check("ticket")
        for name, slug in (("cancelled", cancelled.slug), ("ended", ended.slug), ("not found", "no-such-event")):
            await page.goto(f"{base}/e/{handle}/{slug}")
            await check(name)
    finally:
        await page.close()
    assert len(findings) == 9 and findings == {name: [] for name in findings}


async def test_a_typed_code_and_a_code_link_price_the_checkout_with_no_accessibility_findings(
    site, browser, stripe_standin
):
    from axe_playwright_python.async_playwright import Axe
    from playwright.async_api import expect

    services, tenant, base, handle = site
    event = await make_event(services, tenant, name="Summer Gala")
    await make_product(services, tenant, event, capacity=10)
    await make_product(services, tenant, event, slug="guest", name="Guest pass", price_cents=0, capacity=10)
    await promos.add_promo(services, tenant, event=event.slug, code="FRIENDS-20", percent=20)
    await promos.add_promo(services, tenant, event=event.slug, code="GUESTS", tickets="guest", hidden=True)
    page = await browser.new_page()
    axe = Axe()
    findings = {}

    async def check(name: str) -> None:
        results = await axe.run(page)
        findings[name] = [(v["id"], v["impact"]) for v in results.response["violations"]
                          if v["impact"] in ("serious", "critical")]

    try:
        await page.goto(f"{base}/e/{handle}/{event.slug}")
        await expect(page.get_by_text("Guest pass")).to_have_count(0)
        await page.get_by_label("Promo code").fill("nope")
        await page.get_by_role("button", name="Apply").click()
        await expect(page.get_by_role("alert")).to_have_text("NOPE is not a promo code we know; check its spelling.")
        await expect(page.get_by_label("Promo code")).to_have_attribute("aria-invalid", "true")
        await check("a refused code")
        await page.get_by_label("Promo code").fill("friends-20")
        await page.get_by_role("button", name="Apply").click()
        await expect(page.get_by_role("status")).to_contain_text("Promo code FRIENDS-20 applied")
        await expect(page.get_by_text("€20.00 instead of €25.00")).to_be_visible()
        await check("a code applied")
        await page.get_by_label("Your name").fill("Bea Buyer")
        await page.get_by_label("Email (your tickets are sent here)").fill("bea@example.com")
        await page.get_by_role("button", name="Continue").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Pay 20.00 EUR")
        await page.get_by_role("button", name="Pay 20.00 EUR").click()
        await expect(page.locator("#status")).to_contain_text("Confirmed")

        await page.goto(f"{base}/e/{handle}/{event.slug}?code=guests")
        await check("a code link that unlocks a hidden ticket type")
        await page.get_by_label("Guest pass · Free").check()
        await page.get_by_label("Your name").fill("Gus Guest")
        await page.get_by_label("Email (your tickets are sent here)").fill("gus@example.com")
        await page.get_by_role("button", name="Continue").click()
        await expect(page.locator("#status")).to_contain_text("Confirmed")
        await check("a free order through a code")
    finally:
        await page.close()
    assert len(findings) == 4 and findings == {name: [] for name in findings}


async def test_join_the_waitlist_get_the_offer_by_email_and_buy_it_with_no_accessibility_findings(
    site, browser, smtp_sink
):
    from axe_playwright_python.async_playwright import Axe
    from playwright.async_api import expect

    services, tenant, base, handle = site
    event = await make_event(services, tenant, name="Summer Gala")
    await make_product(services, tenant, event, capacity=1)
    early = await orders.hold_seats(services, tenant, event=event.slug, ticket="ga", email="early@example.com")
    page = await browser.new_page()
    axe = Axe()
    findings = {}

    async def check(name: str) -> None:
        results = await axe.run(page)
        findings[name] = [(v["id"], v["impact"]) for v in results.response["violations"]
                          if v["impact"] in ("serious", "critical")]

    try:
        await page.goto(f"{base}/e/{handle}/{event.slug}")
        await check("sold out with the waitlist")
        await page.get_by_role("button", name="Join the waitlist").click()
        await expect(page.get_by_role("alert")).to_have_text("Enter your name, as it should appear on the tickets.")
        await expect(page.locator("#wl-name")).to_have_attribute("aria-invalid", "true")
        await check("the waitlist with an error")
        await page.locator("#wl-name").fill("Wanda Waiter")
        await page.get_by_label("Email (the offer is sent here)").fill("wanda@example.com")
        await page.get_by_role("button", name="Join the waitlist").click()
        await expect(page.locator("#status")).to_contain_text("you are number 1")
        await check("on the waitlist")

        async with services.db.tenant(tenant.account_id) as session:
            await orders.release(session, [early.order_id], status="cancelled", now=services.clock.now())
        assert await waitlist.offer_seats(services, tenant.account_id) == 1
        assert await waitlist.send_offers(services, account_id=tenant.account_id) == 1
        [mail] = await smtp_sink.wait_for(1)
        link = re.search(r"(http://127[^\s]+/offers/[^\s]+)", mail.get_body(("plain",)).get_content())[1]

        await page.goto(link)
        await expect(page.locator("#status")).to_contain_text("held for you until")
        await check("the offer")
        await page.get_by_role("button", name="Pay and get your tickets").click()
        await page.get_by_role("button", name="Pay 25.00 EUR").click()
        await expect(page.locator("#status")).to_contain_text("Confirmed")
        await page.goto(link)
        await expect(page.locator("#status")).to_contain_text("You already took this offer")
        await check("the offer, used")
    finally:
        await page.close()
    assert len(findings) == 5 and findings == {name: [] for name in findings}
