"""/promo and the code= of /sell and /order comp, through signed Slack requests."""

import re

from sqlalchemy import func, select

from db.models import OrderLine, PromoCode
from tests.support.factories import make_event, make_product

REFERENCE = re.compile(r"EV-[A-Z0-9]{6}")


async def arrange(slack):
    tenant = await slack.tenant()
    event = await make_event(slack.services, tenant, name="Summer Gala")
    await make_product(slack.services, tenant, event, capacity=100, price_cents=2500)
    await make_product(slack.services, tenant, event, slug="vip", name="VIP", price_cents=9000, capacity=10)
    return tenant, event


async def test_help_explains_every_subcommand(slack):
    message = await slack.run("/promo", "help")
    for word in ("add EVENT CODE", "list EVENT", "show CODE", "end CODE", "mine [EVENT]"):
        assert f"/promo {word}" in message["text"]


async def test_add_sell_with_a_code_show_and_end(slack):
    tenant, event = await arrange(slack)

    added = await slack.run("/promo", f"add {event.slug} friends percent=20 tickets=ga max=10")
    assert added["text"] == "Promo code FRIENDS added."
    assert "20% off" in str(added["blocks"]) and "0 of 10 tickets" in str(added["blocks"])

    sold = await slack.run("/sell", f"{event.slug} ga qty=2 email=ann@example.com code=Friends")
    assert "40.00 EUR with FRIENDS" in str(sold["blocks"]) and "50.00 EUR" in str(sold["blocks"])
    reference = REFERENCE.search(sold["text"])[0]
    await slack.run("/order", f"paid {reference} method=cash")

    shown = await slack.run("/promo", "show friends")
    blocks = str(shown["blocks"])
    assert "2 of 10 tickets" in blocks and "40.00 EUR" in blocks and "10.00 EUR" in blocks

    line = "• `FRIENDS` — 2 of 10 used · 2 paid · 40.00 EUR revenue · 10.00 EUR off"
    assert line in str((await slack.run("/event", f"show {event.slug}"))["blocks"])
    assert line in str((await slack.run("/event", f"stats {event.slug}"))["blocks"])

    listed = await slack.run("/promo", f"list {event.slug}")
    assert "`FRIENDS` · 20% off · 2 of 10 tickets · active" in str(listed["blocks"])

    ended = await slack.run("/promo", "end FRIENDS")
    assert ended["text"] == "FRIENDS ended; orders placed with it keep their price."
    refused = await slack.run("/sell", f"{event.slug} ga email=bob@example.com code=friends")
    assert refused["text"] == "The promo code FRIENDS has expired."
    again = await slack.run("/promo", "end FRIENDS")
    assert again["text"] == "FRIENDS had already ended."


async def test_a_comp_with_a_code_counts_a_use(slack):
    tenant, event = await arrange(slack)
    await slack.run("/promo", f"add {event.slug} SPONSOR tickets=vip hidden=yes max=2")

    comp = await slack.run("/order", f"comp {event.slug} vip email=guest@example.com code=sponsor")

    assert "comp issued" in comp["text"]
    async with slack.services.db.tenant(tenant.account_id) as session:
        assert (await session.execute(select(PromoCode.used).where(PromoCode.code == "SPONSOR"))).scalar_one() == 1


async def test_bad_input_is_answered_privately_in_one_sentence_and_saves_nothing(slack):
    tenant, event = await arrange(slack)
    cases = {
        f"add {event.slug}": "Add CODE, for example FRIENDS-20.",
        f"add {event.slug} CODE percent=abc": "percent must be a whole number from 1 to 100",
        f"add {event.slug} CODE percent=10 amount=5": "Give either percent= or amount=, not both.",
        f"add {event.slug} CODE max=-1": "max",
        f"add {event.slug} CODE hidden=maybe": "hidden",
        f"add {event.slug} CODE colour=red": "colour",
        f"add {event.slug} CODE tickets=nope": "has no ticket type",
        "add no-such-event CODE": "There is no event",
        "show NOPE": "There is no promo code NOPE.",
        "end NOPE": "There is no promo code NOPE.",
        "list": "Add EVENT, for example summer-gala.",
    }
    for text, expected in cases.items():
        answer = await slack.run("/promo", text)
        assert answer["response_type"] == "ephemeral", text
        assert expected in answer["text"], (text, answer["text"])
        assert "Traceback" not in answer["text"]
    sell = await slack.run("/sell", f"{event.slug} ga email=ann@example.com code=NOPE")
    assert sell["text"] == "NOPE is not a promo code for “Summer Gala”; check its spelling."
    async with slack.services.db.tenant(tenant.account_id) as session:
        assert (await session.execute(select(func.count()).select_from(PromoCode))).scalar_one() == 0
        assert (await session.execute(select(func.count()).select_from(OrderLine))).scalar_one() == 0


async def test_door_staff_cannot_create_codes(slack):
    _, event = await arrange(slack)
    door = await slack.user("door")

    answer = await slack.run("/promo", f"add {event.slug} FREE percent=100", user=door)

    assert "Only an organizer" in answer["text"]
