"""`/event waitlist` through the Slack stand-in: the line with positions, offers, purchases and lapses."""

import pytest

from core.sales import orders, payments, waitlist
from core.services import Services
from tests.conftest import test_settings as settings_for
from tests.support.factories import make_event, make_product
from tests.support.harness import start_harness


@pytest.fixture
async def store(db, slack_standin):
    harness = await start_harness(Services(db=db, settings=settings_for(slack_api_url=slack_standin.base_url)),
                                  slack_standin)
    yield harness
    await harness.runner.cleanup()


async def test_the_waitlist_lists_the_line_in_order_and_who_was_offered_and_bought(store):
    tenant = await store.tenant()
    event = await make_event(store.services, tenant, slug="summer-gala", name="Summer Gala")
    product = await make_product(store.services, tenant, event, capacity=2)
    holds = [await orders.hold_seats(store.services, tenant, event=event.slug, ticket="ga", email=f"e{n}@example.com")
             for n in range(2)]
    for n, email in enumerate(("ann@example.com", "bob@example.com", "cem@example.com")):
        await waitlist.join(store.services, tenant.account_id, event_id=event.id, product_id=product.id, email=email,
                            name=email[:3].title(), quantity=1, consent=False, consent_source="test")
    async with store.services.db.tenant(tenant.account_id) as session:
        await orders.release(session, [h.order_id for h in holds], status="cancelled", now=store.services.clock.now())
    await waitlist.offer_seats(store.services, tenant.account_id)
    listed = await waitlist.waitlist(store.services, tenant, event=event.slug)
    await payments.mark_paid(store.services, tenant, reference=listed.entries[0].reference)

    answer = await store.run("/event", "waitlist summer-gala")

    shown = str(answer["blocks"])
    assert answer["text"] == "Waitlist: Summer Gala"
    assert "1 waiting · 1 offered · 1 bought · 0 lapsed" in shown
    assert "*1.* Cem (cem@example.com)" in shown
    assert "Bought: Ann (ann@example.com)" in shown and "Offered: Bob (bob@example.com)" in shown


async def test_offer_hours_is_set_by_organizers_and_bad_values_are_refused_privately(store):
    tenant = await store.tenant()
    await make_event(store.services, tenant, slug="summer-gala", name="Summer Gala")

    changed = await store.run("/event", "waitlist summer-gala offer_hours=6")
    bad = await store.run("/event", "waitlist summer-gala offer_hours=48")
    seller = await store.user("sales")
    refused = await store.run("/event", "waitlist summer-gala offer_hours=3", user=seller)
    unknown = await store.run("/event", "waitlist winter-ball")

    assert "an offer holds its seats for 6 hours" in str(changed["blocks"])
    assert bad["text"] == "offer_hours is a whole number of hours from 1 to 24, like offer_hours=12."
    assert bad["response_type"] == "ephemeral"
    assert "organizer" in refused["text"]
    assert "winter-ball" in unknown["text"]
    listed = await store.run("/event", "waitlist summer-gala", user=seller)
    assert "an offer holds its seats for 6 hours" in str(listed["blocks"])
