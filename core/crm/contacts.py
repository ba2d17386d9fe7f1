"""Contacts: add, edit, tag, consent, merge duplicates, find, and the shared upsert for sales."""

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ScalarSelect, Select, and_, bindparam, case, exists, func, select, text, true, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core.accounts.permissions import Action, require
from core.context import TenantContext
from core.crm import names
from core.crm.companies import email_domain, ensure_company
from core.crm.phones import normalize_phone, region_for_timezone
from core.crm.search import ContactHit, search_contacts
from core.errors import Conflict, Invalid, Next, NextStep, NotFound, Thing
from core.services import Services
from db.enums import Channel
from db.models import (
    Attendee,
    CampaignRecipient,
    Company,
    ConsentChange,
    Contact,
    ContactThread,
    GuestEntry,
    Interaction,
    Order,
)

EMAIL = re.compile(
    r"^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$"
)
TAG = re.compile(r"^[\w][\w.-]{0,39}$")
MAX_NAME = 200
# The contact's tags plus :add minus :remove, each once, in the order first seen.
MERGED_TAGS = text(
    "ARRAY(SELECT t FROM unnest(contacts.tags || CAST(:add AS text[])) WITH ORDINALITY AS u(t, n)"
    " WHERE t <> ALL(CAST(:remove AS text[])) GROUP BY t ORDER BY min(n))"
)


@dataclass(frozen=True)
class ConsentState:
    granted: bool
    changed_at: datetime | None
    source: str | None


@dataclass(frozen=True)
class ContactView:
    id: uuid.UUID
    email: str
    first_name: str | None
    last_name: str | None
    phone: str | None
    company_name: str | None
    tags: list[str]
    email_consent: ConsentState
    sms_consent: ConsentState

    @property
    def name(self) -> str:
        return names.display_name(self.first_name, self.last_name, self.email)


@dataclass(frozen=True)
class ConsentResult:
    contact: ContactView
    changed: list[tuple[str, bool]]


# --- input --------------------------------------------------------------------------------


def normalize_email(raw: str) -> str:
    """The stored form of an email (trimmed, lower-case); Invalid when it is not one."""
    email = (raw or "").strip().strip("<>").lower().removeprefix("mailto:")
    if len(email) > 254 or ".." in email or not EMAIL.match(email):
        shown = (raw or "").strip() or "(nothing)"
        raise Invalid(f"`{shown}` is not an email address; write it like `ann@example.com`.", field="email")
    return email


def split_name(name: str | None) -> tuple[str | None, str | None]:
    """First word as first name, the rest as last name; None, None for a blank name."""
    parts = (name or "").split()
    if len(" ".join(parts)) > MAX_NAME:
        raise Invalid(f"Keep the name under {MAX_NAME} characters.", field="name")
    if not parts:
        return None, None
    return parts[0], " ".join(parts[1:]) or None


def normalize_tags(raw: list[str] | tuple[str, ...] | str | None) -> list[str]:
    """Lower-case tags without `#`, in order, each once; Invalid for one with spaces or symbols."""
    items = raw.replace(",", " ").split() if isinstance(raw, str) else [t for r in raw or () for t in r.replace(",", " ").split()]
    tags: list[str] = []
    for item in items:
        tag = item.strip().lstrip("#").lower()
        if not TAG.match(tag):
            raise Invalid(f"`{item}` is not a tag; use letters, digits, `-` or `.` (up to 40), like `vip`.", field="tags")
        if tag not in tags:
            tags.append(tag)
    return tags


# --- shared with selling, check-in and campaigns (inside the caller's transaction) ----------


def _company_by_domain(column):
    """The oldest company of the account bound as `domain_account` whose domain is the bound `domain` (none for NULL)."""
    return (
        select(column)
        .where(Company.account_id == bindparam("domain_account"), Company.domain == bindparam("domain"))
        .order_by(Company.created_at, Company.id)
        .limit(1)
        .scalar_subquery()
    )


