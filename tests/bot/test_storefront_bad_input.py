"""Every bad checkout is answered on the page in one sentence saying what to fix, and saves nothing."""

import pytest
from sqlalchemy import func, select

from core.storefront import handles
from db.models import Contact, Event, Order
from tests.conftest import new_tenant
from tests.support.factories import make_event, make_product
from tests.support.storefront import Buyer, event_path


@pytest.fixture
async def shop(store):
    """An event with GA (3 seats left) and VIP (at most 2 per order); another event and account with their own types."""
    tenant = await store.tenant()
    event = await make_event(store.services, tenant, name="Summer Gala")
    await make_product(store.services, tenant, event, capacity=3)
    await make_product(store.services, tenant, event, slug="vip", name="VIP", max_per_order=2, capacity=50)
    other_event = await make_event(store.services, tenant, name="Winter Ball")
    await make_product(store.services, tenant, other_event, slug="balcony", name="Balcony")
    stranger = await new_tenant(store.services)
    theirs = await make_event(store.services, stranger, slug=event.slug + "-x", name="Their Party")
    await make_product(store.services, stranger, theirs, slug="secret", name="Secret")
    buyer = Buyer(store.base_url)
    yield tenant, await event_path(store.services, tenant, event), buyer
    await buyer.close()


CASES = [
    ({"name": ""}, "Enter your name, as it should appear on the tickets."),
    ({"name": "   "}, "Enter your name, as it should appear on the tickets."),
    ({"name": "x" * 121}, "Shorten your name to at most 120 characters."),
    ({"email": ""}, "Enter your email address; your tickets are sent there."),
    ({"email": "bea@"}, "Enter a valid email address, like ann@example.com."),
    ({"email": "bea at example.com"}, "Enter a valid email address, like ann@example.com."),
    ({"email": "b" * 250 + "@example.com"}, "Shorten your email address to at most 254 characters."),
    ({"phone": "12"}, "Enter a valid phone number with its country code, like +49 30 1234567, or leave it empty."),
    ({"phone": "+49 " + "1" * 40}, "Shorten your phone number to at most 32 characters, or leave it empty."),
    ({"qty": "0"}, "Enter how many tickets you want as a whole number, 1 or more."),
    ({"qty": "-1"}, "Enter how many tickets you want as a whole number, 1 or more."),
    ({"qty": "two"}, "Enter how many tickets you want as a whole number, 1 or more."),
    ({"qty": "9" * 40}, "Enter how many tickets you want as a whole number, 1 or more."),
    ({"qty": "4"}, "Only 3 General admission tickets are left; choose 3 or fewer."),
    ({"ticket": "vip", "qty": "3"}, "You can buy at most 2 VIP tickets in one order; choose 2 or fewer."),
    ({"ticket": ""}, "Choose one of the ticket types listed on this page."),
    ({"ticket": "balcony"}, "Choose one of the ticket types listed on this page."),
    ({"ticket": "secret"}, "Choose one of the ticket types listed on this page."),
    ({"token": ""}, "This page was open too long or came from another browser; reload it and fill in the form again."),
    ({"token": "forged.1790000000.abcdefghijklmnop"},
     "This page was open too long or came from another browser; reload it and fill in the form again."),
]


async def _nothing_saved(store, tenant) -> None:
    async with store.services.db.tenant(tenant.account_id) as session:
        assert (await session.execute(select(func.count()).select_from(Order))).scalar_one() == 0
        assert (await session.execute(select(func.count()).select_from(Contact))).scalar_one() == 0
        assert (await session.execute(select(func.sum(Event.sold)))).scalar_one() == 0


@pytest.mark.parametrize(("change", "sentence"), CASES, ids=[str(c[0])[:40] for c in CASES])
async def test_a_bad_field_is_answered_on_the_page_and_nothing_is_saved(store, shop, change, sentence):
    tenant, path, buyer = shop
    page = await buyer.get(path)
    ticket = change.get("ticket", "ga")
    data = {"token": page.token, "ticket": ticket, f"qty-{ticket}": change.get("qty", "1"), "name": "Bea Buyer",
            "email": "bea@example.com", "phone": "", **{k: v for k, v in change.items() if k != "qty"}}

    answer = await buyer.post(path, data)

    assert answer.status == 422 and answer.error == sentence
    assert 'aria-invalid="true"' in answer.text or "token" in change
    await _nothing_saved(store, tenant)


async def test_a_token_from_another_browser_or_event_is_refused(store, shop):
    tenant, path, buyer = shop
    page = await buyer.get(path)
    stranger = Buyer(store.base_url)
    try:
        await stranger.get(path)
        answer = await stranger.post(path, {"token": page.token, "ticket": "ga", "qty-ga": "1", "name": "Eve",
                                            "email": "eve@example.com"})
    finally:
        await stranger.close()
    assert answer.status == 422 and answer.error.startswith("This page was open too long or came from another browser")
    await _nothing_saved(store, tenant)


async def test_a_draft_or_unknown_event_is_not_found_and_takes_no_order(store, shop):
    tenant, path, buyer = shop
    draft = await make_event(store.services, tenant, name="Secret Draft", status="draft")
    await make_product(store.services, tenant, draft)
    handle = await handles.public_handle(store.services, tenant)
    for url in (f"/e/{handle}/{draft.slug}", f"/e/{handle}/no-such-event", "/e/no-such-organizer"):
        answer = await buyer.get(url)
        assert answer.status == 404 and "Page not found" in answer.text and "Secret Draft" not in answer.text
    page = await buyer.get(path)
    answer = await buyer.post(f"/e/{handle}/{draft.slug}", {"token": page.token, "ticket": "ga", "qty-ga": "1",
                                                            "name": "Bea", "email": "bea@example.com"})
    assert answer.status == 404
    await _nothing_saved(store, tenant)


async def test_another_accounts_events_are_never_listed_or_sold_through_this_accounts_urls(store, shop):
    tenant, path, buyer = shop
    handle = path.split("/")[2]
    listing = await buyer.get(f"/e/{handle}")
    assert listing.status == 200 and "Summer Gala" in listing.text and "Winter Ball" in listing.text
    assert "Their Party" not in listing.text
    theirs = path.split("/")[3] + "-x"
    assert (await buyer.get(f"/e/{handle}/{theirs}")).status == 404
    page = await buyer.get(path)
    answer = await buyer.post(f"/e/{handle}/{theirs}", {"token": page.token, "ticket": "secret", "qty-secret": "1",
                                                        "name": "Bea", "email": "bea@example.com"})
    assert answer.status == 404
    await _nothing_saved(store, tenant)
