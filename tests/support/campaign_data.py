"""Arrange campaign tests: contacts with tags, companies and consent, made through the CRM's own use cases."""

from dataclasses import replace

from core.context import TenantContext
from core.crm import contacts
from core.errors import Conflict
from core.services import Services


async def add_contact(
    services: Services, tenant: TenantContext, email: str, *, name: str | None = None, tags: tuple[str, ...] = (),
    company: str | None = None, phone: str | None = None, email_consent: bool = True, sms_consent: bool = False,
) -> contacts.ContactView:
    """A contact (or the existing one with that email, tagged and consented as told)."""
    sales = replace(tenant, role="owner")
    try:
        contact = await contacts.add_contact(services, sales, email=email, name=name, phone=phone, company=company, tags=list(tags))
    except Conflict:
        async with services.db.tenant(tenant.account_id) as session:
            existing = await contacts.load_contact(session, await contacts.contact_id_for(session, email))
        contact = await contacts.update_contact(
            services, sales, contact_id=existing.id, name=name or existing.name, phone=phone or existing.phone,
            company=company or existing.company_name, tags=[*existing.tags, *tags],
        )
    if email_consent or sms_consent:
        result = await contacts.set_consent(
            services, sales, email=email, email_consent=email_consent or None, sms_consent=sms_consent or None,
        )
        contact = result.contact
    return contact