_C = Contact.__table__
_UNNAMED = _C.c.first_name.is_(None) & _C.c.last_name.is_(None)
# Built once (every sale upserts its buyer): one statement, so two concurrent sales to a new email
# both land on the same row. Fills in a missing name, phone and company, never overwrites them.
_UPSERT = (
    insert(_C)
    .values(
        account_id=bindparam("account_id"), email=bindparam("email"), first_name=bindparam("first_name"),
        last_name=bindparam("last_name"), phone=bindparam("phone"),
        company_id=_company_by_domain(Company.id), company_name=_company_by_domain(Company.name),
    )
)
_UPSERT = _UPSERT.on_conflict_do_update(
    index_elements=["account_id", "email"],
    set_={
        "first_name": case((_UNNAMED, _UPSERT.excluded.first_name), else_=_C.c.first_name),
        "last_name": case((_UNNAMED, _UPSERT.excluded.last_name), else_=_C.c.last_name),
        "phone": func.coalesce(_C.c.phone, _UPSERT.excluded.phone),
        "company_id": func.coalesce(_C.c.company_id, _UPSERT.excluded.company_id),
        "company_name": case((_C.c.company_id.is_(None), _UPSERT.excluded.company_name), else_=_C.c.company_name),
        "updated_at": func.now(),
    },
).returning(func.coalesce(_C.c.merged_into_id, _C.c.id))


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
    `region` (ISO country) reads a phone typed without `+`.
    """
    email = normalize_email(email)
    first, last = split_name(name)
    values = {
        "account_id": account_id, "email": email, "first_name": first, "last_name": last,
        "phone": normalize_phone(phone, region) if phone else None,
        "domain_account": account_id, "domain": email_domain(email),
    }
    return (await session.execute(_UPSERT, values)).scalar_one()


async def record_consent(
    session: AsyncSession,
    account_id: uuid.UUID,
    *,
    contact_id: uuid.UUID,
    channel: str,
    granted: bool,
    source: str,
    user_id: uuid.UUID | None = None,
) -> bool:
    """Set one consent flag and log the change with its source; False when it already had that value."""
    flag = Contact.email_consent if Channel(channel) == Channel.EMAIL else Contact.sms_consent
    # The conditional update takes the row lock, so of two identical concurrent changes only
    # one finds the flag different and writes a history row.
    changed = (
        await session.execute(
            update(Contact)
            .where(Contact.account_id == account_id, Contact.id == contact_id, flag.is_distinct_from(granted))
            .values({flag: granted, Contact.updated_at: func.now()})
            .returning(Contact.id)
        )
    ).scalar_one_or_none()
    if changed is None:
        return False
    await session.execute(
        insert(ConsentChange).values(
            account_id=account_id, contact_id=contact_id, channel=channel, granted=granted, source=source, user_id=user_id,
        )
    )
    return True


# --- use cases ----------------------------------------------------------------------------


async def find_contacts(services: Services, tenant: TenantContext, *, query: str) -> list[ContactHit]:
    """Contacts matching `query`, exact email first, then prefixes, then words (door staff too)."""
    require(tenant, Action.FIND_CONTACTS)
    if not (query or "").strip():
        raise Invalid("Say what to look for.", next_step=Next.to(NextStep.FIND_CONTACTS))
    async with services.db.tenant(tenant.account_id) as session:
        return await search_contacts(session, query)


async def pick_contacts(services: Services, tenant: TenantContext, *, query: str) -> list[ContactHit]:
    """Typeahead for a contact picker: like find, quiet on an empty query."""
    require(tenant, Action.PICK_CONTACTS)
    async with services.db.tenant(tenant.account_id) as session:
        return await search_contacts(session, query, limit=20)


async def add_contact(
    services: Services,
    tenant: TenantContext,
    *,
    email: str,
    name: str | None = None,
    phone: str | None = None,
    company: str | None = None,
    tags: list[str] | None = None,
) -> ContactView:
    """Create a contact; its company is the one named, else the one its email domain belongs to."""
    require(tenant, Action.ADD_CONTACTS)
    email = normalize_email(email)
    first, last = split_name(name)
    phone = normalize_phone(phone, region_for_timezone(tenant.timezone)) if phone and phone.strip() else None
    tags = normalize_tags(tags)
    async with services.db.tenant(tenant.account_id) as session:
        values = dict(account_id=tenant.account_id, email=email, first_name=first, last_name=last, phone=phone, tags=tags)
        if company and company.strip():
            values["company_id"], values["company_name"] = await ensure_company(session, tenant.account_id, company)
        elif email_domain(email):
            values["company_id"] = _company_by_domain(Company.id)
            values["company_name"] = _company_by_domain(Company.name)
        contact_id = (
            await session.execute(
                insert(Contact).values(**values).on_conflict_do_nothing(index_elements=["account_id", "email"]).returning(Contact.id),
                {"domain_account": tenant.account_id, "domain": email_domain(email)},
            )
        ).scalar_one_or_none()
        if contact_id is None:
            raise Conflict(f"{email} is a contact already.", next_step=Next.to(NextStep.SHOW_CONTACT, email=email), field="email")
        return await load_contact(session, contact_id)


async def update_contact(
    services: Services,
    tenant: TenantContext,
    *,
    contact_id: uuid.UUID,
    name: str | None,
    phone: str | None,
    company: str | None,
    tags: list[str] | None,
) -> ContactView:
    """Replace a contact's name, phone, company and tags (blank clears them)."""
    require(tenant, Action.EDIT_CONTACTS)
    first, last = split_name(name)
    phone = normalize_phone(phone, region_for_timezone(tenant.timezone)) if phone and phone.strip() else None
    tags = normalize_tags(tags)
    async with services.db.tenant(tenant.account_id) as session:
        company_id, company_name = (None, None)
        if company and company.strip():
            company_id, company_name = await ensure_company(session, tenant.account_id, company)
        updated = (
            await session.execute(
                update(Contact)
                .where(Contact.id == contact_id, Contact.merged_into_id.is_(None))
                .values(first_name=first, last_name=last, phone=phone, company_id=company_id,
                        company_name=company_name, tags=tags, updated_at=func.now())
                .returning(Contact.id)
            )
        ).scalar_one_or_none()
        if updated is None:
            raise NotFound(
                "That contact is gone or was merged into another.", kind=Thing.CONTACT,
                next_step=Next.to(NextStep.FIND_CONTACT_AGAIN),
            )
        return await load_contact(session, contact_id)


