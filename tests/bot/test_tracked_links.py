"""Tracked links through Slack and the public page: `/event link EVENT source=… | promoter=@…` gives a link whose
orders record their source and promoter; `/event stats` breaks sales down by source; `/promo mine` shows a promoter
their own figures and nobody else's; bad input is one private sentence with nothing saved."""

import asyncio
import re

import pytest
from sqlalchemy import func, select

from bot.notifier import SlackNotifier, fixed_token
from core.jobs import outbox
from core.sales import promos
from core.storefront import links
from db.models import Order, TrackedLink, User
from tests.support.factories import make_event, make_product
from tests.support.storefront import Buyer, deliver, event_path

VIA = re.compile(r"\?via=([a-z0-9]{8})")


@pytest.fixture
async def gala(store):
    tenant = await store.tenant()
    event = await make_event(store.services, tenant, slug="summer-gala", name="Summer Gala")
    await make_product(store.services, tenant, event, capacity=100)
    return tenant, event, await event_path(store.services, tenant, event)


async def _buy(store, stripe_standin, path: str, *, qty: int = 1, email: str = "bea@example.com") -> None:
    """Open `path` (with its ?via=), check out, and pay on Stripe."""
    buyer = Buyer(store.base_url)
    try:
        page = await buyer.get(path)
        base = path.split("?")[0]
        via = VIA.search(path)
        answer = await buyer.post(base, {"token": page.token, "ticket": "ga", "qty-ga": str(qty), "name": "Bea",
                                         "email": email, **({"via": via[1]} if via else {})})
    finally:
        await buyer.close()
    assert answer.status == 303, answer.error
    assert (await deliver(store.base_url, stripe_standin.complete(answer.url.rsplit("/", 1)[-1])))[0] == 200


async def _orders(store, tenant) -> list[tuple]:
    async with store.services.db.tenant(tenant.account_id) as session:
        rows = await session.execute(
            select(Order.email, Order.source, Order.channel_source, User.slack_user_id)
            .outerjoin(User, User.id == Order.promoter_user_id).order_by(Order.email)
        )
        return [tuple(row) for row in rows]


async def test_a_source_link_credits_its_orders_and_stats_break_sales_down_by_source(store, gala, stripe_standin):
    tenant, event, path = gala
    anna = await store.user("promoter")

    first = await store.run("/event", "link summer-gala source=Instagram")
    again = await store.run("/event", "link Summer-Gala source=instagram")
    promoter = await store.run("/event", f"link summer-gala promoter=<@{anna}>")
    both = await store.run("/event", f"link summer-gala source=flyers promoter=<@{anna}|anna>")

    instagram = VIA.search(first["text"])[1]
    assert first["text"] == f"Summer Gala: http://eventos.test{path}?via={instagram}"
    assert again["text"] == first["text"]
    assert "Tracked link: orders placed through it count for source *instagram*" in str(first["blocks"])
    assert next(b for b in first["blocks"] if b["type"] == "image")["image_url"].endswith(f"/qr.png?via={instagram}")
    assert f"promoter *User {anna}*" in str(promoter["blocks"])
    tokens = {VIA.search(answer["text"])[1] for answer in (first, promoter, both)}
    assert len(tokens) == 3

    await _buy(store, stripe_standin, f"{path}?via={instagram}", qty=2, email="a-insta@example.com")
    await _buy(store, stripe_standin, f"{path}?via={VIA.search(promoter['text'])[1]}", email="b-anna@example.com")
    await _buy(store, stripe_standin, f"{path}?via={VIA.search(both['text'])[1]}", email="c-flyers@example.com")
    await _buy(store, stripe_standin, path, email="d-direct@example.com")
    await _buy(store, stripe_standin, f"{path}?via=zzzzzzzz", email="e-forged@example.com")
    sold = await store.run("/sell", "summer-gala ga email=f-slack@example.com")
    await store.run("/order", f"paid {re.search(r'EV-[A-Z0-9]{6}', sold['text'])[0]} method=cash")

    assert await _orders(store, tenant) == [
        ("a-insta@example.com", "web", "instagram", None),
        ("b-anna@example.com", "web", None, anna),
        ("c-flyers@example.com", "web", "flyers", anna),
        ("d-direct@example.com", "web", None, None),
        ("e-forged@example.com", "web", None, None),
        ("f-slack@example.com", "slack", None, None),
    ]
    async with store.services.db.tenant(tenant.account_id) as session:
        flyers = (await session.execute(select(Order.reference).where(Order.channel_source == "flyers"))).scalar_one()
    shown = str((await store.run("/order", f"show {flyers}"))["blocks"])
    assert f"on the public event page (link: source flyers, promoter User {anna})" in shown
    stats = str((await store.run("/event", "stats summer-gala"))["blocks"])
    assert "*By source* (paid orders)" in stats
    for line in (
        "• *instagram* — 1 order · 2 tickets · 50.00 EUR",
        f"• *User {anna} (promoter)* — 1 order · 1 ticket · 25.00 EUR",
        f"• *flyers · User {anna}* — 1 order · 1 ticket · 25.00 EUR",
        "• *Event page, no tracked link* — 2 orders · 2 tickets · 50.00 EUR",
        "• *Sold from Slack* — 1 order · 1 ticket · 25.00 EUR",
    ):
        assert line in stats, line


