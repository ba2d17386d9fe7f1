"""Block Kit for the CRM: contact card and timeline, search results, company card, CRM modals."""

import json
import re

from bot.text import (
    context,
    divider,
    escape,
    fields,
    header,
    local_time,
    quoted,
    section,
    takings,
)
from core.crm import names
from core.crm.card import ContactCard, NameCard
from core.crm.companies import CompanyCard
from core.crm.contacts import ConsentState, ContactView, MergePlan
from core.crm.interactions import HAND_LOGGED_KINDS, LOGGABLE_KINDS, TimelineEntry
from core.crm.search import ContactHit

# action_id / callback_id / block_id constants of the CRM
SHORTCUT = "log_to_timeline"  # fixed by manifest.yml
ADD_CONTACT_VIEW = "contacts.add"
EDIT_CONTACT_VIEW = "contacts.edit"
ADD_COMPANY_VIEW = "companies.add"
LOG_VIEW = "contacts.log"
LOG_MESSAGE_VIEW = "contacts.log_message"
PICKER = "contacts.picker"
OPEN = "contacts.open"
OLDER = "contacts.older"
POST = "contacts.post"
EDIT = "contacts.edit_open"
MERGE = "contacts.merge"
KEEP_BOTH = "contacts.keep_both"
BLOCK_CONTACT, BLOCK_NEW_EMAIL, BLOCK_NEW_NAME = "contact", "new_email", "new_name"
BLOCK_KIND, BLOCK_TEXT = "kind", "text"
BLOCK_EMAIL, BLOCK_NAME, BLOCK_PHONE, BLOCK_COMPANY, BLOCK_TAGS, BLOCK_DOMAIN = (
    "email", "name", "phone", "company", "tags", "domain",
)
VALUE = "value"  # the action_id of every plain input

KIND_ICONS = {
    "note": ":memo:", "call": ":telephone_receiver:", "meeting": ":handshake:", "email": ":email:",
    "slack": ":speech_balloon:", "purchase": ":ticket:", "refund": ":leftwards_arrow_with_hook:",
    "checkin": ":white_check_mark:", "campaign": ":mega:", "guestlist": ":clipboard:",
}
SLACK_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
BODY_SHOWN = 600
MAX_INPUT = 3000


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": text[:75], "emoji": True}


def _button(text: str, action_id: str, value: str, style: str | None = None) -> dict:
    button = {"type": "button", "text": _plain(text), "action_id": action_id, "value": value}
    if style:
        button["style"] = style
    return button


def _who(user_id: str | None) -> str:
    if not user_id:
        return ""
    return f"<@{user_id}>" if SLACK_USER.match(user_id) else escape(user_id)


# --- contact card -------------------------------------------------------------------------


def _consent(state: ConsentState, timezone: str) -> str:
    if state.changed_at is None:
        return "yes" if state.granted else "no"
    since = local_time(state.changed_at, timezone)
    return f"{'yes' if state.granted else 'no'} (since {since}, via {escape(state.source or '?')})"


def timeline_entry(entry: TimelineEntry, timezone: str) -> dict:
    icon = KIND_ICONS.get(entry.kind, ":small_blue_diamond:")
    who = _who(entry.author) or _who(entry.logged_by)
    if entry.author and entry.logged_by and entry.author != entry.logged_by:
        who += f", logged by {_who(entry.logged_by)}"
    meta = " · ".join(p for p in (f"*{entry.kind.capitalize()}*", local_time(entry.occurred_at, timezone), who) if p)
    body = entry.body if len(entry.body) <= BODY_SHOWN else entry.body[:BODY_SHOWN] + "…"
    link = f"\n<{entry.permalink}|View in Slack>" if entry.permalink else ""
    return section(f"{icon} {meta}\n{escape(body)}{link}")


def contact_summary(contact: ContactView, card: ContactCard, timezone: str) -> list[dict]:
    value = takings(card.lifetime_value)
    events = str(card.events_attended)
    if card.recent_events:
        events += " (" + ", ".join(escape(n) for n in card.recent_events) + ")"
    return [
        header(contact.name),
        fields([
            ("Email", escape(contact.email)),
            ("Phone", escape(contact.phone or "—")),
            ("Company", escape(contact.company_name or "—")),
            ("Tags", ", ".join(f"`{escape(t)}`" for t in contact.tags) or "—"),
            ("Lifetime value", value),
            ("Events attended", events),
            ("Email consent", _consent(contact.email_consent, timezone)),
            ("SMS consent", _consent(contact.sms_consent, timezone)),
        ]),
    ]


