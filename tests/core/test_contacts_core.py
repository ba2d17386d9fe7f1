"""Contact use cases against PostgreSQL: tags, consent history, companies, merges, under concurrency."""

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from core.crm import companies, contacts
from core.crm.contacts import upsert_contact
from core.crm.interactions import record_interaction
from core.errors import Conflict, Forbidden, Invalid
from db.models import Attendee, Company, ConsentChange, Contact, Interaction, Order
from tests.support.door_factories import make_event, make_ticket


async def scalar(services, tenant, statement):
    async with services.db.tenant(tenant.account_id) as session:
        return await session.scalar(statement)


async def test_concurrent_taggings_all_land_once_each(services, make_tenant):
    tenant = await make_tenant("sales")
    await contacts.add_contact(services, tenant, email="ann@acme.io", tags=["vip"])
    tags = ["a1", "b2", "c3", "d4", "e5", "vip"]
    await asyncio.gather(*(contacts.tag_contact(services, tenant, email="ann@acme.io", add=[t]) for t in tags))
    final = await scalar(services, tenant, select(Contact.tags).where(Contact.email == "ann@acme.io"))
    assert sorted(final) == sorted(tags)


async def test_concurrent_identical_consent_changes_write_one_history_row(services, make_tenant):
    tenant = await make_tenant("sales")
    await contacts.add_contact(services, tenant, email="ann@acme.io", phone="+14155552671")
    results = await asyncio.gather(*(
        contacts.set_consent(services, tenant, email="ann@acme.io", email_consent=True, source="slack") for _ in range(6)
    ))
    assert sum(len(r.changed) for r in results) == 1
    withdrawn = await contacts.set_consent(services, tenant, email="ann@acme.io", email_consent=False, sms_consent=True)
    assert withdrawn.changed == [("email", False), ("sms", True)]
    history = await scalar(services, tenant, select(func.count()).select_from(ConsentChange))
    assert history == 3
    assert withdrawn.contact.sms_consent.granted and withdrawn.contact.sms_consent.source == "slack"


async def test_sms_consent_needs_a_phone_and_saves_nothing_without_one(services, make_tenant):
    tenant = await make_tenant()
    await contacts.add_contact(services, tenant, email="ann@acme.io")
    with pytest.raises(Invalid, match="phone"):
        await contacts.set_consent(services, tenant, email="ann@acme.io", email_consent=True, sms_consent=True)
    assert await scalar(services, tenant, select(func.count()).select_from(ConsentChange)) == 0
    assert not await scalar(services, tenant, select(Contact.email_consent))


async def test_concurrent_new_contacts_naming_one_company_make_one_company(services, make_tenant):
    tenant = await make_tenant()
    await asyncio.gather(*(
        contacts.add_contact(services, tenant, email=f"p{i}@gmail.com", company="New Co") for i in range(6)
    ))
    assert await scalar(services, tenant, select(func.count()).select_from(Company)) == 1
    names = await scalar(services, tenant, select(func.array_agg(func.distinct(Contact.company_name))))
    assert names == ["New Co"]


async def test_company_domain_links_existing_and_new_contacts_but_never_free_mail(services, make_tenant):
    tenant = await make_tenant()
    await contacts.add_contact(services, tenant, email="bo@initech.com")
    with pytest.raises(Invalid, match="free-mail"):
        await companies.add_company(services, tenant, name="Gmail Fans", domain="gmail.com")
    card = await companies.add_company(services, tenant, name="Initech", domain="initech.com")
    assert card.contact_count == 1
    async with services.db.tenant(tenant.account_id) as session:
        later = await upsert_contact(session, tenant.account_id, email="cy@initech.com")
        assert (await session.get(Contact, later)).company_name == "Initech"
    with pytest.raises(Conflict):
        await companies.add_company(services, tenant, name="INITECH")


async def test_merge_moves_orders_attendees_and_timeline_and_keeps_each_source_once(services, make_tenant):
    tenant = await make_tenant()
    event = await make_event(services, tenant)
    await make_ticket(services, tenant, event, name="Ann Old", email="ann.old@gmail.com")
    await contacts.add_contact(services, tenant, email="ann@acme.io", name="Ann Lee", tags=["vip"])
    when = datetime(2026, 4, 1, tzinfo=UTC)
    async with services.db.tenant(tenant.account_id) as session:
        old = await session.scalar(select(Contact.id).where(Contact.email == "ann.old@gmail.com"))
        new = await session.scalar(select(Contact.id).where(Contact.email == "ann@acme.io"))
        for contact in (old, new):  # one Slack message logged on both duplicates
            await record_interaction(session, tenant.account_id, contact_id=contact, kind="slack", body="Hi",
                                     occurred_at=when, source_key="slack:C1:1.0")
        await record_interaction(session, tenant.account_id, contact_id=old, kind="note", body="Old note", occurred_at=when)

    survivor = await contacts.merge_contacts(services, tenant, duplicate="ann.old@gmail.com", survivor="ann@acme.io")

    assert (survivor.id, survivor.name, survivor.tags) == (new, "Ann Lee", ["vip"])
    async with services.db.tenant(tenant.account_id) as session:
        assert await session.scalar(select(Order.contact_id)) == new
        assert await session.scalar(select(Attendee.contact_id)) == new
        kinds = (await session.scalars(select(Interaction.kind).where(Interaction.contact_id == new).order_by(Interaction.kind))).all()
        assert kinds == ["note", "purchase", "slack"]  # the comp's purchase moved over, the message stayed once
        assert (await session.get(Contact, old)).merged_into_id == new
        assert await upsert_contact(session, tenant.account_id, email="ann.old@gmail.com") == new


async def test_opposite_merges_at_once_leave_one_survivor(services, make_tenant):
    tenant = await make_tenant()
    await contacts.add_contact(services, tenant, email="a@x.io")
    await contacts.add_contact(services, tenant, email="b@x.io")
    results = await asyncio.gather(
        contacts.merge_contacts(services, tenant, duplicate="a@x.io", survivor="b@x.io"),
        contacts.merge_contacts(services, tenant, duplicate="b@x.io", survivor="a@x.io"),
        return_exceptions=True,
    )
    assert sum(isinstance(r, Conflict) for r in results) == 1
    merged = await scalar(services, tenant, select(func.count()).select_from(Contact).where(Contact.merged_into_id.is_not(None)))
    assert merged == 1


async def test_merging_needs_an_organizer(services, make_tenant):
    tenant = await make_tenant("sales")
    with pytest.raises(Forbidden, match="organizer"):
        await contacts.merge_contacts(services, tenant, duplicate="a@x.io", survivor="b@x.io")


@pytest.mark.parametrize("raw", ["ann", "ann@", "@acme.io", "ann@acme", "a b@acme.io", "ann@acme..io", ""])
def test_malformed_emails_are_refused(raw):
    with pytest.raises(Invalid):
        contacts.normalize_email(raw)


def test_tags_are_lower_case_without_hash_and_once_each():
    assert contacts.normalize_tags(["#VIP, speaker", "vip"]) == ["vip", "speaker"]
    with pytest.raises(Invalid):
        contacts.normalize_tags(["no way!"])
