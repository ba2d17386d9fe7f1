"""The shared contact upsert and interaction recorder other features call inside their transactions."""

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from core.crm.contacts import upsert_contact
from core.crm.interactions import record_interaction
from core.errors import Invalid
from db.models import Company, Contact, Interaction


async def test_upsert_contact_creates_once_and_fills_missing_name(services, make_tenant):
    tenant = await make_tenant()
    async with services.db.tenant(tenant.account_id) as session:
        first = await upsert_contact(session, tenant.account_id, email=" Ann@Example.COM ")
    async with services.db.tenant(tenant.account_id) as session:
        again = await upsert_contact(session, tenant.account_id, email="ann@example.com", name="Ann Lee Smith")
        await upsert_contact(session, tenant.account_id, email="ann@example.com", name="Someone Else")
        contact = await session.get(Contact, first)
    assert again == first
    assert (contact.email, contact.first_name, contact.last_name) == ("ann@example.com", "Ann", "Lee Smith")


async def test_concurrent_upserts_of_one_email_make_one_contact(services, make_tenant):
    tenant = await make_tenant()

    async def upsert():
        async with services.db.tenant(tenant.account_id) as session:
            return await upsert_contact(session, tenant.account_id, email="race@example.com", name="Race")

    ids = await asyncio.gather(*(upsert() for _ in range(8)))
    async with services.db.tenant(tenant.account_id) as session:
        count = await session.scalar(select(func.count()).select_from(Contact).where(Contact.email == "race@example.com"))
    assert len(set(ids)) == 1 and count == 1


async def test_new_contact_is_linked_to_company_by_domain_but_not_free_mail(services, make_tenant):
    tenant = await make_tenant()
    async with services.db.tenant(tenant.account_id) as session:
        session.add(Company(account_id=tenant.account_id, name="Acme", domain="acme.io"))
        await session.flush()
        work = await upsert_contact(session, tenant.account_id, email="bo@acme.io")
        home = await upsert_contact(session, tenant.account_id, email="bo@gmail.com")
        rows = {c.id: c for c in (await session.scalars(select(Contact))).all()}
    assert rows[work].company_name == "Acme" and rows[work].company_id is not None
    assert rows[home].company_id is None


async def test_upsert_contact_rejects_a_malformed_email(services, make_tenant):
    tenant = await make_tenant()
    with pytest.raises(Invalid):
        async with services.db.tenant(tenant.account_id) as session:
            await upsert_contact(session, tenant.account_id, email="not-an-email")


async def test_record_interaction_with_one_source_key_is_recorded_once(services, make_tenant):
    tenant = await make_tenant()
    when = datetime(2026, 5, 1, 12, tzinfo=UTC)
    async with services.db.tenant(tenant.account_id) as session:
        contact = await upsert_contact(session, tenant.account_id, email="cy@example.com")

    async def record():
        async with services.db.tenant(tenant.account_id) as session:
            return await record_interaction(
                session, tenant.account_id, contact_id=contact, kind="purchase", body="Bought 2 tickets",
                occurred_at=when, source_key="order:ABC",
            )

    results = await asyncio.gather(*(record() for _ in range(5)))
    async with services.db.tenant(tenant.account_id) as session:
        count = await session.scalar(select(func.count()).select_from(Interaction).where(Interaction.contact_id == contact))
    assert count == 1 and sum(r is not None for r in results) == 1
