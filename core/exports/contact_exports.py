"""A contact export: the contacts an audience names (all of them by default), streamed in pages."""

from typing import BinaryIO

from sqlalchemy import select

from core.accounts.permissions import Action, require
from core.campaigns import audiences
from core.context import TenantContext
from core.exports._csv_file import local, write_csv
from core.exports.streaming import Export, stream
from core.services import Services
from core.text.slugs import slugify
from core.time.local_time import zone
from db.models import Contact


async def export_contacts(services: Services, tenant: TenantContext, *, audience: str | None, out: BinaryIO) -> Export:
    """Write the CSV into `out` (sales and up): merged-away contacts are left out; consent is shown as it stands."""
    require(tenant, Action.EXPORT_CONTACTS)
    parsed = audiences.parse(audience or "all")
    tz = zone(tenant.timezone)
    async with services.db.tenant(tenant.account_id) as session:
        bound = await audiences.bind(session, parsed)
        query = (
            select(
                Contact.email, Contact.first_name, Contact.last_name, Contact.phone, Contact.company_name, Contact.tags,
                Contact.email_consent, Contact.sms_consent, Contact.unsubscribed_at, Contact.created_at,
            )
            .where(Contact.merged_into_id.is_(None), bound.condition())
            .order_by(Contact.created_at, Contact.id)
        )
        header = (
            "email", "first_name", "last_name", "phone", "company", "tags", "email_consent", "sms_consent",
            f"unsubscribed_at ({tenant.timezone})", f"created_at ({tenant.timezone})",
        )
        written = await write_csv(out, header, stream(session, query, lambda r: (
            r.email, r.first_name, r.last_name, r.phone, r.company_name, ",".join(r.tags or ()),
            "yes" if r.email_consent else "no", "yes" if r.sms_consent else "no", local(r.unsubscribed_at, tz),
            local(r.created_at, tz),
        )))
    day = services.clock.now().astimezone(tz).strftime("%Y-%m-%d")
    name = "all" if parsed.text == "all" else slugify(parsed.text, "audience")[:40].strip("-")
    return Export(f"contacts-{name}-{day}.csv", f"Contacts: {parsed.text}", written.rows, written.size)
