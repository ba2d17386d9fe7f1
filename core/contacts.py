"""Contacts: create, update, tag, link to companies, consent, merge; the shared upsert for sales."""

import re
import uuid

from sqlalchemy import case, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Invalid
from core.phones import normalize_phone
from db.models import Company, Contact

EMAIL = re.compile(r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$")
FREE_MAIL = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "ymail.com", "hotmail.com",
    "hotmail.co.uk", "outlook.com", "live.com", "msn.com", "aol.com", "icloud.com", "me.com",
    "mac.com", "proton.me", "protonmail.com", "gmx.com", "gmx.de", "gmx.net", "web.de",
    "mail.com", "zoho.com", "yandex.com", "yandex.ru", "mail.ru", "qq.com", "163.com",
    "fastmail.com", "hey.com", "tutanota.com", "orange.fr", "free.fr", "laposte.net",
    "libero.it", "t-online.de", "btinternet.com", "comcast.net", "verizon.net", "att.net",
})


def normalize_email(raw: str) -> str:
    """The stored form of an email (trimmed, lower-case); Invalid when it is not one."""
    email = (raw or "").strip().strip("<>").lower()
    if email.startswith("mailto:"):
        email = email[len("mailto:"):]
    if len(email) > 254 or not EMAIL.match(email) or ".." in email:
        raise Invalid(f"`{raw}` is not an email address; write it like `ann@example.com`.")
    return email


def email_domain(email: str) -> str | None:
    """The company domain an email suggests, or None for free-mail providers."""
    domain = email.rsplit("@", 1)[-1]
    return None if domain in FREE_MAIL else domain


def split_name(name: str | None) -> tuple[str | None, str | None]:
    """First word as first name, the rest as last name."""
    parts = (name or "").split()
    if not parts:
        return None, None
    return parts[0], " ".join(parts[1:]) or None


def _company_by_domain(account_id: uuid.UUID, domain: str | None, column):
    return (
        select(column)
        .where(Company.account_id == account_id, Company.domain == domain)
        .order_by(Company.created_at, Company.id)
        .limit(1)
        .scalar_subquery()
    )


async def upsert_contact(
    session: AsyncSession,
    account_id: uuid.UUID,
    *,
    email: str,
    name: str | None = None,
    phone: str | None = None,
    region: str | None = None,
) -> uuid.UUID:
    """The id of the contact with this email, created if new, inside the caller's transaction.

    Fills in a missing name and phone, never overwrites them; a new contact is linked to the
    company whose domain matches its email. A merged-away contact answers with its survivor.
    """
    email = normalize_email(email)
    first, last = split_name(name)
    phone = normalize_phone(phone, region) if phone else None
    domain = email_domain(email)
    excluded = insert(Contact).excluded
    statement = insert(Contact).values(
        account_id=account_id, email=email, first_name=first, last_name=last, phone=phone,
        company_id=_company_by_domain(account_id, domain, Company.id) if domain else None,
        company_name=_company_by_domain(account_id, domain, Company.name) if domain else None,
    )
    unnamed = Contact.first_name.is_(None) & Contact.last_name.is_(None)
    # One statement: two concurrent sales to a new email both land on the same row.
    statement = statement.on_conflict_do_update(
        index_elements=["account_id", "email"],
        set_={
            "first_name": func.coalesce(Contact.first_name, excluded.first_name),
            "last_name": case((unnamed, excluded.last_name), else_=Contact.last_name),
            "phone": func.coalesce(Contact.phone, excluded.phone),
            "company_id": func.coalesce(Contact.company_id, excluded.company_id),
            "company_name": case((Contact.company_id.is_(None), excluded.company_name), else_=Contact.company_name),
            "updated_at": func.now(),
        },
    ).returning(func.coalesce(Contact.merged_into_id, Contact.id))
    return (await session.execute(statement)).scalar_one()
