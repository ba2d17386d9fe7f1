"""The scanner page in a real browser: Debian's chromium, headless, driven by Playwright (no browser download)."""


import pytest
from sqlalchemy import select

from core.door import tokens
from db.models import CheckIn
from tests.support.browser import browser as browser
from tests.support.browser import needs_chromium
from tests.support.door_factories import make_event, make_ticket

pytestmark = needs_chromium("the scanner page test")


@pytest.fixture
async def scanner(slack, browser):
    """The scanner page opened from a door token's link, with one ticket for sale."""
    tenant = await slack.tenant()
    event = await make_event(slack.services, tenant, name="Summer Gala")
    ticket = await make_ticket(slack.services, tenant, event, name="Anna Smith")
    issued = await tokens.create_door_token(slack.services, tenant, event_slug=event.slug, name="Front")
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(f"{slack.base_url}/scan#token={issued.secret}")
    yield page, context, ticket, tenant
    await context.close()


async def test_a_valid_scan_shows_green_with_the_name_and_a_second_scan_shows_red_already_admitted(scanner):
    from playwright.async_api import expect

    page, _, ticket, _ = scanner
    result = page.locator("#result")
    await expect(page.locator("#door")).to_have_text("Summer Gala · Front")
    assert "#token" not in page.url

    # A keyboard-wedge scanner types into whatever has focus, then presses Enter.
    await page.keyboard.type(ticket.code)
    await page.keyboard.press("Enter")
    await expect(result).to_have_attribute("data-result", "admitted")
    await expect(result).to_have_class("result ok")
    await expect(page.locator("#result-name")).to_have_text("Anna Smith")
    assert await result.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(18, 128, 60)"

    await page.keyboard.type(ticket.code.lower())
    await page.keyboard.press("Enter")
    await expect(result).to_have_attribute("data-result", "already_admitted")
    await expect(result).to_have_class("result bad")
    await expect(page.locator("#result-title")).to_have_text("Already admitted")
    await expect(page.locator("#result-detail")).to_contain_text("by Front")
    assert await result.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(198, 40, 40)"
    await expect(page.locator("#count-admitted")).to_have_text("1")
    await expect(page.locator("#count-refused")).to_have_text("1")


async def test_a_scan_made_offline_is_queued_and_uploaded_with_its_scan_time_when_back_online(scanner, slack):
    from playwright.async_api import expect

    page, context, ticket, tenant = scanner
    await expect(page.locator("#door")).to_have_text("Summer Gala · Front")

    await context.set_offline(True)
    await page.keyboard.type(ticket.code)
    await page.keyboard.press("Enter")
    await expect(page.locator("#result")).to_have_attribute("data-result", "offline")
    await expect(page.locator("#queued")).to_have_text("1 scan(s) waiting to upload")

    await context.set_offline(False)
    await expect(page.locator("#queued")).to_have_text("")
    await expect(page.locator("#count-admitted")).to_have_text("1")
    async with slack.services.db.tenant(tenant.account_id) as session:
        [row] = (await session.execute(select(CheckIn))).scalars()
    assert (row.result, row.source, row.ticket_id) == ("admitted", "scan", ticket.id)
    assert row.nonce and row.scanned_at < row.created_at


async def test_a_guest_found_by_name_is_admitted_with_the_party_chosen(scanner, slack):
    from playwright.async_api import expect

    from core.guestlists import entries
    from db.models import Event

    page, _, _, tenant = scanner
    await expect(page.locator("#door")).to_have_text("Summer Gala · Front")
    async with slack.services.db.tenant(tenant.account_id) as session:
        slug = (await session.execute(select(Event.slug))).scalar_one()
    await entries.add_guest(slack.services, tenant, event=slug, name="Gina <b>Guest</b>", companions=2)

    await page.locator("#guest").fill("gina")
    await page.locator("#guest").press("Enter")
    await expect(page.locator("#guests li")).to_have_count(1)
    await expect(page.locator("#guests li span")).to_have_text("Gina <b>Guest</b> +2 · guests")
    await page.get_by_role("button", name="Admit 2").click()

    await expect(page.locator("#result")).to_have_attribute("data-result", "admitted")
    await expect(page.locator("#result-detail")).to_have_text("2 of 3 · guests guest list")
    async with slack.services.db.tenant(tenant.account_id) as session:
        [row] = (await session.execute(select(CheckIn))).scalars()
    assert (row.result, row.source, row.party) == ("admitted", "scan", 2)
