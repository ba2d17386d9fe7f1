"""/event: create, list, show, stats, edit, publish and cancel events."""

from pydantic import BaseModel, Field

from bot import grammar
from bot.events import modal_views as modals
from bot.events import views as views
from bot.exports.commands import handle_event_export
from bot.guestlists import views as guest_views
from bot.router import Command, Invocation, Subcommand, listener
from bot.text import escape
from core.accounts.permissions import Action, require
from core.events import events
from core.events import stats as event_stats
from core.events.events import UNCHANGED
from core.guestlists import stats as guest_stats
from core.sales import waitlist
from core.storefront import links

LIST_WORDS = {"": "upcoming", "upcoming": "upcoming", "next": "upcoming", "past": "past", "all": "all"}


class CreateArgs(BaseModel):
    name: str = Field(examples=["Summer Gala"])
    starts: str = Field(examples=["2031-07-01 19:00"])
    ends: str | None = None
    venue: str | None = None
    capacity: str | None = None
    timezone: str | None = None
    slug: str | None = None


class EventArg(BaseModel):
    event: str = Field(examples=["summer-gala"])


class LinkArgs(BaseModel):
    event: str = Field(examples=["summer-gala"])
    source: str | None = Field(default=None, examples=["instagram"])
    promoter: str | None = Field(default=None, json_schema_extra=grammar.SLACK_REFERENCE)


class WaitlistArgs(BaseModel):
    event: str = Field(examples=["summer-gala"])
    offer_hours: str | None = Field(default=None, examples=["12"])


class EditArgs(BaseModel):
    event: str = Field(examples=["summer-gala"])
    name: str | None = None
    starts: str | None = None
    ends: str | None = None
    venue: str | None = None
    capacity: str | None = None


CLEAR = {"none", "-", "no", "unlimited"}


def given(value: str | None, *, clearable: bool = False):
    """UNCHANGED when the option was not typed; None when it was typed as `none` and may be cleared."""
    if value is None:
        return UNCHANGED
    if clearable and value.strip().lower() in CLEAR:
        return None
    return value


async def show_card(inv: Invocation, slug: str, note: str | None = None) -> None:
    report = await event_stats.event_report(inv.services, inv.tenant, slug=slug)
    card = views.event_card(report, can_edit=inv.tenant.has_role("organizer"))
    await inv.reply(note or escape(report.event.name), views.notice(note, card) if note else card)


async def open_create_modal(inv: Invocation) -> None:
    require(inv.tenant, Action.CREATE_EVENTS)
    await inv.client.views_open(
        trigger_id=inv.trigger_id,
        view=modals.create_event_modal(channel_id=inv.channel_id, account_timezone=inv.tenant.timezone),
    )


async def handle_create(inv: Invocation) -> None:
    args = grammar.bind(inv.args, CreateArgs)
    event = await events.create_event(inv.services, inv.tenant, **args.model_dump())
    await show_card(inv, event.slug, views.created_note(event))


async def handle_list(inv: Invocation) -> None:
    word = " ".join(inv.args.words).lower()
    if word not in LIST_WORDS or inv.args.options:
        raise grammar.UsageError("Use `/event list`, `/event list past` or `/event list all`.")
    page = await events.list_events(inv.services, inv.tenant, scope=LIST_WORDS[word])
    await inv.reply(f"{page.total} events", views.event_list(page))


async def handle_show(inv: Invocation) -> None:
    await show_card(inv, grammar.bind(inv.args, EventArg, positional=["event"]).event)


async def handle_stats(inv: Invocation) -> None:
    slug = grammar.bind(inv.args, EventArg, positional=["event"]).event
    report = await event_stats.event_report(inv.services, inv.tenant, slug=slug)
    guests = await guest_stats.counts_for_stats(inv.services, inv.tenant, event=slug)
    blocks = views.stats_card(report) + (guest_views.counts_blocks(guests) if guests else [])
    await inv.reply(f"Stats: {escape(report.event.name)}", blocks)


