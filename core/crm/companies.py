"""Companies: add one (linking contacts by email domain), show one with its contacts."""

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from core.accounts.permissions import Action, require
from core.context import TenantContext
from core.crm import names
from core.errors import Conflict, Invalid, Next, NextStep, NotFound, Thing
from core.services import Services
from db.models import Company, Contact

DOMAIN = re.compile(r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$")
MAX_NAME = 200
SHOWN_CONTACTS = 20
FREE_MAIL = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "ymail.com", "hotmail.com",
    "hotmail.co.uk", "outlook.com", "live.com", "msn.com", "aol.com", "icloud.com", "me.com",
    "mac.com", "proton.me", "protonmail.com", "gmx.com", "gmx.de", "gmx.net", "web.de",
    "mail.com", "zoho.com", "yandex.com", "yandex.ru", "mail.ru", "qq.com", "163.com",
    "fastmail.com", "hey.com", "tutanota.com", "orange.fr", "free.fr", "laposte.net",
    "libero.it", "t-online.de", "btinternet.com", "comcast.net", "verizon.net", "att.net",
})


@dataclass(frozen=True)
class CompanyContact:
    email: str
    name: str


@dataclass(frozen=True)
class CompanyCard:
    id: uuid.UUID
    name: str
    domain: str | None
    contact_count: int
    contacts: list[CompanyContact]


def company_name(raw: str | None) -> str:
    """A company name on one line; Invalid when empty or too long."""
    name = " ".join((raw or "").split())
    if not name:
        raise Invalid('Give the company a name, for example name="Acme Events".', field="company")
    if len(name) > MAX_NAME:
        raise Invalid(f"Keep the company name under {MAX_NAME} characters.", field="company")
    return name


def normalize_domain(raw: str) -> str:
    """`https://www.Acme.io/about` → `acme.io`; Invalid for anything that is not a domain."""
    domain = raw.strip().lower()
    domain = re.sub(r"^[a-z]+://", "", domain).split("/", 1)[0].split("@")[-1].removeprefix("www.")
    if not DOMAIN.match(domain):
        raise Invalid(f"`{raw}` is not a domain; write it like `acme.io`.", field="domain")
    if domain in FREE_MAIL:
        raise Invalid(f"{domain} is a free-mail domain, so it cannot identify one company; leave domain= out.", field="domain")
    return domain


def email_domain(email: str) -> str | None:
    """The company domain an email suggests, or None for free-mail providers."""
    domain = email.rsplit("@", 1)[-1]
    return None if domain in FREE_MAIL else domain


async def ensure_company(session: AsyncSession, account_id: uuid.UUID, name: str) -> tuple[uuid.UUID, str]:
    """The (id, name) of the company called `name` (any case), created if there is none."""
    name = company_name(name)
    # The no-op update makes RETURNING answer for an existing row too; the unique index on
    # lower(name) makes two concurrent creations of one company end on one row.
    row = (
        await session.execute(
            insert(Company)
            .values(account_id=account_id, name=name)
            .on_conflict_do_update(index_elements=["account_id", text("lower(name)")], set_={"name": Company.name})
            .returning(Company.id, Company.name)
        )
    ).one()
    return row.id, row.name


async def add_company(services: Services, tenant: TenantContext, *, name: str, domain: str | None = None) -> CompanyCard:
    """Create a company; contacts without a company whose email is at `domain` join it."""
    require(tenant, Action.ADD_COMPANIES)
    name = company_name(name)
    domain = normalize_domain(domain) if domain else None
    async with services.db.tenant(tenant.account_id) as session:
        company_id = (
            await session.execute(
                insert(Company)
                .values(account_id=tenant.account_id, name=name, domain=domain)
                .on_conflict_do_nothing()
                .returning(Company.id)
            )
        ).scalar_one_or_none()
        if company_id is None:
            raise Conflict(
                f"There is a company called {name} already.", next_step=Next.to(NextStep.SHOW_COMPANY, name=name), field="company"
            )
        if domain:
            await session.execute(
                update(Contact)
                .where(Contact.company_id.is_(None), Contact.merged_into_id.is_(None))
                .where(func.split_part(Contact.email, "@", 2) == domain)
                .values(company_id=company_id, company_name=name, updated_at=func.now())
            )
        return await _card(session, company_id)


async def company_card(services: Services, tenant: TenantContext, *, name: str) -> CompanyCard:
    """A company found by name (any case), with its contacts."""
    require(tenant, Action.SEE_COMPANIES)
    name = company_name(name)
    async with services.db.tenant(tenant.account_id) as session:
        company_id = await session.scalar(select(Company.id).where(func.lower(Company.name) == name.lower()))
        if company_id is None:
            raise NotFound(f"No company called {name}.", kind=Thing.COMPANY, asked=name, next_step=Next.to(NextStep.ADD_COMPANY, name=name))
        return await _card(session, company_id)


async def _card(session: AsyncSession, company_id: uuid.UUID) -> CompanyCard:
    company = await session.get(Company, company_id)
    live = (Contact.company_id == company_id) & Contact.merged_into_id.is_(None)
    count = await session.scalar(select(func.count()).select_from(Contact).where(live))
    rows = (
        await session.execute(
            select(Contact.email, names.display_name_sql())
            .where(live)
            .order_by(func.lower(Contact.last_name).nulls_last(), func.lower(Contact.first_name), Contact.email)
            .limit(SHOWN_CONTACTS)
        )
    ).all()
    contacts = [CompanyContact(email, name) for email, name in rows]
    return CompanyCard(company.id, company.name, company.domain, count or 0, contacts)
