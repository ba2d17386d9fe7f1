"""/contact, /company and /log: the CRM from the message box."""

from pydantic import BaseModel

from bot import errors, grammar
from bot.crm import views as views
from bot.exports.commands import handle_contact_export
from bot.router import HELP_WORDS, Command, Invocation, Subcommand, listener
from bot.text import escape, quoted, section
from core.accounts.permissions import Action, require
from core.crm import card as contact_card
from core.crm import companies, contacts, interactions

YES = frozenset({"yes", "y", "true", "on", "1", "granted", "opt-in", "optin"})
NO = frozenset({"no", "n", "false", "off", "0", "withdrawn", "opt-out", "optout"})


class ContactAddArgs(BaseModel):
    email: str
    name: str | None = None
    phone: str | None = None
    company: str | None = None
    tags: list[str] = []


class CompanyAddArgs(BaseModel):
    name: str
    domain: str | None = None


class ConsentArgs(BaseModel):
    contact: str
    email: str | None = None
    sms: str | None = None


def _one_email(inv: Invocation, usage: str) -> str:
    if len(inv.args.words) != 1 or inv.args.options:
        raise grammar.UsageError(f"Use `{usage}`.")
    return inv.args.words[0]


def _yes_no(value: str | None, key: str) -> bool | None:
    if value is None:
        return None
    word = value.strip().lower()
    if word in YES or word in NO:
        return word in YES
    raise grammar.UsageError(f"Write {key}=yes or {key}=no, not “{value}”.")


async def handle_find(inv: Invocation) -> None:
    query = inv.args.text_after(0)
    hits = await contacts.find_contacts(inv.services, inv.tenant, query=query)
    await inv.reply(f"{len(hits)} contacts for {quoted(query)}", views.search_results(query, hits, names_only=not inv.tenant.has_role("sales")))


async def handle_show(inv: Invocation) -> None:
    email = _one_email(inv, "/contact show EMAIL")
    card = await contact_card.contact_card(inv.services, inv.tenant, email=email)
    await inv.reply(views.card_text(card), views.contact_card(card, inv.tenant.timezone))


async def handle_add(inv: Invocation) -> None:
    args = grammar.bind(inv.args, ContactAddArgs)
    contact = await contacts.add_contact(inv.services, inv.tenant, **args.model_dump())
    card = await contact_card.contact_card(inv.services, inv.tenant, contact_id=contact.id)
    await inv.reply(f"Added {escape(contact.name)}.", [section(f"Added *{escape(contact.name)}*."), *views.contact_card(card, inv.tenant.timezone)])


async def open_add(inv: Invocation) -> None:
    require(inv.tenant, Action.ADD_CONTACTS)
    await inv.client.views_open(trigger_id=inv.trigger_id, view=views.add_contact_modal(inv.channel_id))


async def handle_tag(inv: Invocation) -> None:
    if len(inv.args.words) < 2 or inv.args.options:
        raise grammar.UsageError("Use `/contact tag EMAIL tag…`, for example `/contact tag ann@example.com vip speaker` (`-vip` removes one).")
    email, *words = inv.args.words
    add = [w for w in words if not w.startswith("-")]
    remove = [w[1:] for w in words if w.startswith("-")]
    contact = await contacts.tag_contact(inv.services, inv.tenant, email=email, add=add, remove=remove)
    tags = ", ".join(f"`{escape(t)}`" for t in contact.tags) or "no tags"
    await inv.reply(escape(f"{contact.name}: {', '.join(contact.tags)}"), [section(f"*{escape(contact.name)}* now has {tags}.")])


async def handle_phone(inv: Invocation) -> None:
    words = inv.args.words
    if len(words) < 2 or inv.args.options:
        raise grammar.UsageError("Use `/contact phone EMAIL NUMBER`, for example `/contact phone ann@example.com +4915123456789`.")
    contact = await contacts.set_phone(inv.services, inv.tenant, email=words[0], phone=" ".join(words[1:]))
    text = f"*{escape(contact.name)}*'s phone is now {escape(contact.phone or '')}."
    await inv.reply(text.replace("*", ""), [section(text)])


async def handle_consent(inv: Invocation) -> None:
    args = grammar.bind(inv.args, ConsentArgs, positional=("contact",))
    result = await contacts.set_consent(
        inv.services, inv.tenant, email=args.contact,
        email_consent=_yes_no(args.email, "email"), sms_consent=_yes_no(args.sms, "sms"),
    )
    name = escape(result.contact.name)
    if result.changed:
        said = " and ".join(f"{channel} consent {'given' if granted else 'withdrawn'}" for channel, granted in result.changed)
        text = f"Recorded for *{name}*: {said}."
    else:
        text = f"*{name}*'s consent was already like that; nothing changed."
    await inv.reply(text.replace("*", ""), [section(text)])