async def set_phone(services: Services, tenant: TenantContext, *, email: str, phone: str) -> ContactView:
    """Give a contact a phone number (read in the account's country when it has no +code)."""
    require(tenant, Action.EDIT_CONTACTS)
    number = normalize_phone(phone, region_for_timezone(tenant.timezone))
    async with services.db.tenant(tenant.account_id) as session:
        contact_id = await contact_id_for(session, email)
        await session.execute(update(Contact).where(Contact.id == contact_id).values(phone=number, updated_at=func.now()))
        return await load_contact(session, contact_id)


async def tag_contact(
    services: Services, tenant: TenantContext, *, email: str, add: list[str], remove: list[str] = (),
) -> ContactView:
    """Add tags to a contact (and drop `remove`), keeping each tag once."""
    require(tenant, Action.TAG_CONTACTS)
    add, remove = normalize_tags(add), normalize_tags(remove)
    if not add and not remove:
        raise Invalid("Name the tags.", next_step=Next.to(NextStep.TAG_CONTACT))
    async with services.db.tenant(tenant.account_id) as session:
        contact_id = await contact_id_for(session, email)
        # One UPDATE computes the new array from the row itself, so concurrent taggings add up.
        await session.execute(
            update(Contact)
            .where(Contact.id == contact_id)
            .values(tags=MERGED_TAGS.bindparams(add=add, remove=remove), updated_at=func.now())
        )
        return await load_contact(session, contact_id)


async def set_consent(
    services: Services,
    tenant: TenantContext,
    *,
    email: str,
    email_consent: bool | None = None,
    sms_consent: bool | None = None,
    source: str = "slack",
) -> ConsentResult:
    """Record email and/or SMS consent given or withdrawn, with who changed it, when and how."""
    require(tenant, Action.CHANGE_CONSENT)
    if email_consent is None and sms_consent is None:
        raise Invalid("Say which consent to set: `email=yes|no` and/or `sms=yes|no`.")
    async with services.db.tenant(tenant.account_id) as session:
        contact_id = await contact_id_for(session, email)
        if sms_consent and not await session.scalar(select(Contact.phone).where(Contact.id == contact_id)):
            raise Invalid("Add a phone number before recording SMS consent.", next_step=Next.to(NextStep.ADD_PHONE, email=email))
        changed = []
        for channel, granted in ((Channel.EMAIL, email_consent), (Channel.SMS, sms_consent)):
            if granted is not None and await record_consent(
                session, tenant.account_id, contact_id=contact_id, channel=channel, granted=granted,
                source=source, user_id=tenant.user_id,
            ):
                changed.append((channel, granted))
        return ConsentResult(await load_contact(session, contact_id), changed)


