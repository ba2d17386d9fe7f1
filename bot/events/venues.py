"""/venue: add and list venues, change a venue's seat limit."""

from pydantic import BaseModel, Field

from bot import grammar
from bot.events import modal_views as modals
from bot.events import views as views
from bot.router import Command, Invocation, Subcommand, listener
from bot.text import escape
from core.accounts.permissions import Action, require
from core.events import venues


class AddArgs(BaseModel):
    name: str = Field(examples=["Main Hall"])
    address: str | None = None
    capacity: str | None = None
    timezone: str | None = None


class EditArgs(BaseModel):
    venue: str = Field(examples=["Main Hall"])
    capacity: str = Field(examples=["300"])


async def open_add_modal(inv: Invocation) -> None:
    require(inv.tenant, Action.ADD_VENUES)
    await inv.client.views_open(trigger_id=inv.trigger_id, view=modals.add_venue_modal(channel_id=inv.channel_id))


async def handle_add(inv: Invocation) -> None:
    venue = await venues.add_venue(inv.services, inv.tenant, **grammar.bind(inv.args, AddArgs).model_dump())
    await inv.reply(f"Added venue {escape(venue.name)}", views.venue_added(venue))


async def handle_list(inv: Invocation) -> None:
    if inv.args.words or inv.args.options:
        raise grammar.UsageError("`/venue list` takes no arguments.")
    places = await venues.list_venues(inv.services, inv.tenant)
    total = await venues.count_venues(inv.services, inv.tenant)
    await inv.reply(f"{total} venues", views.venue_list(places, total))


async def handle_edit(inv: Invocation) -> None:
    args = grammar.bind(inv.args, EditArgs, positional=["venue"])
    seats = None if args.capacity.strip().lower() in ("none", "unlimited", "-") else args.capacity
    venue = await venues.set_venue_capacity(inv.services, inv.tenant, venue=args.venue, capacity=seats)
    await inv.reply(f"Saved {escape(venue.name)}", views.venue_saved(venue))


VENUE = Command(
    name="/venue",
    summary="the places events happen",
    subcommands=(
        Subcommand("add", 'add name="Main Hall" [address=…] [capacity=…] [timezone=…]', "add a venue (no arguments: a form)",
                   handle_add, modal=open_add_modal),
        Subcommand("list", "list", "every venue with its seats", handle_list),
        Subcommand("edit", 'edit "Main Hall" capacity=300', "change a venue's seat limit (`capacity=none`: no limit)", handle_edit),
    ),
)


def register(app) -> None:
    app.command("/venue")(listener(VENUE))
