"""Audiences against real CRM and ticketing data: tags, companies, event bought/attended/no-show, combinations, consent."""

import pytest
from sqlalchemy import func, select, update

from core.campaigns import audiences
from core.door import checkins
from core.errors import Invalid, NotFound
from db.models import Contact
from tests.support.campaign_data import add_contact
from tests.support.door_factories import make_event, make_ticket


async def reached(services, tenant, text: str, channel: str = "email") -> set[str]:
    async with services.db.tenant(tenant.account_id) as session:
        bound = await audiences.bind(session, audiences.parse(text))
        ids = bound.recipients(channel).subquery()
        return set((await session.scalars(select(Contact.email).where(Contact.id.in_(select(ids.c.id))))).all())


@pytest.fixture
async def crm(services, make_tenant):
    """Ann bought and came, Bo bought and stayed home, Cy bought another event; tags and a company."""
    tenant = await make_tenant()
    gala = await make_event(services, tenant, name="Gala")
    fair = await make_event(services, tenant, name="Fair")
    ann = await make_ticket(services, tenant, gala, name="Ann Lee", email="ann@acme.io")
    await make_ticket(services, tenant, gala, name="Bo Ray", email="bo@ex.org")
    await make_ticket(services, tenant, fair, name="Cy Poe", email="cy@ex.org")
    await make_ticket(services, tenant, gala, name="Di Refund", email="di@ex.org", attendee_status="refunded")
    await checkins.admit_code(services, tenant, code=ann.code)
    await add_contact(services, tenant, "ann@acme.io", tags=("vip",), company="Acme")
    await add_contact(services, tenant, "bo@ex.org", tags=("vip", "staff"))
    await add_contact(services, tenant, "cy@ex.org")
    await add_contact(services, tenant, "di@ex.org")
    await add_contact(services, tenant, "eve@acme.io", company="acme")
    return tenant, gala.slug, fair.slug


async def test_each_term_selects_from_real_rows(services, crm):
    tenant, gala, fair = crm
    assert await reached(services, tenant, "all") == {"ann@acme.io", "bo@ex.org", "cy@ex.org", "di@ex.org", "eve@acme.io"}
    assert await reached(services, tenant, "tag:VIP") == {"ann@acme.io", "bo@ex.org"}
    assert await reached(services, tenant, "company:ACME") == {"ann@acme.io", "eve@acme.io"}
    assert await reached(services, tenant, f"event:{gala}:bought") == {"ann@acme.io", "bo@ex.org"}
    assert await reached(services, tenant, f"event:{gala}") == {"ann@acme.io", "bo@ex.org"}
    assert await reached(services, tenant, f"event:{gala}:attended") == {"ann@acme.io"}
    assert await reached(services, tenant, f"event:{gala}:no-show") == {"bo@ex.org"}
    assert await reached(services, tenant, f"event:{fair}:no-show") == {"cy@ex.org"}


async def test_and_or_not_and_parentheses_combine(services, crm):
    tenant, gala, fair = crm
    assert await reached(services, tenant, "tag:vip and not tag:staff") == {"ann@acme.io"}
    assert await reached(services, tenant, f"event:{gala}:bought or event:{fair}:bought") == {"ann@acme.io", "bo@ex.org", "cy@ex.org"}
    assert await reached(services, tenant, f"not event:{gala}:bought and not company:acme") == {"cy@ex.org", "di@ex.org"}
    assert await reached(services, tenant, f"(tag:staff or company:acme) and event:{gala}:bought") == {"ann@acme.io", "bo@ex.org"}
    assert await reached(services, tenant, f"tag:staff or company:acme and event:{gala}:bought") == {"ann@acme.io", "bo@ex.org"}
    assert await reached(services, tenant, "tag:nobody-has-this") == set()


async def test_only_consenting_live_contacts_are_reached(services, crm, owner_engine):
    tenant, _, _ = crm
    await add_contact(services, tenant, "mute@ex.org", tags=("vip",), email_consent=False)
    await add_contact(services, tenant, "text@ex.org", tags=("vip",), phone="+14155552671", email_consent=False, sms_consent=True)
    async with services.db.tenant(tenant.account_id) as session:
        await session.execute(update(Contact).where(Contact.email == "bo@ex.org").values(unsubscribed_at=func.now()))
    assert await reached(services, tenant, "tag:vip") == {"ann@acme.io"}
    assert await reached(services, tenant, "tag:vip", "sms") == {"text@ex.org"}
    async with services.db.tenant(tenant.account_id) as session:
        bound = await audiences.bind(session, audiences.parse("tag:vip"))
        assert await audiences.size(session, bound, "email") == audiences.Size(reachable=1, skipped=3)


async def test_a_merged_away_contact_is_never_reached(services, crm):
    tenant, _, _ = crm
    from core.crm import contacts

    await contacts.merge_contacts(services, tenant, duplicate="eve@acme.io", survivor="ann@acme.io")
    assert await reached(services, tenant, "company:acme") == {"ann@acme.io"}


async def test_values_are_bound_parameters_never_sql(services, crm):
    tenant, _, _ = crm
    hostile = "x') OR true --"
    await add_contact(services, tenant, "zed@ex.org", company=hostile)
    assert await reached(services, tenant, f'company:"{hostile}"') == {"zed@ex.org"}
    async with services.db.tenant(tenant.account_id) as session:
        bound = await audiences.bind(session, audiences.parse(f'company:"{hostile}"'))
    compiled = bound.recipients("email").compile()
    assert hostile not in str(compiled) and hostile.lower() in compiled.params.values()
    with pytest.raises(Invalid, match="is not a tag"):
        audiences.parse("tag:o'brien")


@pytest.mark.parametrize(("text", "sentence"), [
    ("", "Say who gets the campaign"),
    ("everyone", "“everyone” is not an audience term"),
    ("tag:vip tag:staff", "Join “tag:vip” and “tag:staff” with and or or."),
    ("(tag:vip", "Close the “(” in the audience with a “)”."),
    ("tag:vip)", "The audience has a “)” without its “(”."),
    ("tag:vip and", "Finish the audience after “and”."),
    ("event:gala:maybe", "After event:gala: say bought, attended, no-show, guestlist or waitlist, not “maybe”."),
    ("company:\"Acme", "Close the quote you opened"),
    ("tag:", "Name one tag after tag:"),
])
def test_a_bad_audience_is_one_sentence(text, sentence):
    with pytest.raises(Invalid) as caught:
        audiences.parse(text)
    assert sentence in caught.value.message and caught.value.message.count(". ") == 0


async def test_unknown_events_and_companies_are_named(services, crm):
    tenant, _, _ = crm
    with pytest.raises(NotFound, match="No event has the slug `nope`"):
        await reached(services, tenant, "event:nope:attended")
    with pytest.raises(NotFound, match="No company is named “Initech”"):
        await reached(services, tenant, "company:Initech")


def test_the_stored_spelling_is_canonical():
    assert audiences.parse('TAG:VIP AND NOT (company:"Acme Events" OR event:Gala:noshow)').text == (
        'tag:vip and not (company:"Acme Events" or event:gala:no-show)'
    )
