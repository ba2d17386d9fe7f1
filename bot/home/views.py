"""The App Home tab: common actions, today's numbers and the upcoming events."""

from zoneinfo import ZoneInfo

from bot.text import (
    context,
    divider,
    escape,
    fields,
    header,
    local_time,
    money,
    section,
)
from core.accounts.home import HomeSummary, UpcomingEvent
from core.context import TenantContext
from db.enums import EventStatus

CREATE_EVENT = "home.create_event"
SELL = "home.sell"
FIND_CONTACT = "home.find_contact"

# (action_id, label, least role that can use it)
BUTTONS = (
    (CREATE_EVENT, "Create event", "organizer"),
    (SELL, "Sell tickets", "sales"),
    (FIND_CONTACT, "Find a contact", "sales"),
)


def home_tab(summary: HomeSummary, viewer: TenantContext) -> dict:
    """The Home tab view for `viewer`; buttons only for what their role may do."""
    blocks: list[dict] = [header("EventOS")]
    buttons = [_button(action_id, label) for action_id, label, role in BUTTONS if viewer.has_role(role)]
    if buttons:
        buttons[0]["style"] = "primary"
        blocks.append({"type": "actions", "block_id": "home.actions", "elements": buttons})
    blocks += [divider(), *_today(summary), divider(), *_upcoming(summary)]
    blocks.append(context(f"Updated {local_time(summary.as_of, summary.timezone)} · reopen this tab to refresh"))
    return {"type": "home", "blocks": blocks}


def _button(action_id: str, label: str) -> dict:
    return {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": label, "emoji": True}}


def _today(summary: HomeSummary) -> list[dict]:
    day = summary.as_of.astimezone(ZoneInfo(summary.timezone)).strftime("%A %d %B")
    pairs = [
        ("Tickets sold", f"{summary.tickets_today:,} in {summary.orders_today:,} order{'s' if summary.orders_today != 1 else ''}"),
        ("Checked in", f"{summary.check_ins_today:,}"),
    ]
    if summary.revenue_today is not None:
        revenue = ", ".join(money(r.cents, r.currency) for r in summary.revenue_today) or "—"
        pairs.insert(1, ("Revenue", revenue))
    return [section(f"*Today* · {day} ({escape(summary.timezone)})"), fields(pairs)]


def _upcoming(summary: HomeSummary) -> list[dict]:
    if not summary.upcoming:
        return [section("*Upcoming events*\nNothing scheduled yet. Create an event with `/event create`.")]
    return [section("*Upcoming events*"), *(_event(e, summary.timezone) for e in summary.upcoming)]


def _event(event: UpcomingEvent, timezone: str) -> dict:
    held = event.sold - event.paid
    seats = f"{event.paid:,} sold" + (f" · {held:,} held" if held > 0 else "")
    seats += f" / {event.capacity:,}" if event.capacity else ""
    draft = " · _draft_" if event.status == EventStatus.DRAFT else ""
    # An event's time is read in its own zone, named so a viewer elsewhere cannot misread it.
    return section(f"*{escape(event.name)}*  `{escape(event.slug)}`{draft}\n{local_time(event.starts_at, event.timezone)} · {seats}")


GUIDES = {
    SELL: (
        "Sell tickets",
        "`/sell EVENT TICKET email=buyer@example.com [qty=2] [name=…]` creates the order and answers with a "
        "payment link for the buyer. `/ticket list EVENT` shows the ticket types; "
        "`/order paid REF method=cash` records a payment taken in person.",
    ),
    FIND_CONTACT: (
        "Find a contact",
        "`/contact find QUERY` searches names, emails, phones and companies; "
        "`/contact show EMAIL` opens a contact's timeline, and `/log EMAIL what happened` adds a note to it.",
    ),
}


def guide(action_id: str) -> dict:
    """A small modal that says which command does what the button names."""
    title, body = GUIDES[action_id]
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title},
        "close": {"type": "plain_text", "text": "Got it"},
        "blocks": [section(body)],
    }
