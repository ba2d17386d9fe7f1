"""Bad input to any command gets one private sentence saying what to fix, and changes nothing.

Each case runs one command through a signed request against a workspace with an event on
sale, a venue, a contact and a door token, then checks the answer (ephemeral, one line ending
a sentence, no Python in it, not the apology meant for our own bugs) and that every row the
workspace has is exactly as it was.
"""

import re

import pytest
from sqlalchemy import select

from bot.errors import UNEXPECTED
from core.crm import contacts
from core.door import tokens
from core.events import venues
from db.models import (
    Account,
    Attendee,
    Campaign,
    CheckIn,
    Company,
    ConsentChange,
    Contact,
    DigestSubscription,
    DoorToken,
    Event,
    GuestEntry,
    GuestList,
    Interaction,
    Order,
    OrderLine,
    Payment,
    Product,
    Ticket,
    User,
    Venue,
)
from tests.support.factories import make_event, make_product

TABLES = (
    Account, User, Venue, Event, Product, Order, OrderLine, Payment, Attendee, Ticket, CheckIn, DoorToken, Contact,
    Company, ConsentChange, Interaction, Campaign, DigestSubscription, GuestList, GuestEntry,
)
LONG = "x" * 5000
NAME_3000 = "N" * 3000
PYTHON = re.compile(r"Traceback|\bNone\b|Error\(|\{'|<class|ValidationError|pydantic|sqlalchemy|asyncpg|\bself\b")