def contact_card(card: ContactCard | NameCard, timezone: str, *, posted: bool = False) -> list[dict]:
    """The card; `posted` is the copy in a channel, whose thread replies are logged."""
    if isinstance(card, NameCard):
        return [section(f"*{escape(card.name)}*")]
    contact = card.contact
    blocks = contact_summary(contact, card, timezone)
    blocks.append(divider())
    entries = card.timeline.entries
    title = "*Timeline*" if card.timeline.is_first else "*Timeline* (older)"
    blocks.append(section(title if entries else f"{title}\nNothing logged yet."))
    blocks += [timeline_entry(e, timezone) for e in entries]
    if posted:
        blocks.append(context(f"Replies in this thread are logged to {escape(contact.name)}'s timeline."))
        return blocks
    buttons = []
    if card.timeline.older:
        buttons.append(_button("Older", OLDER, json.dumps({"c": str(contact.id), "o": card.timeline.older})))
    buttons.append(_button("Post to channel", POST, str(contact.id)))
    buttons.append(_button("Edit", EDIT, str(contact.id)))
    blocks.append({"type": "actions", "block_id": "card", "elements": buttons})
    return blocks


def card_text(card: ContactCard | NameCard) -> str:
    return escape(card.name) if isinstance(card, NameCard) else f"{escape(card.contact.name)} ({escape(card.contact.email)})"


# --- search, companies, confirmations ------------------------------------------------------


def search_results(query: str, hits: list[ContactHit], *, names_only: bool) -> list[dict]:
    if not hits:
        return [section(f"No contact matches “{quoted(query)}”.")]
    blocks = [section(f"*{len(hits)} contact{'s' if len(hits) != 1 else ''} for “{quoted(query)}”*")]
    for hit in hits:
        if names_only:
            blocks.append(section(f"*{escape(hit.name)}*"))
            continue
        detail = " · ".join(escape(p) for p in (hit.email, hit.company_name) if p)
        line = section(f"*{escape(hit.name)}*\n{detail}")
        line["accessory"] = _button("Open", OPEN, str(hit.id))
        blocks.append(line)
    return blocks


def company_card(company: CompanyCard) -> list[dict]:
    blocks = [
        header(company.name),
        fields([("Domain", escape(company.domain or "—")), ("Contacts", str(company.contact_count))]),
    ]
    if company.contacts:
        lines = "\n".join(f"• {escape(c.name)} — {escape(c.email)}" for c in company.contacts)
        more = company.contact_count - len(company.contacts)
        blocks.append(section(lines + (f"\n…and {more} more" if more > 0 else "")))
    return blocks


def _who_is(contact: ContactView) -> str:
    return f"*{escape(contact.name)}* ({escape(contact.email)})" if contact.name != contact.email else f"*{escape(contact.email)}*"


def merge_step(plan: MergePlan) -> list[dict]:
    """The confirmation of `/contact merge`: who folds into whom and what moves; a merge cannot be undone."""
    moves = f"{plan.orders:,} order{'s' if plan.orders != 1 else ''} and {plan.interactions:,} timeline entr{'ies' if plan.interactions != 1 else 'y'}"
    value = json.dumps({"d": plan.duplicate.email, "k": plan.survivor.email}, separators=(",", ":"))
    return [
        section(
            f"*Merge {_who_is(plan.duplicate)} into {_who_is(plan.survivor)}?*\n"
            f"Its {moves} move over, and {escape(plan.duplicate.email)} then opens the other card. This cannot be undone."
        ),
        {
            "type": "actions",
            "block_id": "contact_merge",
            "elements": [
                _button("Merge", MERGE, value, style="danger"),
                _button("Keep both", KEEP_BOTH, plan.duplicate.email),
            ],
        },
    ]


def merged_text(duplicate: str, contact: ContactView) -> str:
    return f"Merged {escape(duplicate)} into *{escape(contact.name)}* ({escape(contact.email)})."


def logged(name: str, kind: str, *, duplicate: bool) -> str:
    if duplicate:
        return f"That message is on {escape(name)}'s timeline already."
    return f"{KIND_ICONS.get(kind, '')} Logged a {kind} on {escape(name)}'s timeline."


# --- modals -------------------------------------------------------------------------------