def _path(answer: dict) -> str:
    """The path (and query) of the link in a `/event link` answer."""
    return answer["text"].split(": ", 1)[1].removeprefix("http://eventos.test")


async def test_a_promoter_gets_their_own_link_and_sees_only_their_own_figures(store, gala, stripe_standin):
    tenant, event, path = gala
    anna, ben = await store.user("promoter"), await store.user("promoter", key="ben")
    other = await make_event(store.services, tenant, slug="winter-ball", name="Winter Ball")
    await make_product(store.services, tenant, other, capacity=10)

    own = await store.run("/event", "link summer-gala", user=anna)
    refused = await store.run("/event", f"link summer-gala promoter=<@{ben}>", user=anna)
    bens = await store.run("/event", "link summer-gala source=tiktok", user=ben)
    assert f"promoter *User {anna}*" in str(own["blocks"])
    assert refused["text"] == "You can share only your own link; leave out promoter= to get it."
    await _buy(store, stripe_standin, _path(own), qty=3, email="anna-buyer@example.com")
    await _buy(store, stripe_standin, _path(bens), email="ben-buyer@example.com")

    mine = await store.run("/promo", "mine", user=anna)
    mine_here = await store.run("/promo", "mine summer-gala", user=anna)
    mine_elsewhere = await store.run("/promo", "mine winter-ball", user=anna)
    stats = await store.run("/event", "stats summer-gala", user=anna)

    blocks = str(mine["blocks"])
    assert "• *Summer Gala* `summer-gala` — 1 order · 3 tickets · 75.00 EUR" in blocks
    assert "ben-buyer" not in blocks and "anna-buyer" not in blocks and "25.00 EUR" not in blocks
    assert str(mine_here["blocks"]) == blocks
    assert "No paid orders came through your links for `winter-ball` yet." in str(mine_elsewhere["blocks"])
    assert "By source" not in str(stats["blocks"])
    assert "• *Summer Gala* `summer-gala` — 1 order · 1 ticket · 25.00 EUR" in str(
        (await store.run("/promo", "mine", user=ben))["blocks"])