@dataclass(frozen=True)
class MergePlan:
    """What a merge would fold together, shown for confirmation."""

    duplicate: ContactView
    survivor: ContactView
    orders: int
    interactions: int


async def plan_merge(services: Services, tenant: TenantContext, *, duplicate: str, survivor: str) -> MergePlan:
    """Check a merge without making it (organizers): both contacts and what moves over."""
    require(tenant, Action.MERGE_CONTACTS)
    async with services.db.tenant(tenant.account_id) as session:
        old, new = await _merge_pair(session, duplicate, survivor, lock=False)
        orders = await session.scalar(select(func.count()).select_from(Order).where(Order.contact_id == old.id))
        entries = await session.scalar(select(func.count()).select_from(Interaction).where(Interaction.contact_id == old.id))
        return MergePlan(await load_contact(session, old.id), await load_contact(session, new.id), orders or 0, entries or 0)


async def _merge_pair(session: AsyncSession, duplicate: str, survivor: str, *, lock: bool) -> tuple[Contact, Contact]:
    duplicate, survivor = normalize_email(duplicate), normalize_email(survivor)
    if duplicate == survivor:
        raise Invalid("Name two different contacts.", next_step=Next.to(NextStep.MERGE_CONTACTS))
    query = select(Contact).where(Contact.email.in_([duplicate, survivor])).order_by(Contact.id)
    # Both rows locked in one order, so two opposite merges cannot interleave into a cycle.
    rows = {c.email: c for c in (await session.scalars(query.with_for_update() if lock else query)).all()}
    for email in (duplicate, survivor):
        if email not in rows:
            raise NotFound(
                f"No contact has the email {email}.", kind=Thing.CONTACT, asked=email,
                next_step=Next.to(NextStep.CHECK_CONTACT, email=email),
            )
        if rows[email].merged_into_id is not None:
            raise Conflict(f"{email} was merged into another contact already; merge using that one.")
    return rows[duplicate], rows[survivor]


async def merge_contacts(services: Services, tenant: TenantContext, *, duplicate: str, survivor: str) -> ContactView:
    """Fold the duplicate into the survivor: its orders, tickets, timeline and threads move over."""
    require(tenant, Action.MERGE_CONTACTS)
    async with services.db.tenant(tenant.account_id) as session:
        old, new = await _merge_pair(session, duplicate, survivor, lock=True)
        await _move_everything(session, old.id, new.id)
        new.first_name, new.last_name = (new.first_name, new.last_name) if new.first_name or new.last_name else (old.first_name, old.last_name)
        new.phone = new.phone or old.phone
        if new.company_id is None:
            new.company_id, new.company_name = old.company_id, old.company_name
        new.tags = list(dict.fromkeys([*(new.tags or []), *(old.tags or [])]))
        new.updated_at = func.now()
        old.merged_into_id = new.id
        old.updated_at = func.now()
        await session.flush()
        await session.execute(update(Contact).where(Contact.merged_into_id == old.id).values(merged_into_id=new.id))
        return await load_contact(session, new.id)


async def _move_everything(session: AsyncSession, old: uuid.UUID, new: uuid.UUID) -> None:
    for model in (Order, Attendee, ConsentChange, ContactThread, GuestEntry):
        await session.execute(update(model).where(model.contact_id == old).values(contact_id=new))
    # A message or purchase already on the survivor's timeline stays once (unique source_key).
    twin = Interaction.__table__.alias("twin")
    await session.execute(
        update(Interaction)
        .where(Interaction.contact_id == old)
        .where(
            Interaction.source_key.is_(None)
            | ~exists().where(and_(twin.c.contact_id == new, twin.c.source_key == Interaction.source_key))
        )
        .values(contact_id=new)
    )
    recipient = CampaignRecipient.__table__.alias("twin")
    await session.execute(
        update(CampaignRecipient)
        .where(CampaignRecipient.contact_id == old)
        .where(~exists().where(and_(recipient.c.contact_id == new, recipient.c.campaign_id == CampaignRecipient.campaign_id)))
        .values(contact_id=new)
    )


