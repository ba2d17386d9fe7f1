"""Event cards, event lists, venue and ticket-type lists: core results → Block Kit."""

import json

from bot.sales import views as sales_views
from bot.text import context, divider, escape, fields, header, local_time, money, section, takings
from core.events.events import EventInfo, EventPage, Impact
from core.events.stats import EventReport, TicketSales
from core.events.ticket_types import TicketType
from core.events.venues import VenueInfo
from core.sales.waitlist import Waitlist
from core.storefront.links import EventLink
from core.time.local_time import in_zone, wall_clock, zone_name
from db.enums import EventStatus, OrderStatus, WaitlistEntryStatus

# Slack wants action ids unique within a block: the two page buttons differ, one listener hears both.
LIST_PREVIOUS = "event.list_previous"
LIST_NEXT = "event.list_next"
SHOW = "event.show"
EDIT = "event.edit"
CANCEL = "event.cancel"
KEEP = "event.keep"
PUBLISH = "event.publish"
ADD_TICKET = "event.add_ticket"

STATUS = {EventStatus.DRAFT: "📝 Draft", EventStatus.PUBLISHED: "✅ Published", EventStatus.CANCELLED: "❌ Cancelled"}
# The order in which an event's orders are counted.
ORDER_STATES = (OrderStatus.PAID, OrderStatus.PENDING, OrderStatus.REFUNDED, OrderStatus.CANCELLED, OrderStatus.EXPIRED)
SCOPE_TITLES = {"upcoming": "Upcoming events", "past": "Past events", "all": "All events"}
SECTION_LIMIT = 2900


def when(event: EventInfo) -> str:
    """`Wed 01 Jul 2026, 19:00–23:00 CEST` in the event's zone; the end in full when on another day."""
    start = in_zone(event.starts_at, event.timezone)
    if event.ends_at is None:
        return wall_clock(event.starts_at, event.timezone)
    end = in_zone(event.ends_at, event.timezone)
    if end.date() == start.date() and zone_name(end) == zone_name(start):
        return f"{start:%a %d %b %Y, %H:%M}–{end:%H:%M} {zone_name(end)}"
    return f"{wall_clock(event.starts_at, event.timezone)} – {wall_clock(event.ends_at, event.timezone)}"