async def test_bad_link_and_mine_input_is_one_private_sentence_and_saves_nothing(store, gala):
    tenant, _, _ = gala
    stranger = "U" + "9" * 10
    door = await store.user("door")
    cases = [
        ("/event", "link summer-gala source=bad!source", None,
         "A source is 1–32 letters, digits, - or _, like source=instagram."),
        ("/event", f"link summer-gala source={'x' * 33}", None, "A source is 1–32 letters"),
        ("/event", "link summer-gala source=", None, "A source is 1–32 letters"),
        ("/event", "link summer-gala promoter=anna", None, "Mention the promoter: `promoter=@anna`."),
        ("/event", f"link summer-gala promoter=<@{stranger}>", None, "That person has not used EventOS yet"),
        ("/event", "link summer-gala colour=red", None, "colour"),
        ("/event", "link no-such-event source=instagram", None, "There is no event"),
        ("/event", "link summer-gala source=instagram", door, "Only a promoter user (or higher) can share event pages"),
        ("/promo", "mine no-such-event", None, "There is no event"),
        ("/promo", "mine summer-gala extra", None, "Remove “extra”"),
        ("/promo", "mine", door, "Only a promoter user (or higher) can see your sales"),
    ]
    for command, text, user, expected in cases:
        answer = await store.run(command, text, user=user)
        assert answer["response_type"] == "ephemeral", text
        assert expected in answer["text"], (text, answer["text"])
        assert answer["text"].count(". ") <= 1 and "Traceback" not in answer["text"], (text, answer["text"])
    async with store.services.db.tenant(tenant.account_id) as session:
        assert (await session.execute(select(func.count()).select_from(TrackedLink))).scalar_one() == 0


async def test_asking_for_one_link_twenty_times_at_once_makes_one_link(store, gala):
    tenant, _, _ = gala

    answers = await asyncio.gather(*(
        links.event_link(store.services, tenant, event="summer-gala", source="instagram") for _ in range(20)
    ))

    assert len({answer.url for answer in answers}) == 1
    async with store.services.db.tenant(tenant.account_id) as session:
        assert (await session.execute(select(func.count()).select_from(TrackedLink))).scalar_one() == 1


async def test_another_events_token_credits_nobody(store, gala, stripe_standin):
    tenant, _, path = gala
    other = await make_event(store.services, tenant, slug="winter-ball", name="Winter Ball")
    await make_product(store.services, tenant, other)
    elsewhere = await links.event_link(store.services, tenant, event="winter-ball", source="instagram")

    await _buy(store, stripe_standin, f"{path}?via={VIA.search(elsewhere.url)[1]}")

    assert await _orders(store, tenant) == [("bea@example.com", "web", None, None)]


async def test_the_sales_digest_breaks_the_days_sales_down_by_source_and_code(store, gala, stripe_standin):
    tenant, event, path = gala
    await promos.add_promo(store.services, tenant, event="summer-gala", code="FRIENDS", percent=20)
    instagram = await links.event_link(store.services, tenant, event="summer-gala", source="instagram")
    await _buy(store, stripe_standin, f"{path}?via={VIA.search(instagram.url)[1]}", qty=2)
    buyer = Buyer(store.base_url)
    try:
        answer = await buyer.buy(path, code="friends", email="friend@example.com")
    finally:
        await buyer.close()
    assert (await deliver(store.base_url, stripe_standin.complete(answer.url.rsplit("/", 1)[-1])))[0] == 200

    await store.run("/digest", "now <#C0DIGEST|digest> today")
    store.services.notifier = SlackNotifier(store.services.settings, fixed_token("xoxb-test-token"))
    await outbox.drain(store.services, account_id=tenant.account_id)
    [post] = [c for c in store.standin.calls_to("chat.postMessage") if c.params["channel"] == "C0DIGEST"]
    blocks = str(post.params["blocks"])

    # The gala sells in EUR in a USD account: its money is in euros everywhere.
    assert "*By source*" in blocks, blocks
    assert "• *instagram*: 1 order · 2 tickets · 50.00 EUR" in blocks, blocks
    assert "• *Event page, no tracked link*: 1 order · 1 ticket · 20.00 EUR" in blocks, blocks
    assert "*Promo codes*" in blocks and "• `FRIENDS`: 1 order · 1 ticket · 20.00 EUR (5.00 EUR off)" in blocks, blocks
    assert "USD" not in blocks, blocks