CASES = [
    # /event
    ("/event", 'create name="" starts="2030-07-01 19:00"'),
    ("/event", 'create name="   " starts="2030-07-01 19:00"'),
    ("/event", "create name=Gala starts=tomorrow"),
    ("/event", 'create name=Gala starts="2030-02-30 19:00"'),
    ("/event", 'create name=Gala starts="2030-07-01 19:00" capacity=0'),
    ("/event", 'create name=Gala starts="2030-07-01 19:00" capacity=-1'),
    ("/event", 'create name=Gala starts="2030-07-01 19:00" capacity=1e9'),
    ("/event", 'create name=Gala starts="2030-07-01 19:00" capacity=lots'),
    ("/event", 'create name=Gala starts="2030-07-01 19:00" ends="2030-06-01 19:00"'),
    ("/event", 'create name=Gala starts="2030-07-01 19:00" timezone=Mars/Olympus'),
    ("/event", 'create name=Gala starts="2030-07-01 19:00" timezone=Europe'),
    ("/event", 'create name=Gala starts="2030-07-01 19:00" venue="Nowhere Hall"'),
    ("/event", 'create name=Gala starts="2030-07-01 19:00" slug="Bad Slug!"'),
    ("/event", 'create name=Gala starts="2030-07-01 19:00" slug=gala'),
    ("/event", 'create name="Gala starts="2030-07-01 19:00"'),
    ("/event", f'create name="{NAME_3000}" starts="2030-07-01 19:00"'),
    ("/event", f'create name="{LONG}" starts="2030-07-01 19:00"'),
    ("/event", 'create name=Gala starts="2030-07-01 19:00" colour=red'),
    ("/event", "show"),
    ("/event", "show nope"),
    ("/event", "show 🎉"),
    ("/event", "stats nope"),
    ("/event", "publish nope"),
    ("/event", "cancel nope"),
    ("/event", "list sideways"),
    ("/event", "edit gala capacity=abc"),
    ("/event", "edit gala capacity=0"),
    ("/event", "edit gala starts=yesterday"),
    ("/event", "edit gala name="),
    # /venue
    ("/venue", 'add name=""'),
    ("/venue", "add name=Annex capacity=-1"),
    ("/venue", "add name=Annex capacity=many"),
    ("/venue", "add name=Hall"),
    ("/venue", f'add name=Annex address="{NAME_3000}"'),
    # /ticket
    ("/ticket", "add gala name=VIP price=-5"),
    ("/ticket", "add gala name=VIP price=1e9"),
    ("/ticket", "add gala name=VIP price=abc"),
    ("/ticket", "add gala name=VIP price=25 capacity=0"),
    ("/ticket", "add gala name=VIP price=25 sales_end=tomorrow"),
    ("/ticket", "add gala name=VIP"),
    ("/ticket", "add nope name=VIP price=25"),
    ("/ticket", "list nope"),
    # /sell
    ("/sell", "gala ga qty=-1 email=ann@example.com"),
    ("/sell", "gala ga qty=0 email=ann@example.com"),
    ("/sell", "gala ga qty=abc email=ann@example.com"),
    ("/sell", "gala ga qty=1e9 email=ann@example.com"),
    ("/sell", "gala ga qty=99999999999999999999 email=ann@example.com"),
    ("/sell", 'gala ga email="ann @example.com"'),
    ("/sell", "gala ga email=not-an-email"),
    ("/sell", "gala ga"),
    ("/sell", "nope ga email=ann@example.com"),
    ("/sell", "gala nope email=ann@example.com"),
    ("/sell", "gala ga qty=11 email=ann@example.com"),
    ("/sell", f'gala ga email=ann@example.com name="{NAME_3000}"'),
    ("/sell", f"gala ga email={'a' * 300}@example.com"),
    # /order
    ("/order", "show nope"),
    ("/order", "show EV-ZZZZZZ"),
    ("/order", "show"),
    ("/order", "paid EV-ZZZZZZ method=crypto"),
    ("/order", "refund EV-ZZZZZZ amount=-5"),
    ("/order", "refund"),
    ("/order", "comp gala ga email=bad"),
    ("/order", "comp gala ga email=ann@example.com qty=-2"),
    ("/order", "resend nope"),
    # /checkin
    ("/checkin", "nope anna"),
    ("/checkin", "ann@example.com"),
    ("/checkin", "a b c d e f"),
    # /contact, /company, /log
    ("/contact", "show not-an-email"),
    ("/contact", "show nobody@example.com"),
    ("/contact", 'add email="ann @example.com"'),
    ("/contact", "add email=ann@example.com"),
    ("/contact", "add email=bo@example.com phone=call-me"),
    ("/contact", 'add email=bo@example.com tags="vip, no way!"'),
    ("/contact", f'add email=bo@example.com name="{NAME_3000}"'),
    ("/contact", "tag nobody@example.com vip"),
    ("/contact", "tag ann@example.com"),
    ("/contact", "consent ann@example.com email=maybe"),
    ("/contact", "consent nobody@example.com email=yes"),
    ("/contact", "merge a@example.com into b@example.com"),
    ("/contact", "merge ann@example.com into ann@example.com"),
    ("/contact", "merge ann@example.com b@example.com"),
    ("/company", 'add name=""'),
    ("/company", "show Nope Inc"),
    ("/log", "nobody@example.com Called about the gala"),
    ("/log", "ann@example.com kind=dance Danced"),
    ("/log", "ann@example.com"),
    ("/log", "not-an-email hello"),
    # /eventos
    ("/eventos", "setup timezone=Mars/Olympus"),
    ("/eventos", "setup timezone=America"),
    ("/eventos", "setup currency=XXX"),
    ("/eventos", "setup currency=dollars"),
    ("/eventos", "setup sales_channel=sales"),
    ("/eventos", "setup default_role=king"),
    ("/eventos", "role nobody admin"),
    ("/eventos", "role <@U0NOBODY> king"),
    ("/eventos", "door-token"),
    ("/eventos", "door-token nope"),
    ("/eventos", "door-token gala revoke nobody"),
    ("/eventos", "door-token gala explode"),
    # /digest
    ("/digest", "subscribe kind=weekly"),
    ("/digest", "subscribe at=25:00"),
    ("/digest", "subscribe sales"),
    ("/digest", "unsubscribe"),
    # /campaign
    ("/campaign", "create name=Spring audience=tag:vip template=nope subject=Hi"),
    ("/campaign", "create name=Spring audience=bogus:thing template=announcement subject=Hi"),
    ("/campaign", "create name=Spring audience=tag:vip template=announcement"),
    ("/campaign", "create name=Spring audience=tag:vip template=announcement channel=fax subject=Hi"),
    ("/campaign", "schedule nope at=tomorrow"),
    ("/campaign", "send nope"),
    ("/campaign", "preview nope"),
    ("/campaign", "new please"),
    # /guest and exports
    ("/guest", "add gala"),
    ("/guest", 'add gala "Ann" +21'),
    ("/guest", 'add gala "Ann" +x'),
    ("/guest", 'add gala "Ann" email=nope'),
    ("/guest", 'add gala "Ann" list="no spaces"'),
    ("/guest", 'add gala "Ann" colour=red'),
    ("/guest", 'add nope "Ann"'),
    ("/guest", f'add gala "{NAME_3000}"'),
    ("/guest", f'add gala "Ann" note="{NAME_3000}"'),
    ("/guest", "remove gala Nobody Here"),
    ("/guest", "list nope"),
    ("/guest", "stats gala list=vip"),
    ("/guest", "setup gala list=vip cap=-3"),
    ("/guest", "setup gala list=vip closes=tomorrow"),
    ("/guest", "setup gala"),
    ("/guest", "explode gala"),
    ("/event", "export gala what=everything"),
    ("/event", "export nope"),
    ("/contact", "export bogus:thing"),
    ("/contact", "export list:nobody"),
    # values of 3,000 characters are never echoed back whole
    ("/event", f'create name=Gala starts="2030-07-01 19:00" slug={NAME_3000}'),
    ("/event", f'create name=Gala starts="{NAME_3000}"'),
    ("/event", f'create name=Gala starts="2030-07-01 19:00" timezone={NAME_3000}'),
    ("/event", f'create name=Gala starts="2030-07-01 19:00" venue={NAME_3000}'),
    ("/event", f'create name=Gala starts="2030-07-01 19:00" capacity={"9" * 3000}'),
    ("/event", f"show {NAME_3000}"),
    ("/event", f"{NAME_3000}"),
    ("/event", "frobnicate"),
    ("/ticket", f"add gala name=VIP price={'9' * 3000}"),
    ("/ticket", f"add {NAME_3000} name=VIP price=25"),
    ("/sell", f"gala ga qty={'9' * 3000} email=ann@example.com"),
    ("/sell", f"gala {NAME_3000} email=ann@example.com"),
    ("/order", f"show {NAME_3000}"),
    ("/order", f"paid EV-ZZZZZZ method={NAME_3000}"),
    ("/order", f"refund EV-ZZZZZZ amount={NAME_3000}"),
    ("/contact", f"show {NAME_3000}"),
    ("/contact", f"consent ann@example.com email={NAME_3000}"),
    ("/contact", f"tag ann@example.com {NAME_3000}"),
    ("/company", f"show {NAME_3000}"),
    ("/log", f"ann@example.com kind={NAME_3000} hi"),
    ("/eventos", f"setup timezone={NAME_3000}"),
    ("/eventos", f"setup currency={NAME_3000}"),
    ("/eventos", f"door-token gala revoke {NAME_3000}"),
    ("/digest", f"subscribe kind={NAME_3000}"),
    ("/digest", f"subscribe at={NAME_3000}"),
    ("/campaign", f"send {NAME_3000}"),
    ("/campaign", f"create name=Spring audience={NAME_3000} template=announcement subject=Hi"),
]


