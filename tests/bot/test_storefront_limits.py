"""Holds are rate-limited per client and per event: past the limit the buyer gets a clear page, and nothing is held."""

import pytest
from sqlalchemy import func, select

from core.services import Services
from db.models import Order
from tests.conftest import test_settings as settings_for
from tests.support.factories import make_event, make_product
from tests.support.harness import start_harness
from tests.support.storefront import Buyer, event_path

BUSY = "Lots of people are buying right now; wait a few seconds, then submit the form again."


async def serve(db, slack_standin, **limits):
    settings = settings_for(slack_api_url=slack_standin.base_url, **limits)
    harness = await start_harness(Services(db=db, settings=settings), slack_standin)
    tenant = await harness.tenant()
    event = await make_event(harness.services, tenant, name="Summer Gala")
    await make_product(harness.services, tenant, event, price_cents=0, capacity=100)
    return harness, tenant, await event_path(harness.services, tenant, event)


async def orders(harness, tenant) -> int:
    async with harness.services.db.tenant(tenant.account_id) as session:
        return (await session.execute(select(func.count()).select_from(Order))).scalar_one()


@pytest.mark.parametrize("limits", [
    {"eventos_rate_holds_client": "2/minute"},
    {"eventos_rate_holds_event": "2/minute"},
], ids=["per client", "per event"])
async def test_a_third_checkout_within_the_limit_gets_a_wait_page_and_holds_nothing(db, slack_standin, limits):
    harness, tenant, path = await serve(db, slack_standin, **limits)
    buyers = [Buyer(harness.base_url) for _ in range(3)]
    try:
        # Per client: one browser three times; per event: three browsers (all on 127.0.0.1 here,
        # so the per-event case is told apart by its tight event limit and loose client limit).
        answers = []
        for i in range(3):
            buyer = buyers[0] if "eventos_rate_holds_client" in limits else buyers[i]
            answers.append(await buyer.buy(path, email=f"buyer{i}@example.com"))
    finally:
        for buyer in buyers:
            await buyer.close()
        await harness.runner.cleanup()

    assert [a.status for a in answers] == [303, 303, 429]
    assert BUSY in answers[2].text and "Please wait a moment" in answers[2].text and "<form" not in answers[2].text
    assert await orders(harness, tenant) == 2