def _input(block_id: str, label: str, *, optional: bool = False, hint: str | None = None,
           initial: str | None = None, multiline: bool = False, placeholder: str | None = None) -> dict:
    element = {"type": "plain_text_input", "action_id": VALUE, "multiline": multiline}
    if multiline:
        element["max_length"] = MAX_INPUT
    if initial:
        element["initial_value"] = initial[:MAX_INPUT]
    if placeholder:
        element["placeholder"] = _plain(placeholder)
    block = {"type": "input", "block_id": block_id, "label": _plain(label), "optional": optional, "element": element}
    if hint:
        block["hint"] = _plain(hint)
    return block


def _modal(callback_id: str, title: str, submit: str, blocks: list[dict], metadata: dict | None = None) -> dict:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": _plain(title[:24]),
        "submit": _plain(submit),
        "close": _plain("Cancel"),
        "private_metadata": json.dumps(metadata or {}),
        "blocks": blocks,
    }


def _kind_select(kinds: tuple[str, ...], default: str) -> dict:
    options = [{"text": _plain(k.capitalize()), "value": k} for k in kinds]
    return {
        "type": "input",
        "block_id": BLOCK_KIND,
        "label": _plain("Kind"),
        "element": {
            "type": "static_select",
            "action_id": VALUE,
            "options": options,
            "initial_option": next(o for o in options if o["value"] == default),
        },
    }


def _picker(*, optional: bool) -> dict:
    return {
        "type": "input",
        "block_id": BLOCK_CONTACT,
        "label": _plain("Contact"),
        "optional": optional,
        "element": {
            "type": "external_select",
            "action_id": PICKER,
            "placeholder": _plain("Type a name, email or company"),
            "min_query_length": 1,
        },
    }


def add_contact_modal(channel_id: str) -> dict:
    return _modal(ADD_CONTACT_VIEW, "Add contact", "Add", [
        _input(BLOCK_EMAIL, "Email", placeholder="ann@example.com"),
        _input(BLOCK_NAME, "Name", optional=True),
        _input(BLOCK_PHONE, "Phone", optional=True, placeholder="+1 415 555 0100"),
        _input(BLOCK_COMPANY, "Company", optional=True, hint="Left empty, the company is found by the email's domain."),
        _input(BLOCK_TAGS, "Tags", optional=True, placeholder="vip, speaker"),
    ], {"channel": channel_id})


def edit_contact_modal(contact: ContactView, response_url: str | None) -> dict:
    return _modal(EDIT_CONTACT_VIEW, "Edit contact", "Save", [
        section(f"*{escape(contact.email)}*"),
        _input(BLOCK_NAME, "Name", optional=True, initial=names.full_name(contact.first_name, contact.last_name)),
        _input(BLOCK_PHONE, "Phone", optional=True, initial=contact.phone),
        _input(BLOCK_COMPANY, "Company", optional=True, initial=contact.company_name),
        _input(BLOCK_TAGS, "Tags", optional=True, initial=", ".join(contact.tags)),
    ], {"contact": str(contact.id), "response_url": response_url})


def add_company_modal(channel_id: str) -> dict:
    return _modal(ADD_COMPANY_VIEW, "Add company", "Add", [
        _input(BLOCK_NAME, "Name"),
        _input(BLOCK_DOMAIN, "Domain", optional=True, placeholder="acme.io",
               hint="Contacts with emails at this domain join the company."),
    ], {"channel": channel_id})


def log_modal(channel_id: str) -> dict:
    return _modal(LOG_VIEW, "Log to timeline", "Log", [
        _picker(optional=False),
        _kind_select(HAND_LOGGED_KINDS, "note"),
        _input(BLOCK_TEXT, "What happened", multiline=True),
    ], {"channel": channel_id})


def log_message_modal(*, text: str, metadata: dict) -> dict:
    """The shortcut's modal: pick a contact (or type a new one), a kind; the message is editable."""
    return _modal(LOG_MESSAGE_VIEW, "Log to timeline", "Log", [
        _picker(optional=True),
        _input(BLOCK_NEW_EMAIL, "…or a new contact's email", optional=True, placeholder="ann@example.com"),
        _input(BLOCK_NEW_NAME, "New contact's name", optional=True),
        _kind_select(LOGGABLE_KINDS, "slack"),
        _input(BLOCK_TEXT, "Message", multiline=True, initial=text),
    ], metadata)


def picker_options(hits: list[ContactHit]) -> list[dict]:
    """external_select options: "Name — email · company", the contact id as value."""
    options = []
    for hit in hits:
        label = " · ".join(p for p in (f"{hit.name} — {hit.email}" if hit.name != hit.email else hit.email, hit.company_name) if p)
        label = label if len(label) <= 75 else label[:74] + "…"
        options.append({"text": {"type": "plain_text", "text": label}, "value": str(hit.id)})
    return options