# --- reading ------------------------------------------------------------------------------


async def contact_id_for(session: AsyncSession, email: str) -> uuid.UUID:
    """The live contact with this email (following a merge); NotFound says how to add it."""
    email = normalize_email(email)
    found = await session.scalar(
        select(func.coalesce(Contact.merged_into_id, Contact.id)).where(Contact.email == email)
    )
    if found is None:
        raise _no_contact_with(email)
    return found


def _no_contact_with(email: str) -> NotFound:
    return NotFound(
        f"No contact has the email {email}.", kind=Thing.CONTACT, asked=email,
        next_step=Next.to(NextStep.ADD_CONTACT, email=email),
    )


def _latest_consent(channel: Channel):
    """The time and source of the contact's last consent change on `channel` (a lateral row, null without one)."""
    return (
        select(ConsentChange.created_at, ConsentChange.source)
        .where(ConsentChange.contact_id == Contact.id, ConsentChange.channel == channel)
        .order_by(ConsentChange.created_at.desc(), ConsentChange.id.desc())
        .limit(1)
        .lateral(f"latest_{channel}")
    )


def _contact_view(contact_id) -> Select:
    """The contact with this id and its consent's latest changes, as one row of ContactView's fields."""
    by_email, by_sms = _latest_consent(Channel.EMAIL), _latest_consent(Channel.SMS)
    return (
        select(
            Contact.id, Contact.email, Contact.first_name, Contact.last_name, Contact.phone, Contact.company_name,
            Contact.tags, Contact.email_consent, by_email.c.created_at, by_email.c.source,
            Contact.sms_consent, by_sms.c.created_at, by_sms.c.source,
        )
        .select_from(Contact)
        .outerjoin(by_email, true())
        .outerjoin(by_sms, true())
        .where(Contact.id == contact_id)
    )


def _live_id(by: str) -> ScalarSelect:
    """The id of the contact whose `by` column is bound as `by`, or of the one it was merged into."""
    asked = aliased(Contact, name="asked")
    return (
        select(func.coalesce(asked.merged_into_id, asked.id))
        .where(getattr(asked, by) == bindparam(by))
        .scalar_subquery()
    )


# Built once: loading a contact is one round trip and no statement construction.
_CONTACT = _contact_view(bindparam("contact_id"))
_LIVE_CONTACT_BY_EMAIL = _contact_view(_live_id("email"))
_LIVE_CONTACT_BY_ID = _contact_view(_live_id("id"))


def _as_view(row) -> ContactView:
    (id_, email, first_name, last_name, phone, company_name, tags,
     email_consent, email_changed_at, email_source, sms_consent, sms_changed_at, sms_source) = row
    return ContactView(
        id_, email, first_name, last_name, phone, company_name, list(tags or []),
        ConsentState(email_consent, email_changed_at, email_source), ConsentState(sms_consent, sms_changed_at, sms_source),
    )


async def load_contact(session: AsyncSession, contact_id: uuid.UUID) -> ContactView:
    """One contact with the time and source of its current consent."""
    return _as_view((await session.execute(_CONTACT, {"contact_id": contact_id})).one())


async def live_contact(session: AsyncSession, *, email: str | None = None, contact_id: uuid.UUID | None = None) -> ContactView:
    """The live contact (following a merge) with this id, else this email; NotFound says what to do instead."""
    if contact_id is not None:
        row = (await session.execute(_LIVE_CONTACT_BY_ID, {"id": contact_id})).first()
        if row is None:
            raise NotFound("That contact is gone.", kind=Thing.CONTACT, next_step=Next.to(NextStep.FIND_CONTACT_AGAIN))
        return _as_view(row)
    email = normalize_email(email or "")
    row = (await session.execute(_LIVE_CONTACT_BY_EMAIL, {"email": email})).first()
    if row is None:
        raise _no_contact_with(email)
    return _as_view(row)