async def handle_merge(inv: Invocation) -> None:
    words = inv.args.words
    if len(words) != 3 or words[1].lower() != "into" or inv.args.options:
        raise grammar.UsageError("Use `/contact merge DUPLICATE into KEEP`, both as emails.")
    plan = await contacts.plan_merge(inv.services, inv.tenant, duplicate=words[0], survivor=words[2])
    await inv.reply(f"Merge {escape(plan.duplicate.email)} into {escape(plan.survivor.email)}?", views.merge_step(plan))


CONTACT = Command(
    name="/contact",
    summary="find, add, tag contacts and record their consent",
    subcommands=(
        Subcommand("find", "find QUERY", "search by email, name or company", handle_find, keys=(), free_text_after=0),
        Subcommand("show", "show EMAIL", "the contact card with its timeline", handle_show),
        Subcommand("add", "add email=… [name=…] [phone=…] [company=…] [tags=a,b]", "add a contact (no arguments: a form)",
                   handle_add, modal=open_add),
        Subcommand("tag", "tag EMAIL tag…", "add tags (`-tag` removes one)", handle_tag, keys=()),
        Subcommand("phone", "phone EMAIL NUMBER", "set a contact's phone number (needed before SMS consent)", handle_phone, keys=()),
        Subcommand("consent", "consent EMAIL [email=yes|no] [sms=yes|no]", "record consent given or withdrawn", handle_consent),
        Subcommand("merge", "merge DUPLICATE into KEEP", "fold a duplicate contact into another, after a confirmation", handle_merge, keys=()),
        Subcommand("export", "export [AUDIENCE]", "contacts as a CSV shared here: all, or an audience like tag:vip",
                   handle_contact_export, keys=(), free_text_after=0),
    ),
)


async def handle_company_add(inv: Invocation) -> None:
    args = grammar.bind(inv.args, CompanyAddArgs)
    company = await companies.add_company(inv.services, inv.tenant, name=args.name, domain=args.domain)
    await inv.reply(f"Added {escape(company.name)}.", [section(f"Added *{escape(company.name)}*."), *views.company_card(company)])


async def open_company_add(inv: Invocation) -> None:
    require(inv.tenant, Action.ADD_COMPANIES)
    await inv.client.views_open(trigger_id=inv.trigger_id, view=views.add_company_modal(inv.channel_id))


async def handle_company_show(inv: Invocation) -> None:
    company = await companies.company_card(inv.services, inv.tenant, name=grammar.one_value(inv.args.text_after(0)))
    await inv.reply(escape(company.name), views.company_card(company))


COMPANY = Command(
    name="/company",
    summary="companies and their contacts",
    subcommands=(
        Subcommand("add", "add name=… [domain=…]", "add a company (no arguments: a form)", handle_company_add, modal=open_company_add),
        Subcommand("show", "show NAME", "a company with its contacts", handle_company_show, keys=(), free_text_after=0),
    ),
)


async def handle_log(inv: Invocation) -> None:
    args = grammar.parse(inv.command.get("text") or "", keys={"kind"}, free_text_after=1)
    if not args.words:
        raise grammar.UsageError("Start with the contact's email: `/log ann@example.com kind=call Talked about the gala`.")
    kind = (args.options.get("kind") or "note").lower()
    if kind not in interactions.HAND_LOGGED_KINDS:
        raise grammar.UsageError(f"kind= is one of {', '.join(interactions.HAND_LOGGED_KINDS)}, not “{args.options['kind']}”.")
    logged = await interactions.log_interaction(
        inv.services, inv.tenant, email=args.words[0], kind=kind, body=args.text_after(1),
    )
    await inv.reply(views.logged(logged.contact_name, kind, duplicate=False))


async def open_log(inv: Invocation) -> None:
    require(inv.tenant, Action.LOG_TO_CONTACT_TIMELINES)
    await inv.client.views_open(trigger_id=inv.trigger_id, view=views.log_modal(inv.channel_id))


LOG = Command(
    name="/log",
    summary="log a call, meeting, email or note on a contact's timeline",
    subcommands=(),
    default=handle_log,
    default_usage=f"EMAIL [kind={'|'.join(interactions.HAND_LOGGED_KINDS)}] TEXT",
)


async def route_log(ack, command: dict, respond, client, tenant, services) -> None:
    """/log takes free text, so it is parsed here rather than by the router; no text opens the form."""
    await ack()
    async with errors.answering_errors(respond):
        text = (command.get("text") or "").strip()
        inv = Invocation(tenant, services, grammar.parse(""), respond, client, command)
        if not text:
            await open_log(inv)
        elif text.lower() in HELP_WORDS:
            await respond(text=LOG.help_text(), response_type="ephemeral")
        else:
            await handle_log(inv)


def register(app) -> None:
    app.command("/contact")(listener(CONTACT))
    app.command("/company")(listener(COMPANY))
    app.command("/log")(route_log)
