"""A contact's display name is one rule, and its Python and SQL forms give the same answer."""

import itertools

from sqlalchemy import select

from core.crm import companies, names
from db.models import Contact

PARTS = (None, "", "Ann", "Lee-Ørsted")


async def test_sql_and_python_name_every_contact_alike(services, make_tenant):
    tenant = await make_tenant()
    pairs = list(itertools.product(PARTS, PARTS))
    async with services.db.tenant(tenant.account_id) as session:
        session.add_all(
            Contact(account_id=tenant.account_id, email=f"c{n}@example.com", first_name=first, last_name=last)
            for n, (first, last) in enumerate(pairs)
        )
    async with services.db.tenant(tenant.account_id) as session:
        rows = (
            await session.execute(select(Contact.first_name, Contact.last_name, Contact.email, names.display_name_sql()))
        ).all()
    assert len(rows) == len(pairs)
    for first, last, email, in_sql in rows:
        assert in_sql == names.display_name(first, last, email)
    shown = {(first, last): in_sql for first, last, _, in_sql in rows}
    assert shown["Ann", "Lee-Ørsted"] == "Ann Lee-Ørsted"
    assert shown["", "Lee-Ørsted"] == "Lee-Ørsted"
    assert shown[None, ""].endswith("@example.com")


async def test_a_company_card_names_its_contacts_by_the_same_rule(services, make_tenant):
    tenant = await make_tenant()
    company = (await companies.add_company(services, tenant, name="Acme")).id
    async with services.db.tenant(tenant.account_id) as session:
        session.add_all([
            Contact(account_id=tenant.account_id, email="ann@acme.io", first_name="Ann", company_id=company),
            Contact(account_id=tenant.account_id, email="bo@acme.io", last_name="Berg", company_id=company),
            Contact(account_id=tenant.account_id, email="cy@acme.io", company_id=company),
        ])
    card = await companies.company_card(services, tenant, name="Acme")
    assert {(c.email, c.name) for c in card.contacts} == {
        ("ann@acme.io", "Ann"), ("bo@acme.io", "Berg"), ("cy@acme.io", "cy@acme.io"),
    }