async def arrange(slack) -> None:
    tenant = await slack.tenant()
    event = await make_event(slack.services, tenant, slug="gala", name="Gala")
    await make_product(slack.services, tenant, event, slug="ga", capacity=10, max_per_order=100)
    await venues.add_venue(slack.services, tenant, name="Hall", capacity=100)
    await contacts.add_contact(slack.services, tenant, email="ann@example.com", name="Ann Lee")
    await tokens.create_door_token(slack.services, tenant, event_slug="gala", name="North")


async def snapshot(slack) -> dict[str, list[dict]]:
    """Every row of the workspace's tables, as it is now."""
    tenant = await slack.tenant()
    async with slack.services.db.tenant(tenant.account_id) as session:
        return {
            model.__tablename__: sorted((r._asdict() for r in await session.execute(select(model.__table__))), key=repr)
            for model in TABLES
        }


@pytest.mark.parametrize(("command", "text"), CASES, ids=[f"{c} {t[:50]}" for c, t in CASES])
async def test_bad_input_gets_one_private_sentence_and_changes_nothing(slack, command, text):
    await arrange(slack)
    before = await snapshot(slack)

    answer = await slack.run(command, text)

    sentence = answer["text"]
    assert answer["response_type"] == "ephemeral", answer
    assert not answer.get("blocks"), answer
    assert sentence != UNEXPECTED
    assert not PYTHON.search(sentence), sentence
    assert "\n" not in sentence.strip(), sentence
    assert len(sentence) <= 300, sentence
    assert sentence.rstrip("`*_”) ")[-1:] in (".", "?", "!"), sentence
    assert await snapshot(slack) == before


NOTHING_FOUND = [
    ("/checkin", f"gala {NAME_3000}"),
    ("/checkin", NAME_3000),
    ("/checkin", "ZZZZ"),
    ("/contact", f"find {NAME_3000}"),
    ("/contact", "find 🎉 ‘quotes’ \\ %_"),
]


@pytest.mark.parametrize(("command", "text"), NOTHING_FOUND, ids=[f"{c} {t[:50]}" for c, t in NOTHING_FOUND])
async def test_searches_that_find_nothing_say_so_briefly_and_change_nothing(slack, command, text):
    await arrange(slack)
    before = await snapshot(slack)

    answer = await slack.run(command, text)

    assert answer["response_type"] == "ephemeral", answer
    shown = [answer["text"], *(b["text"]["text"] for b in answer["blocks"] if b["type"] == "section")]
    assert all(len(part) <= 300 and UNEXPECTED not in part for part in shown), shown
    after = await snapshot(slack)
    if command == "/checkin":
        # Every scan is recorded for the door's audit, an unknown code too; nothing else moves.
        assert all(row["result"] == "unknown" for row in after.pop("check_ins"))
        before.pop("check_ins")
    assert after == before