async def handle_edit(inv: Invocation) -> None:
    args = grammar.bind(inv.args, EditArgs, positional=["event"])
    if not inv.args.options:
        require(inv.tenant, Action.CHANGE_EVENTS)
        event = await events.get_event_by_slug(inv.services, inv.tenant, args.event)
        await inv.client.views_open(trigger_id=inv.trigger_id, view=modals.edit_event_modal(event, channel_id=inv.channel_id))
        return
    event = await events.update_event(
        inv.services, inv.tenant, slug=args.event, name=given(args.name), starts=given(args.starts),
        ends=given(args.ends, clearable=True), venue=given(args.venue, clearable=True),
        capacity=given(args.capacity, clearable=True),
    )
    await show_card(inv, event.slug, f"Saved *{escape(event.name)}*.")


async def handle_publish(inv: Invocation) -> None:
    slug = grammar.bind(inv.args, EventArg, positional=["event"]).event
    event, changed = await events.publish_event(inv.services, inv.tenant, slug=slug)
    note = views.published_note(event, changed, await links.published_url(inv.services, inv.tenant, event))
    await show_card(inv, event.slug, note)


async def handle_link(inv: Invocation) -> None:
    args = grammar.bind(inv.args, LinkArgs, positional=["event"])
    promoter = None
    if args.promoter is not None:
        promoter = grammar.user_id(args.promoter)
        if promoter is None:
            raise grammar.UsageError("Mention the promoter: `promoter=@anna`.")
    link = await links.event_link(inv.services, inv.tenant, event=args.event, source=args.source,
                                  promoter_slack_id=promoter)
    await inv.reply(f"{escape(link.event_name)}: {link.url}", views.event_link(link))


async def handle_waitlist(inv: Invocation) -> None:
    args = grammar.bind(inv.args, WaitlistArgs, positional=["event"])
    found = await waitlist.waitlist(inv.services, inv.tenant, event=args.event, offer_hours=args.offer_hours)
    await inv.reply(f"Waitlist: {escape(found.event_name)}", views.waitlist(found))


async def handle_cancel(inv: Invocation) -> None:
    slug = grammar.bind(inv.args, EventArg, positional=["event"]).event
    event, impact = await events.cancellation_preview(inv.services, inv.tenant, slug=slug)
    await inv.reply(f"Cancel {escape(event.name)}?", views.cancel_step(event, impact))


EVENT = Command(
    name="/event",
    summary="create, publish and follow events",
    subcommands=(
        Subcommand("create", 'create name="Summer Gala" starts="2031-07-01 19:00" [ends=…] [venue=…] [capacity=…] [timezone=…] [slug=…]',
                   "create a draft event (no arguments: a form)", handle_create, modal=open_create_modal),
        Subcommand("list", "list [past|all]", "upcoming events, page by page", handle_list),
        Subcommand("show", "show EVENT", "the event's card: date, venue, status, ticket sales, check-ins", handle_show),
        Subcommand("stats", "stats EVENT", "sales, revenue, orders and check-ins", handle_stats),
        Subcommand("edit", "edit EVENT [name=…] [starts=…] [ends=…] [venue=…] [capacity=…]",
                   "change an event (only EVENT: a form)", handle_edit),
        Subcommand("publish", "publish EVENT", "put a draft on sale", handle_publish),
        Subcommand("link", "link EVENT [source=instagram] [promoter=@…]",
                   "the public page's URL to share, with a QR code for posters; with a source or promoter, a tracked "
                   "link whose orders count for them (promoters: their own)", handle_link, keys=("source", "promoter")),
        Subcommand("waitlist", "waitlist EVENT [offer_hours=24]",
                   "who waits for sold-out tickets, in order, and who was offered, bought or let it lapse; "
                   "offer_hours sets how long an offer holds its seats (1 to 24)", handle_waitlist, keys=("offer_hours",)),
        Subcommand("cancel", "cancel EVENT", "cancel an event, after showing what it affects", handle_cancel),
        Subcommand("export", "export EVENT [what=attendees|orders|checkins|guests]",
                   "a CSV of the event's attendees (or orders, check-ins, guests), shared here", handle_event_export,
                   keys=("what",)),
    ),
)


def register(app) -> None:
    app.command("/event")(listener(EVENT))