def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def sections(lines: list[str]) -> list[dict]:
    """Lines packed into as few sections as Slack's 3,000-character limit allows."""
    blocks, chunk = [], ""
    for line in lines:
        if chunk and len(chunk) + len(line) + 1 > SECTION_LIMIT:
            blocks.append(section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line[:SECTION_LIMIT]
    if chunk:
        blocks.append(section(chunk))
    return blocks


def seats(sold: int, capacity: int | None) -> str:
    return f"{sold:,} / {capacity:,}" if capacity is not None else f"{sold:,} (no limit)"


def ticket_line(sales: TicketSales, event: EventInfo) -> str:
    t = sales.ticket
    parts = [f"• *{escape(t.name)}* `{t.slug}` — {money(t.price_cents, t.currency)}"]
    held = f" · {sales.held:,} held" if sales.held else ""
    parts.append(f"{sales.paid:,} sold{held} / {t.capacity:,}" if t.capacity is not None else f"{sales.paid:,} sold{held} (no limit)")
    parts.append(f"{money(sales.revenue_cents, t.currency)} gross")
    if t.sales_end is not None:
        parts.append(f"sales end {local_time(t.sales_end, event.timezone)}")
    return " · ".join(parts)


def impact_sentence(name: str, impact: Impact) -> str:
    """What cancelling touches, in one sentence (escaped)."""
    return (
        f"“{escape(name)}” will stop selling for good. It has {_plural(impact.paid_orders, 'paid order')}, "
        f"{_plural(impact.pending_orders, 'pending order')} and {_plural(impact.attendees, 'attendee')}; "
        "nobody is refunded or told automatically."
    )


def _button(text: str, action_id: str, value: str, style: str | None = None, confirm: dict | None = None) -> dict:
    button = {"type": "button", "text": {"type": "plain_text", "text": text, "emoji": True}, "action_id": action_id, "value": value}
    if style:
        button["style"] = style
    if confirm:
        button["confirm"] = confirm
    return button


def cancel_confirm(report: EventReport) -> dict:
    """The Block Kit confirm dialog of the card's Cancel button (its text is at most 300 characters)."""
    name = report.event.name if len(report.event.name) <= 60 else report.event.name[:59] + "…"
    return {
        "title": {"type": "plain_text", "text": "Cancel this event?"},
        "text": {"type": "mrkdwn", "text": impact_sentence(name, report.impact)[:300]},
        "confirm": {"type": "plain_text", "text": "Cancel event"},
        "deny": {"type": "plain_text", "text": "Keep it"},
        "style": "danger",
    }


def card_actions(report: EventReport) -> dict | None:
    event = report.event
    if event.status == EventStatus.CANCELLED:
        return None
    buttons = [_button("Edit", EDIT, event.slug), _button("Add ticket type", ADD_TICKET, event.slug)]
    if event.status == EventStatus.DRAFT:
        buttons.append(_button("Publish", PUBLISH, event.slug, style="primary"))
    buttons.append(_button("Cancel event", CANCEL, event.slug, style="danger", confirm=cancel_confirm(report)))
    return {"type": "actions", "block_id": f"event_card:{event.slug}", "elements": buttons}


def event_card(report: EventReport, *, can_edit: bool) -> list[dict]:
    """`/event show`: date in the event's zone, venue, status, ticket types, check-ins."""
    event = report.event
    blocks = [
        header(event.name),
        fields([
            ("When", when(event)),
            ("Venue", escape(event.venue_name) if event.venue_name else "No venue"),
            ("Status", STATUS.get(event.status, event.status)),
            ("Seats sold or held", seats(event.sold, event.capacity)),
            ("Money", takings(report.money)),
            ("Slug", f"`{event.slug}`"),
        ]),
    ]
    if report.public_url:
        blocks.append(section(f"*Public page:* <{report.public_url}>"))
    if report.tickets:
        blocks += sections(["*Ticket types*", *(ticket_line(t, event) for t in report.tickets)])
    else:
        blocks.append(section(f"No ticket types yet: add one with `/ticket add {event.slug} name=\"General admission\" price=25`."))
    if report.codes:
        blocks += sections(["*Promo codes*", *(sales_views.code_line(c, report.currency) for c in report.codes[:15])])
    orders = report.orders
    blocks.append(context(
        f"Check-ins so far: *{report.check_ins:,}* of {_plural(report.attendees, 'attendee')} · "
        f"Orders: {orders.get('paid', 0):,} paid, {orders.get('pending', 0):,} pending · Times in {event.timezone}"
    ))
    if can_edit and (actions := card_actions(report)):
        blocks.append(actions)
    return blocks


def _sales_tools(report: EventReport) -> list[dict]:
    """Promo codes and sales by source, when the event has any."""
    blocks = []
    if report.codes:
        blocks += sections(["*Promo codes*", *(sales_views.code_line(c, report.currency) for c in report.codes[:15])])
    if report.sources:
        blocks += sections(["*By source* (paid orders)", *(sales_views.source_line(s) for s in report.sources)])
    return blocks


def stats_card(report: EventReport) -> list[dict]:
    """`/event stats`: the numbers, then the ticket types."""
    event, orders = report.event, report.orders
    rate = f" ({report.check_ins * 100 // report.attendees}%)" if report.attendees else ""
    left = "no limit" if event.capacity is None else f"{max(event.capacity - event.sold, 0):,}"
    order_counts = ", ".join(f"{orders[s]:,} {s}" for s in ORDER_STATES if orders.get(s))
    blocks = [
        header(f"Stats: {event.name}"),
        fields([
            ("Tickets sold", f"{report.paid_seats:,}"),
            ("Money (paid orders)", takings(report.money)),
            ("Orders", order_counts or "none yet"),
            ("Seats left", left),
            ("Attendees", f"{report.attendees:,}"),
            ("Checked in", f"{report.check_ins:,}{rate}"),
        ]),
    ]
    if report.tickets:
        blocks += sections(["*By ticket type*", *(ticket_line(t, event) for t in report.tickets)])
    blocks += _sales_tools(report)
    blocks.append(context(f"{when(event)} · {STATUS.get(event.status, event.status)} · `{event.slug}`"))
    return blocks


def event_line(event: EventInfo) -> str:
    venue = f" · {escape(event.venue_name)}" if event.venue_name else ""
    status = "" if event.status == EventStatus.PUBLISHED else f" · {STATUS[event.status]}"
    return f"*{escape(event.name)}* `{event.slug}`\n{when(event)}{venue}{status} · {seats(event.sold, event.capacity)} seats"


def page_value(scope: str, *, after: str | None = None, before: str | None = None) -> str:
    return json.dumps({"scope": scope, "after": after, "before": before}, separators=(",", ":"))


def event_list(page: EventPage) -> list[dict]:
    """One page of `/event list`, with Previous / Next buttons and where this page sits in the whole."""
    title = SCOPE_TITLES[page.scope]
    if not page.events:
        hint = "Create one with `/event create`." if page.scope == "upcoming" else "Try `/event list all`."
        return [header(title), section(f"No {title.lower()} here. {hint}")]
    last = page.first_position + len(page.events) - 1
    blocks = [header(f"{title} ({page.total:,})"), context(f"Showing {page.first_position:,}–{last:,} of {page.total:,}")]
    for event in page.events:
        block = section(event_line(event))
        block["accessory"] = _button("Open", SHOW, event.slug)
        blocks.append(block)
    buttons = []
    if page.prev_cursor:
        buttons.append(_button("← Previous", LIST_PREVIOUS, page_value(page.scope, before=page.prev_cursor)))
    if page.next_cursor:
        buttons.append(_button(f"Next {len(page.events)} →", LIST_NEXT, page_value(page.scope, after=page.next_cursor), style="primary"))
    if buttons:
        blocks.append({"type": "actions", "block_id": "event_list_pages", "elements": buttons})
    blocks.append(context("`/event list` upcoming · `/event list past` · `/event list all`"))
    return blocks


def cancel_step(event: EventInfo, impact: Impact) -> list[dict]:
    """The confirmation step of `/event cancel`: what it affects, then a danger button."""
    return [
        section(f"*Cancel {escape(event.name)}* ({when(event)})?\n{impact_sentence(event.name, impact)}"),
        {
            "type": "actions",
            "block_id": f"event_cancel:{event.slug}",
            "elements": [
                _button("Cancel the event", CANCEL, event.slug, style="danger"),
                _button("Keep it", KEEP, event.slug),
            ],
        },
    ]


def cancelled_sentence(event: EventInfo, impact: Impact, changed: bool) -> str:
    if not changed:
        return f"“{escape(event.name)}” was already cancelled."
    refunds = " Refund paid orders with `/order refund REF`." if impact.paid_orders else ""
    return (
        f"Cancelled “{escape(event.name)}”: it sells nothing from now on. It had "
        f"{_plural(impact.paid_orders, 'paid order')}, {_plural(impact.pending_orders, 'pending order')} and "
        f"{_plural(impact.attendees, 'attendee')}.{refunds}"
    )


def ticket_list(event: EventInfo, tickets: list[TicketType]) -> list[dict]:
    blocks = [header(f"Ticket types: {event.name}")]
    if not tickets:
        return blocks + [section(f"None yet: add one with `/ticket add {event.slug} name=\"General admission\" price=25`.")]
    lines = []
    for t in tickets:
        line = f"• *{escape(t.name)}* `{t.slug}` — {money(t.price_cents, t.currency)} · {seats(t.sold, t.capacity)} sold or held"
        if t.sales_end is not None:
            line += f" · sales end {local_time(t.sales_end, event.timezone)}"
        lines.append(line)
    return blocks + sections(lines) + [context(f"Sell with `/sell {event.slug} TICKET email=…` · times in {event.timezone}")]


def venue_list(places: list[VenueInfo], total: int) -> list[dict]:
    if not places:
        return [section("No venues yet: add one with `/venue add name=\"Main Hall\" capacity=300`.")]
    lines = []
    for v in places:
        details = [escape(v.address)] if v.address else []
        details.append(f"{v.capacity:,} seats" if v.capacity is not None else "no seat limit")
        if v.timezone:
            details.append(v.timezone)
        lines.append(f"• *{escape(v.name)}* — {' · '.join(details)}")
    blocks = [header(f"Venues ({total:,})"), *sections(lines)]
    if total > len(places):
        blocks.append(context(f"Showing the first {len(places):,} of {total:,} by name."))
    return blocks


def venue_added(venue: VenueInfo) -> list[dict]:
    limit = f"{venue.capacity:,} seats" if venue.capacity is not None else "no seat limit"
    return [section(f"Added venue *{escape(venue.name)}* ({limit}). Use it with `/event create … venue=\"{escape(venue.name)}\"`.")]


def venue_saved(venue: VenueInfo) -> list[dict]:
    limit = f"{venue.capacity:,} seats" if venue.capacity is not None else "no seat limit"
    return [section(f"Saved *{escape(venue.name)}*: {limit}.")]


def ticket_added(event: EventInfo, ticket: TicketType) -> list[dict]:
    cap = f"{ticket.capacity:,} seats" if ticket.capacity is not None else "no own limit"
    next_step = f" Publish the event with `/event publish {event.slug}`." if event.status == EventStatus.DRAFT else ""
    return [section(
        f"Added *{escape(ticket.name)}* `{ticket.slug}` to *{escape(event.name)}*: "
        f"{money(ticket.price_cents, ticket.currency)}, {cap}.{next_step}"
    )]


def created_note(event: EventInfo) -> str:
    return (
        f"Created draft *{escape(event.name)}* `{event.slug}`. Next: `/ticket add {event.slug} name=… price=…`, "
        f"then `/event publish {event.slug}`."
    )


def notice(text: str, card: list[dict]) -> list[dict]:
    """A sentence above a card."""
    return [section(text), divider(), *card]


def event_link(link: EventLink) -> list[dict]:
    """`/event link`: the public URL to share and its QR code for posters."""
    blocks = [section(f"*{escape(link.event_name)}* on sale to the public at:\n<{link.url}>")]
    if link.source or link.promoter:
        whom = " and ".join(
            part for part in (f"source *{link.source}*" if link.source else "",
                              f"promoter *{escape(link.promoter)}*" if link.promoter else "") if part
        )
        blocks.append(context(f"Tracked link: orders placed through it count for {whom} in `/event stats`."))
    if link.status == EventStatus.PUBLISHED:
        blocks.append({"type": "image", "image_url": link.qr_url, "alt_text": f"QR code of {link.url}"})
        blocks.append(context(f"QR code for posters: <{link.qr_url}|download the PNG>"))
    elif link.status == EventStatus.DRAFT:
        blocks.append(context("This link goes live when the event is published."))
    else:
        blocks.append(context("The event is cancelled: its page says so and sells nothing."))
    return blocks


def published_note(event: EventInfo, changed: bool, url: str | None) -> str:
    """What publishing answers: the event is on sale, and where the public buys."""
    state = "is published and on sale" if changed else "was already published"
    return f"*{escape(event.name)}* {state}" + (f": <{url}>" if url else ".")


SHOWN_WAITING = 100  # the list stays readable; the counts above it cover everyone


def waitlist(found: Waitlist) -> list[dict]:
    """`/event waitlist`: the line in order, then who was offered, who bought and who let it lapse."""
    counts = " · ".join(f"{found.count(state)} {state}" for state in WaitlistEntryStatus)
    blocks = [header(f"Waitlist: {found.event_name}"), context(
        f"{counts} · an offer holds its seats for {_plural(found.offer_hours, 'hour')} "
        f"(`/event waitlist {found.event_slug} offer_hours=12` changes it)"
    )]
    if not found.entries:
        return [*blocks, section("Nobody is waiting: the waitlist opens on the event page when a ticket type sells out.")]
    lines = []
    for entry in found.entries[:SHOWN_WAITING]:
        who = f"{escape(entry.name)} ({escape(entry.email)})" if entry.name else escape(entry.email)
        what = f"{entry.quantity} × {escape(entry.ticket)}"
        if entry.state == WaitlistEntryStatus.WAITING:
            lines.append(f"*{entry.position}.* {who} · {what} · joined {local_time(entry.joined_at, found.timezone)}")
        elif entry.state == WaitlistEntryStatus.OFFERED:
            lines.append(f"Offered: {who} · {what} · held until {local_time(entry.offer_ends_at, found.timezone)} "
                         f"(`{entry.reference}`)")
        elif entry.state == WaitlistEntryStatus.BOUGHT:
            lines.append(f"Bought: {who} · {what} (`{entry.reference}`)")
        else:
            lines.append(f"Lapsed: {who} · {what} · offered {local_time(entry.offered_at, found.timezone)}")
    blocks.extend(sections(lines))
    if len(found.entries) > SHOWN_WAITING:
        blocks.append(context(f"The first {SHOWN_WAITING} of {len(found.entries):,} shown."))
    return blocks
